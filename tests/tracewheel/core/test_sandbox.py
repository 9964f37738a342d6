"""The sandbox: time, memory and size limits, no network, a read-only root, a scrubbed environment, and a clear
refusal when bubblewrap is missing. The escapes an attacker would try are in tests/security/test_sandbox_escapes.py.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import time
from pathlib import Path

import pytest

from tracewheel.core.errors import TracewheelError
from tracewheel.core.sandbox import (
    BWRAP_ENV,
    SandboxUnavailableError,
    isolation_available,
    require_isolation,
    run_sandboxed,
)

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))


def test_a_missing_bwrap_is_a_clear_refusal_not_a_weaker_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = str(tmp_path / "no-such-bwrap")
    with pytest.raises(SandboxUnavailableError, match="bubblewrap") as info:
        run_sandboxed([sys.executable, "-c", "print('ran')"], bwrap=missing)
    assert isinstance(info.value, TracewheelError)  # the CLI turns it into one `error:` line
    assert "apt-get install bubblewrap" in str(info.value)
    monkeypatch.setenv(BWRAP_ENV, missing)
    with pytest.raises(SandboxUnavailableError):
        run_sandboxed([sys.executable, "-c", "print('ran')"])
    assert not any(isolation_available().values())


def test_a_bwrap_that_cannot_isolate_is_refused(tmp_path: Path) -> None:
    # A "bwrap" that runs the command without any namespace: every layer check fails, so nothing runs.
    fake = tmp_path / "bwrap"
    fake.write_text('#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n')
    fake.chmod(0o755)
    marker = tmp_path / "ran"
    with pytest.raises(SandboxUnavailableError, match="lacks .*pid_ns.*net_ns"):
        run_sandboxed(["sh", "-c", f"touch {marker}"], bwrap=str(fake))
    assert not marker.exists()


@needs_bwrap
def test_every_layer_is_present() -> None:
    layers = require_isolation()
    assert layers and all(layers.values()), layers
    result = run_sandboxed([sys.executable, "-c", "print(input().upper())"], stdin=b"ok\n")
    assert result.stdout == b"OK\n" and result.failure is None
    assert result.isolation == layers


@needs_bwrap
def test_timeout_is_enforced() -> None:
    start = time.monotonic()
    result = run_sandboxed([sys.executable, "-c", "import time; time.sleep(60)"], timeout_s=1)
    assert result.timed_out
    assert "timed out" in (result.failure or "")
    assert time.monotonic() - start < 10


@needs_bwrap
def test_memory_limit_is_enforced() -> None:
    code = "buf = bytearray(1 << 30); print('allocated', len(buf))"
    result = run_sandboxed([sys.executable, "-c", code], memory_mb=256)
    assert b"allocated" not in result.stdout
    assert "memory" in (result.failure or "")
    small = run_sandboxed([sys.executable, "-c", "buf = bytearray(16 << 20); print(len(buf))"], memory_mb=256)
    assert small.failure is None and small.stdout.strip() == str(16 << 20).encode()


@needs_bwrap
@pytest.mark.parametrize(
    "interpreter", [[sys.executable], [sys.executable, "-I"]], ids=["python", "python-I"]
)
def test_network_is_blocked(interpreter: list[str], tcp_server: tuple[int, list[bytes]]) -> None:
    port, received = tcp_server
    # The same connection works from outside the sandbox: the server is really there.
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"control")
    code = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "s.sendall(b'leak')\n"
        "print('connected')\n"
    )
    result = run_sandboxed([*interpreter, "-c", code])
    time.sleep(0.3)
    assert b"connected" not in result.stdout
    assert result.failure is not None
    assert b"leak" not in received and received == [b"control"]


@needs_bwrap
def test_writes_outside_tmp_are_blocked(tmp_path: Path) -> None:
    target = tmp_path / "escape.txt"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    code = (
        "import os, sys\n"
        "open('inside.txt', 'w').write('ok')\n"
        "os.mkdir('sub'); open('sub/x', 'w').write('ok')\n"
        "print('inside ok')\n"
        "results = []\n"
        f"for action in (lambda: open({str(target)!r}, 'w').write('x'),\n"
        f"               lambda: os.remove({str(victim)!r}),\n"
        f"               lambda: open({str(victim)!r}, 'a').write('x'),\n"
        "               lambda: open(os.path.join(sys.prefix, 'planted.pth'), 'w').write('x'),\n"
        "               lambda: open('/usr/planted', 'w').write('x'),\n"
        "               lambda: open('/planted', 'w').write('x')):\n"
        "    try:\n"
        "        action(); results.append('escaped')\n"
        "    except OSError:\n"
        "        results.append('blocked')\n"
        "print(results)\n"
    )
    result = run_sandboxed([sys.executable, "-c", code])
    assert result.failure is None, result.stderr
    assert b"inside ok" in result.stdout
    assert b"escaped" not in result.stdout and result.stdout.count(b"blocked") == 6
    assert not target.exists() and not (Path(sys.prefix) / "planted.pth").exists()
    assert victim.read_text() == "keep me"


@needs_bwrap
def test_shell_commands_run_and_cannot_write_outside_either(tmp_path: Path) -> None:
    target = tmp_path / "shell-escape.txt"
    result = run_sandboxed(["sh", "-c", f"echo x > {target}; echo ok > inside; cat inside"])
    assert not target.exists()
    assert b"ok" in result.stdout


@needs_bwrap
def test_a_script_named_on_the_command_line_is_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "check.py"
    script.write_text(
        "import json, sys\n"
        "extra = open(sys.argv[1]).read() if len(sys.argv) > 1 else ''\n"
        "print(json.dumps({'reward': len(sys.stdin.read()) / 10, 'extra': extra}))\n"
    )
    (tmp_path / "rubric.txt").write_text("named, so bound read-only")
    (tmp_path / "neighbour.txt").write_text("not for the sandbox")
    result = run_sandboxed([sys.executable, str(script)], stdin=b"12345")
    assert result.failure is None, result.stderr
    assert json.loads(result.stdout) == {"reward": 0.5, "extra": ""}
    # A relative name works too: it is resolved against the caller's cwd, since the command runs in /tmp.
    monkeypatch.chdir(tmp_path)
    named = run_sandboxed([sys.executable, "check.py", "rubric.txt"], stdin=b"1")
    assert named.failure is None, named.stderr
    assert json.loads(named.stdout)["extra"] == "named, so bound read-only"
    other = run_sandboxed([sys.executable, "-c", f"print(open({str(tmp_path / 'neighbour.txt')!r}).read())"])
    assert other.failure is not None and b"not for the sandbox" not in other.stdout
    before = script.read_text()
    tamper = run_sandboxed(
        [sys.executable, "-c", "import sys; open(sys.argv[1], 'a').write('x')", str(script)]
    )
    assert tamper.failure is not None and script.read_text() == before


@needs_bwrap
def test_file_size_limit() -> None:
    code = "open('big', 'wb').write(b'x' * (8 << 20)); print('wrote')"
    result = run_sandboxed([sys.executable, "-c", code], file_size_mb=1)
    assert b"wrote" not in result.stdout and result.failure is not None
    spread = "for i in range(8):\n    open(f'part{i}', 'wb').write(b'x' * (900 << 10))\nprint('wrote')"
    result = run_sandboxed([sys.executable, "-c", spread], file_size_mb=1)
    assert b"wrote" not in result.stdout and result.failure is not None  # the /tmp tmpfs is capped in total


@needs_bwrap
def test_environment_is_scrubbed_and_tmp_is_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    code = (
        "import os, json\n"
        "before = os.listdir('/tmp')\n"
        "open('left-behind', 'w').write('x')\n"
        "print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(), 'tmp': before}))\n"
    )
    first = json.loads(run_sandboxed([sys.executable, "-c", code]).stdout)
    second = json.loads(run_sandboxed([sys.executable, "-c", code]).stdout)
    env = first["env"]
    assert "OPENAI_API_KEY" not in env and "HTTPS_PROXY" not in env and "TRACEWHEEL_HOME" not in env
    assert b"sk-secret-value" not in json.dumps(first).encode()
    assert env["HOME"] == first["cwd"] == "/tmp"
    # Nothing carries over from one run to the next; only the mount points of a Python prefix under /tmp (a venv
    # in a checkout there, as on CI) may show.
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix)}
    mount_points = {p.relative_to("/tmp").parts[0] for p in prefixes if p.is_relative_to("/tmp")}
    assert set(first["tmp"]) <= mount_points and set(second["tmp"]) <= mount_points


@needs_bwrap
def test_exit_codes_and_signals_are_reported() -> None:
    assert run_sandboxed(["sh", "-c", "exit 3"]).returncode == 3
    killed = run_sandboxed(["sh", "-c", "kill -SEGV $$"])
    assert killed.returncode == -11 and killed.failure == "was killed by SIGSEGV"
    spin = run_sandboxed([sys.executable, "-c", "while True: pass"], timeout_s=1.5)
    assert spin.failure is not None


@needs_bwrap
def test_missing_command_is_a_failure_not_an_exception() -> None:
    result = run_sandboxed(["definitely-not-a-command-tw"])
    assert result.returncode == 127 and "cannot run" in (result.failure or "")
