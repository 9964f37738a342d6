"""Run an untrusted command (a custom verifier) in a sandboxed subprocess.

Layers, outermost first; each one that the kernel offers is used, and the Python guard is always added:

- limits (``resource.setrlimit``): CPU seconds, address space (memory), size of any file written (RLIMIT_FSIZE),
  open files, no core dumps; plus a wall-clock timeout after which the whole process group is killed;
- no network: a fresh, empty network namespace (``unshare(CLONE_NEWNET)``, or with ``CLONE_NEWUSER`` when not
  root) in which not even loopback is up;
- no write outside a temp dir: a Landlock ruleset (Linux >= 5.13) that allows creating, writing, truncating and
  removing files only beneath the sandbox's temp dir (and writing ``/dev/null``); the command runs with that dir
  as cwd, HOME and TMPDIR;
- a scrubbed environment (no credentials, tokens or proxies leak through), stdin/stdout/stderr through files whose
  size the FSIZE limit bounds;
- for Python commands, a ``sitecustomize`` audit hook (``sys.addaudithook``) that refuses socket creation, opening
  files for writing outside the temp dir, file-system changes outside it, starting processes and loading native
  code with ctypes. It is the fallback when the kernel layers are missing; on its own it is not a security boundary
  (``python -I`` skips it), which is why the kernel layers come first.

The limits are applied by a tiny launcher (this file run as a script, ``python -I -S sandbox.py``) rather than in a
``preexec_fn``: the trainer process runs torch threads, and code between fork and exec in a threaded process can
deadlock. The launcher is a fresh single-threaded process that sets everything up and then ``exec``\\ s the command.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MAX_OUTPUT_BYTES = 1 << 20
"""stdout and stderr are read back up to this many bytes."""

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_SYS_LANDLOCK_CREATE_RULESET = (
    444  # the same number on every architecture (syscalls added after 5.x are unified)
)
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_PR_SET_NO_NEW_PRIVS = 38


@dataclass
class SandboxResult:
    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    failure: str | None = None
    """Why the run did not succeed (timeout, memory, crash, non-zero exit), or None when it exited 0."""
    isolation: dict[str, bool] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------------
# Parent side


def run_sandboxed(
    argv: list[str],
    stdin: bytes = b"",
    timeout_s: float = 5.0,
    memory_mb: int = 512,
    file_size_mb: int = 16,
) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``stdin``; never raises for what the command does.

    >>> run_sandboxed([sys.executable, "-c", "print(input().upper())"], stdin=b"ok\\n").stdout
    b'OK\\n'
    """
    if not argv:
        raise ValueError("`argv` must name a command")
    if timeout_s <= 0:
        raise ValueError(f"`timeout_s` must be > 0, got {timeout_s}")
    workdir = Path(tempfile.mkdtemp(prefix="tracewheel-sandbox-")).resolve()
    private = Path(tempfile.mkdtemp(prefix="tracewheel-sandbox-io-")).resolve()
    try:
        guard = private / "guard"
        guard.mkdir()
        (guard / "sitecustomize.py").write_text(_GUARD_SOURCE)
        (private / "stdin").write_bytes(stdin)
        config = {
            "workdir": str(workdir),
            "cpu_s": math.ceil(timeout_s) + 1,
            "memory_bytes": memory_mb << 20,
            "file_size_bytes": file_size_mb << 20,
        }
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(workdir),
            "TMPDIR": str(workdir),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(guard),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "TRACEWHEEL_SANDBOX_DIR": str(workdir),
        }
        launcher = [
            sys.executable,
            "-I",
            "-S",
            str(Path(__file__).resolve()),
            json.dumps(config),
            "--",
            *argv,
        ]
        with (
            open(private / "stdin", "rb") as fin,
            open(private / "stdout", "wb") as fout,
            open(private / "stderr", "wb") as ferr,
        ):
            proc = subprocess.Popen(
                launcher, stdin=fin, stdout=fout, stderr=ferr, cwd=workdir, env=env, start_new_session=True
            )
            timed_out = False
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                # Kill the whole group: the command may have left children behind.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
        stdout = _read_capped(private / "stdout")
        stderr = _read_capped(private / "stderr")
        result = SandboxResult(
            proc.returncode, stdout, stderr, timed_out=timed_out, isolation=isolation_available()
        )
        result.failure = _failure(result, timeout_s, memory_mb)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(MAX_OUTPUT_BYTES)


def _failure(result: SandboxResult, timeout_s: float, memory_mb: int) -> str | None:
    if result.timed_out:
        return f"timed out after {timeout_s:g}s"
    rc = result.returncode
    last = next(
        (line for line in reversed(result.stderr.decode("utf-8", "replace").splitlines()) if line.strip()), ""
    )
    if rc == 0:
        return None
    if "MemoryError" in last or "Cannot allocate memory" in last or "std::bad_alloc" in last:
        return f"exceeded its memory limit of {memory_mb} MiB"
    if rc is not None and rc < 0:
        name = signal.Signals(-rc).name if -rc in signal.Signals._value2member_map_ else str(-rc)
        if name == "SIGXCPU":
            return "exceeded its CPU time limit"
        if name == "SIGXFSZ":
            return "exceeded its file size limit"
        return f"was killed by {name}"
    return f"exited with code {rc}: {last[:300]}" if last else f"exited with code {rc}"


@lru_cache(maxsize=1)
def isolation_available() -> dict[str, bool]:
    """Which kernel layers this machine grants the sandbox: ``{"netns": bool, "landlock": bool}``."""
    workdir = tempfile.mkdtemp(prefix="tracewheel-sandbox-check-")
    try:
        out = subprocess.run(
            [sys.executable, "-I", "-S", str(Path(__file__).resolve()), "--check", workdir],
            capture_output=True,
            timeout=30,
            check=False,
        )
        return json.loads(out.stdout or b"{}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------------------
# Child side: the launcher (stdlib only, runs with -I -S)


def _set_limits(config: dict) -> None:
    cpu = int(config["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (config["memory_bytes"], config["memory_bytes"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config["file_size_bytes"], config["file_size_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def _unshare_network() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


def _landlock(workdir: str) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return False
    write_file, truncate = 1 << 1, (1 << 14 if abi >= 3 else 0)
    # WRITE_FILE, REMOVE_DIR, REMOVE_FILE, MAKE_{CHAR,DIR,REG,SOCK,FIFO,BLOCK,SYM}, REFER (abi 2), TRUNCATE (abi 3).
    handled = write_file | sum(1 << bit for bit in range(4, 13)) | (1 << 13 if abi >= 2 else 0) | truncate

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("handled_access_fs", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled)
    ruleset = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), 0
    )
    if ruleset < 0:
        return False
    try:
        for path, allowed in ((workdir, handled), ("/dev/null", write_file | truncate)):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = PathBeneath(allowed, fd)
                if libc.syscall(_SYS_LANDLOCK_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0) != 0:
                    return False
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)


def _launch(args: list[str]) -> None:
    if args[:1] == ["--check"]:
        sys.stdout.write(json.dumps({"netns": _unshare_network(), "landlock": _landlock(args[1])}))
        return
    config = json.loads(args[0])
    argv = args[2:]
    _set_limits(config)
    netns = _unshare_network()
    landlock = _landlock(config["workdir"])
    isolation = ",".join(n for n, ok in (("netns", netns), ("landlock", landlock)) if ok)
    try:
        os.execvpe(argv[0], argv, {**os.environ, "TRACEWHEEL_SANDBOX_ISOLATION": isolation})
    except OSError as exc:
        sys.stderr.write(f"sandbox: cannot run {argv[0]!r}: {exc}\n")
        sys.exit(127)


# The audit-hook guard every Python child loads (PYTHONPATH points at it). Kept as text: it must not import
# anything of ours, and the child may run a different Python.
_GUARD_SOURCE = r"""
import os, sys

_ROOT = os.path.realpath(os.environ.get("TRACEWHEEL_SANDBOX_DIR") or "/nonexistent")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_NETWORK = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
            "socket.sendto", "socket.sendmsg"}
_PROCESSES = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
              "pty.spawn", "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function"}
_PATH_CHANGES = {"os.remove": 1, "os.rmdir": 1, "os.mkdir": 1, "os.rename": 2, "os.symlink": 2, "os.link": 2,
                 "os.chmod": 1, "os.chown": 1, "os.truncate": 1, "os.utime": 1, "shutil.rmtree": 1,
                 "shutil.move": 2, "shutil.copyfile": 2, "os.chflags": 1, "os.mkfifo": 1, "os.mknod": 1}


def _inside(path):
    if isinstance(path, int):
        return True  # an already-open descriptor: its opening was checked
    try:
        real = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return real == _ROOT or real.startswith(_ROOT + os.sep) or real == "/dev/null"


def _guard(event, args):
    if event == "open":
        path, mode, flags = args
        if path is None:
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
        if writing and not _inside(path):
            raise PermissionError(f"sandbox: writing {path!r} outside the sandbox dir is blocked")
    elif event in _NETWORK:
        raise PermissionError("sandbox: network access is blocked")
    elif event in _PROCESSES:
        raise PermissionError(f"sandbox: {event} is blocked")
    elif event in _PATH_CHANGES:
        for path in args[: _PATH_CHANGES[event]]:
            if not _inside(path):
                raise PermissionError(f"sandbox: {event} on {path!r} outside the sandbox dir is blocked")


sys.addaudithook(_guard)
"""


if __name__ == "__main__":
    _launch(sys.argv[1:])
