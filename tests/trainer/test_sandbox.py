"""The sandbox: time and memory limits, no network, no writes outside its temp dir, a scrubbed environment.

Each containment is proven twice where the machine allows it: through the Python audit-hook guard (any Python
child) and with the guard skipped (``python -I``), which leaves only the kernel layers (network namespace,
Landlock) to stop the command.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from tracewheel.core.sandbox import isolation_available, run_sandboxed


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))


def _python_variants(layer: str) -> list[list[str]]:
    """The guarded interpreter, plus the unguarded one when the kernel layer is there to stop it."""
    variants = [[sys.executable]]
    if isolation_available().get(layer):
        variants.append([sys.executable, "-I"])
    return variants


def test_timeout_is_enforced_and_the_process_group_killed() -> None:
    start = time.monotonic()
    result = run_sandboxed([sys.executable, "-c", "import time; time.sleep(60)"], timeout_s=1)
    assert result.timed_out
    assert "timed out" in (result.failure or "")
    assert time.monotonic() - start < 10


def test_memory_limit_is_enforced() -> None:
    code = "buf = bytearray(1 << 30); print('allocated', len(buf))"
    result = run_sandboxed([sys.executable, "-c", code], memory_mb=256)
    assert b"allocated" not in result.stdout
    assert "memory" in (result.failure or "")
    small = run_sandboxed([sys.executable, "-c", "buf = bytearray(16 << 20); print(len(buf))"], memory_mb=256)
    assert small.failure is None and small.stdout.strip() == str(16 << 20).encode()


@pytest.fixture
def listening_server() -> tuple[int, list[bytes]]:
    """A TCP server on an ephemeral loopback port that records whatever reaches it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                received.append(conn.recv(100) or b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("variant", range(2))
def test_network_is_blocked(variant: int, listening_server: tuple[int, list[bytes]]) -> None:
    variants = _python_variants("netns")
    if variant >= len(variants):
        pytest.skip("no network namespace on this machine; the audit-hook guard alone is tested")
    port, received = listening_server
    # The same connection works from outside the sandbox: the server is really there.
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        conn.sendall(b"control")
    code = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
        "s.sendall(b'leak')\n"
        "print('connected')\n"
    )
    result = run_sandboxed([*variants[variant], "-c", code])
    time.sleep(0.3)
    assert b"connected" not in result.stdout
    assert result.failure is not None
    assert b"leak" not in received and received == [b"control"]


@pytest.mark.parametrize("variant", range(2))
def test_writes_outside_the_temp_dir_are_blocked(variant: int, tmp_path: Path) -> None:
    variants = _python_variants("landlock")
    if variant >= len(variants):
        pytest.skip("no Landlock on this machine; the audit-hook guard alone is tested")
    target = tmp_path / "escape.txt"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    code = (
        "import os\n"
        "open('inside.txt', 'w').write('ok')\n"
        "os.mkdir('sub'); open('sub/x', 'w').write('ok')\n"
        "print('inside ok')\n"
        "results = []\n"
        f"for action in (lambda: open({str(target)!r}, 'w').write('x'),\n"
        f"               lambda: os.remove({str(victim)!r}),\n"
        f"               lambda: open({str(victim)!r}, 'a').write('x'),\n"
        f"               lambda: os.rename('inside.txt', {str(target)!r})):\n"
        "    try:\n"
        "        action(); results.append('escaped')\n"
        "    except OSError:\n"
        "        results.append('blocked')\n"
        "print(results)\n"
    )
    result = run_sandboxed([*variants[variant], "-c", code])
    assert result.failure is None, result.stderr
    assert b"inside ok" in result.stdout
    assert b"escaped" not in result.stdout and result.stdout.count(b"blocked") == 4
    assert not target.exists()
    assert victim.read_text() == "keep me"


def test_shell_commands_cannot_write_outside_either(tmp_path: Path) -> None:
    if not isolation_available().get("landlock"):
        pytest.skip("a non-Python command is only contained by Landlock")
    target = tmp_path / "shell-escape.txt"
    result = run_sandboxed(["sh", "-c", f"echo x > {target}; echo ok > inside; cat inside"])
    assert not target.exists()
    assert b"ok" in result.stdout


def test_file_size_limit_and_output_files(tmp_path: Path) -> None:
    code = "open('big', 'wb').write(b'x' * (8 << 20)); print('wrote')"
    result = run_sandboxed([sys.executable, "-c", code], file_size_mb=1)
    assert b"wrote" not in result.stdout and result.failure is not None


def test_environment_is_scrubbed_and_cwd_is_a_fresh_temp_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    code = "import os, json; print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd()}))"
    result = run_sandboxed([sys.executable, "-c", code])
    import json

    out = json.loads(result.stdout)
    assert "OPENAI_API_KEY" not in out["env"] and "HTTPS_PROXY" not in out["env"]
    assert b"sk-secret-value" not in result.stdout
    assert out["env"]["HOME"] == out["cwd"]
    assert not Path(out["cwd"]).exists()  # removed after the run


def test_missing_command_is_a_failure_not_an_exception() -> None:
    result = run_sandboxed(["definitely-not-a-command-tw"])
    assert result.returncode == 127 and "cannot run" in (result.failure or "")
