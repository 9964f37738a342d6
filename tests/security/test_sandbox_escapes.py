"""Escapes a custom verifier (or a completion that subverts one) would try, each against the real bwrap sandbox.

Every test runs real processes; none mocks the sandbox. Without bubblewrap they skip (the refusal itself is tested
in tests/tracewheel/core/test_sandbox.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tracewheel.core.sandbox import SANDBOX_UID, run_sandboxed

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
)


def _run_python(code: str, *args: str, stdin: bytes = b"", **limits) -> dict:
    """Run ``code`` in the sandbox; it prints one JSON object as its last line."""
    result = run_sandboxed([sys.executable, "-c", code, *args], stdin=stdin, **limits)
    assert result.stdout.strip(), (result.failure, result.stderr[-2000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def _sandbox_processes(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in proc.info["cmdline"] or []):
            found.append(proc)
    return found


# ---------------------------------------------------------------------------------------------- reading secrets


def test_cannot_read_shadow_root_home_or_tenant_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "tracewheel-home"
    tenant_file = home / "traces" / "alpha" / "part-0.parquet"
    tenant_file.parent.mkdir(parents=True)
    tenant_file.write_text("alpha's private spans")
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    targets = ["/etc/shadow", "/etc/gshadow", "/root", "/home", str(home), str(tenant_file), str(tmp_path)]
    code = (
        "import json, os, sys\n"
        "seen = {}\n"
        "for path in json.loads(sys.stdin.read()) + sys.argv[1:]:\n"
        "    try:\n"
        "        seen[path] = os.listdir(path) if os.path.isdir(path) else open(path).read()\n"
        "    except OSError as exc:\n"
        "        seen[path] = None\n"
        "print(json.dumps(seen))\n"
    )
    # Paths on the command line as well: files it names are bound in, but never tracewheel's state or /etc.
    seen = _run_python(code, str(tenant_file), "/etc/shadow", stdin=json.dumps(targets).encode())
    assert seen.pop("/root") in (None, [".pyenv"])  # only the interpreter's own prefix, when it lives there
    assert all(value is None for value in seen.values()), seen


def test_cannot_read_the_operators_environment_through_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"tw-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("TRACEWHEEL_OPERATOR_TOKEN", secret)
    code = (
        "import json, os, sys\n"
        "secret = sys.stdin.buffer.read()  # not on the command line, which /proc/*/cmdline shows\n"
        "found, pids = [], []\n"
        "for pid in os.listdir('/proc'):\n"
        "    if not pid.isdigit():\n"
        "        continue\n"
        "    pids.append(int(pid))\n"
        "    for name in ('environ', 'cmdline'):\n"
        "        try:\n"
        "            data = open(f'/proc/{pid}/{name}', 'rb').read()\n"
        "        except OSError:\n"
        "            continue\n"
        "        if secret in data:\n"
        "            found.append(f'{pid}/{name}')\n"
        "print(json.dumps({'found': found, 'pids': sorted(pids), 'env': dict(os.environ)}))\n"
    )
    seen = _run_python(code, stdin=secret.encode())
    assert seen["found"] == [] and secret not in json.dumps(seen["env"])
    # Its own PID namespace: bwrap's init, the command, nothing of the host.
    assert seen["pids"] == [1, 2], seen["pids"]


# ---------------------------------------------------------------------------------------------- Unix sockets


@pytest.fixture
def unix_servers(
    tmp_path: Path, connection_recorder: Callable[[list[socket.socket]], list[bytes]]
) -> tuple[str, str, list[bytes]]:
    """A Unix socket on disk and one in the abstract namespace, both recording what reaches them."""
    path = str(tmp_path / "operator.sock")
    abstract = f"\0tracewheel-test-{uuid.uuid4().hex}"
    servers = []
    for address in (path, abstract):
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(address)
        server.listen()
        servers.append(server)
    os.chmod(path, 0o777)  # the sandbox's uid would be allowed in: only the namespaces keep it out
    return path, abstract, connection_recorder(servers)


def test_cannot_connect_to_unix_sockets_outside(unix_servers: tuple[str, str, list[bytes]]) -> None:
    path, abstract, received = unix_servers
    for address in (path, abstract):  # they work from outside: the servers are really there
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(address)
            client.sendall(b"control")
    code = (
        "import json, os, socket, sys\n"
        "results = {}\n"
        "for address in [sys.argv[1], '\\0' + sys.argv[2], '/run/docker.sock', '/var/run/docker.sock',\n"
        "                '/run/systemd/private', '/run/dbus/system_bus_socket']:\n"
        "    try:\n"
        "        s = socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(address); s.sendall(b'leak')\n"
        "        results[repr(address)] = 'connected'\n"
        "    except OSError as exc:\n"
        "        results[repr(address)] = type(exc).__name__\n"
        "print(json.dumps({'results': results, 'run': os.path.exists('/run') or os.path.exists('/var/run')}))\n"
    )
    seen = _run_python(code, path, abstract[1:])
    time.sleep(0.5)
    assert "connected" not in seen["results"].values(), seen
    assert not seen["run"]
    assert received.count(b"control") == 2 and b"leak" not in received


# ---------------------------------------------------------------------------------------------- signals


def test_cannot_signal_processes_outside() -> None:
    # Under root the sleeper runs as the sandbox's own uid, so only the PID namespace stands in the way.
    as_sandbox_uid = {"user": SANDBOX_UID, "group": SANDBOX_UID} if os.geteuid() == 0 else {}
    sleeper = subprocess.Popen(["sleep", "120"], cwd="/", **as_sandbox_uid)
    try:
        code = (
            "import json, os, signal, sys\n"
            "target = int(sys.argv[1])\n"
            "results = {}\n"
            "for name, action in (('pid', lambda: os.kill(target, signal.SIGKILL)),\n"
            "                     ('group', lambda: os.killpg(target, signal.SIGKILL)),\n"
            "                     ('parent', lambda: os.kill(os.getppid(), signal.SIGKILL))):\n"
            "    try:\n"
            "        action(); results[name] = 'sent'\n"
            "    except OSError as exc:\n"
            "        results[name] = type(exc).__name__\n"
            "print(json.dumps(results), flush=True)\n"
            "os.kill(-1, signal.SIGKILL)  # everything this process may signal: inside the namespace, itself only\n"
        )
        result = run_sandboxed([sys.executable, "-c", code, str(sleeper.pid)])
        seen = json.loads(result.stdout.strip().splitlines()[0])
        assert seen["pid"] != "sent" and seen["group"] != "sent", seen
        time.sleep(0.3)
        assert sleeper.poll() is None, "the sleeper outside the sandbox was killed"
        assert psutil.Process(os.getpid()).is_running()
    finally:
        sleeper.kill()
        sleeper.wait()


# ---------------------------------------------------------------------------------------------- processes


def test_a_fork_bomb_hits_the_process_limit_and_leaves_nothing_behind() -> None:
    marker = f"tw-forkbomb-{uuid.uuid4().hex}"
    limit = 24
    code = (
        "import os, sys, time\n"
        "root = os.getpid()\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()  # parent and child both go on forking\n"
        "    except OSError as exc:\n"
        "        if os.getpid() == root:\n"
        "            alive = sum(name.isdigit() for name in os.listdir('/proc'))\n"
        "            print('limit', exc.errno, alive, flush=True)\n"
        "        time.sleep(60)  # hold the slot until the timeout\n"
        "        os._exit(0)\n"
    )
    start = time.monotonic()
    result = run_sandboxed([sys.executable, "-c", code, marker], timeout_s=4, max_processes=limit)
    assert result.timed_out
    words = result.stdout.split()
    assert words[:2] == [b"limit", b"11"], (result.stdout, result.stderr[-500:])  # EAGAIN: RLIMIT_NPROC
    # Every process of the bomb plus bwrap's init; fewer if other sandboxes of the same uid run at the same time.
    assert limit // 2 <= int(words[2]) <= limit + 1
    # The host is fine: it still forks, and every process of the bomb is gone once the call returns.
    assert subprocess.run(["true"], check=False).returncode == 0
    assert _sandbox_processes(marker) == []
    assert time.monotonic() - start < 20


@pytest.mark.parametrize("wait_for_timeout", [True, False], ids=["timeout", "exit"])
def test_a_setsid_double_forked_child_does_not_outlive_the_run(wait_for_timeout: bool) -> None:
    marker = f"tw-daemon-{uuid.uuid4().hex}"
    code = (
        "import os, sys, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        signal_safe = __import__('signal')\n"
        "        signal_safe.signal(signal_safe.SIGHUP, signal_safe.SIG_IGN)\n"
        "        signal_safe.signal(signal_safe.SIGTERM, signal_safe.SIG_IGN)\n"
        "        time.sleep(300)\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
        "print('daemon started', flush=True)\n"
        f"time.sleep({60 if wait_for_timeout else 0})\n"
    )
    result = run_sandboxed([sys.executable, "-c", code, marker], timeout_s=2)
    assert b"daemon started" in result.stdout
    assert result.timed_out is wait_for_timeout
    assert _sandbox_processes(marker) == []


# ---------------------------------------------------------------------------------------------- privileges


def test_runs_as_an_unprivileged_user_that_cannot_become_root() -> None:
    code = (
        "import json, os\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status').read().splitlines() if ':' in l)\n"
        "try:\n"
        "    os.setuid(0); became_root = True\n"
        "except PermissionError:\n"
        "    became_root = False\n"
        "print(json.dumps({'uid': os.getuid(), 'euid': os.geteuid(), 'gid': os.getgid(), 'groups': os.getgroups(),\n"
        "                  'cap_eff': status['CapEff'].strip(), 'no_new_privs': status['NoNewPrivs'].strip(),\n"
        "                  'became_root': became_root}))\n"
    )
    seen = _run_python(code)
    assert seen["uid"] == seen["euid"] == SANDBOX_UID and seen["gid"] != 0
    assert 0 not in seen["groups"]
    assert int(seen["cap_eff"], 16) == 0 and seen["no_new_privs"] == "1"
    assert not seen["became_root"]


# ---------------------------------------------------------------------------------------------- network


def test_no_network_not_even_loopback(tcp_server: tuple[int, list[bytes]]) -> None:
    port, received = tcp_server
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"control")
    code = (
        "import json, socket, sys\n"
        "results = {}\n"
        "for host, port in (('127.0.0.1', int(sys.argv[1])), ('1.1.1.1', 53), ('::1', int(sys.argv[1]))):\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=2).sendall(b'leak')\n"
        "        results[host] = 'connected'\n"
        "    except OSError as exc:\n"
        "        results[host] = type(exc).__name__\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 443); results['dns'] = 'resolved'\n"
        "except OSError as exc:\n"
        "    results['dns'] = type(exc).__name__\n"
        "print(json.dumps(results))\n"
    )
    seen = _run_python(code, str(port))
    time.sleep(0.3)
    assert "connected" not in seen.values() and seen["dns"] != "resolved", seen
    assert received == [b"control"]


def test_signals_of_the_sandbox_do_not_reach_the_caller() -> None:
    # The command shares no session or process group with the caller: a group kill from inside stays inside.
    result = run_sandboxed(["sh", "-c", "kill -TERM 0; echo survived"])
    assert result.returncode == -signal.SIGTERM and b"survived" not in result.stdout
    assert psutil.Process(os.getpid()).is_running()
