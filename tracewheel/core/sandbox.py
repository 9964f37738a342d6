"""Run an untrusted command (a custom verifier) inside a bubblewrap (``bwrap``) sandbox.

What the command gets, and what it does not:

- an unprivileged user: uid/gid 65534 with no capabilities and ``no_new_privs`` (so a setuid binary gives nothing
  back). Run by a normal user, bwrap maps that uid in a fresh user namespace (which also cannot be nested further).
  Run by root, a user namespace would leave the command as host uid 0 and the kernel exempts uid 0 from
  RLIMIT_NPROC, so bwrap runs privileged (no user namespace) and the launcher drops to host uid 65534 itself;
- its own PID namespace (it can neither see nor signal any process outside; when bwrap's PID 1 dies the kernel
  kills everything left inside, ``setsid`` and double-forked children included), network namespace (not even
  loopback is up), mount, IPC and UTS namespaces;
- a minimal, read-only root: ``/usr`` (and the ``/bin``, ``/lib*`` links), the Python prefixes (``sys.prefix``,
  ``sys.base_prefix``), the files the command line names, a few harmless ``/etc`` files and a synthetic
  ``/etc/passwd``. No ``/home``, ``/root``, ``/etc/shadow``, ``/run`` (no Unix sockets), no ``TRACEWHEEL_HOME``;
- a private ``/tmp`` (a size-capped tmpfs, also its cwd and ``HOME``), a fresh ``/proc`` and a minimal ``/dev``;
- limits: CPU seconds, address space, file size, open files, no core dumps and a process count (RLIMIT_NPROC),
  plus a wall-clock timeout after which bwrap's PID 1 is killed and the whole tree is waited for;
- an environment built from nothing (``--clearenv``): no credentials, tokens or proxies leak through.

When any of these layers is missing (no bwrap, user namespaces disabled, ...) nothing runs:
:class:`SandboxUnavailableError` says why. There is no weaker fallback.

The limits are set by a tiny launcher that runs inside the sandbox (``python -I -S -c``) and then ``exec``\\ s the
command: RLIMIT_NPROC only counts per sandbox when set inside its user namespace, and the trainer process runs
torch threads, where code between fork and exec (a ``preexec_fn``) can deadlock.
"""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracewheel.core.errors import TracewheelError

MAX_OUTPUT_BYTES = 1 << 20
"""stdout and stderr are read back up to this many bytes."""

SANDBOX_UID = 65534
SANDBOX_GID = 65534
"""The sandbox runs as ``nobody:nogroup``."""

DEFAULT_MAX_PROCESSES = 64
"""RLIMIT_NPROC inside the sandbox: processes and threads together."""

BWRAP_ENV = "TRACEWHEEL_SANDBOX_BWRAP"
"""Names the bwrap binary when it is not ``bwrap`` on PATH."""

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`)"

_TEARDOWN_S = 10.0
"""How long to wait for the kernel to empty the sandbox's PID namespace once its PID 1 is killed."""

_PATH = "/usr/local/bin:/usr/bin:/bin"
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
)
_NEVER_BOUND = ("/etc", "/proc", "/sys", "/dev", "/run", "/var/run", "/boot")
"""A file the command line names is bound in, unless it lies here."""
_ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


class SandboxUnavailableError(TracewheelError):
    """The machine cannot give the sandbox every isolation layer, so custom verifiers are refused."""


@dataclass
class SandboxResult:
    returncode: int | None
    """The command's exit code, or minus the signal number that killed it (as :mod:`subprocess` reports)."""
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    failure: str | None = None
    """Why the run did not succeed (timeout, memory, crash, non-zero exit), or None when it exited 0."""
    isolation: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class _Limits:
    timeout_s: float
    memory_mb: int
    file_size_mb: int
    max_processes: int

    def rlimits(self) -> dict[str, list[int]]:
        cpu = math.ceil(self.timeout_s) + 1
        size = self.file_size_mb << 20
        return {
            # soft < hard: SIGXCPU first, so the failure can say "CPU time limit".
            "RLIMIT_CPU": [cpu, cpu + 1],
            "RLIMIT_AS": [self.memory_mb << 20] * 2,
            "RLIMIT_FSIZE": [size, size],
            "RLIMIT_CORE": [0, 0],
            "RLIMIT_NOFILE": [256, 256],
            "RLIMIT_NPROC": [self.max_processes] * 2,
        }


# --------------------------------------------------------------------------------------------------------------
# Public entry points


def run_sandboxed(
    argv: list[str],
    stdin: bytes = b"",
    timeout_s: float = 5.0,
    memory_mb: int = 512,
    file_size_mb: int = 16,
    max_processes: int = DEFAULT_MAX_PROCESSES,
    bwrap: str | None = None,
) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``stdin``; never raises for what the command does.

    ``file_size_mb`` caps both any one file and everything written under ``/tmp`` together. ``bwrap`` names the
    bubblewrap binary (default: ``$TRACEWHEEL_SANDBOX_BWRAP``, else ``bwrap`` on PATH).

    Raises :class:`SandboxUnavailableError` when the sandbox cannot be set up in full on this machine.

    >>> run_sandboxed([sys.executable, "-c", "print(input().upper())"], stdin=b"ok\\n").stdout
    b'OK\\n'
    """
    if not argv:
        raise ValueError("`argv` must name a command")
    if timeout_s <= 0:
        raise ValueError(f"`timeout_s` must be > 0, got {timeout_s}")
    if memory_mb < 16 or file_size_mb < 1 or max_processes < 1:
        raise ValueError(
            f"sandbox limits too small: memory_mb={memory_mb}, file_size_mb={file_size_mb}, "
            f"max_processes={max_processes}"
        )
    binary = bwrap_path(bwrap)
    layers = require_isolation(binary)
    limits = _Limits(timeout_s, memory_mb, file_size_mb, max_processes)
    result = _run(binary, argv, stdin, limits)
    result.isolation = layers
    result.failure = _failure(result, timeout_s, memory_mb)
    return result


def bwrap_path(bwrap: str | None = None) -> str:
    """The bubblewrap binary to use, or :class:`SandboxUnavailableError` when there is none."""
    name = bwrap or os.environ.get(BWRAP_ENV) or "bwrap"
    found = shutil.which(name)
    if found is None:
        raise SandboxUnavailableError(
            f"custom verifiers run only inside a bubblewrap sandbox and {name!r} was not found; {INSTALL_HINT}"
        )
    return str(Path(found).resolve())


def isolation_available(bwrap: str | None = None) -> dict[str, bool]:
    """Which isolation layers this machine grants the sandbox (all False when bwrap is missing or fails)."""
    try:
        return _probe(bwrap_path(bwrap), os.geteuid())[0]
    except SandboxUnavailableError:
        return dict.fromkeys(_LAYERS, False)


def require_isolation(bwrap: str | None = None) -> dict[str, bool]:
    """Every isolation layer, checked once per process by running a probe in the sandbox; raises
    :class:`SandboxUnavailableError` naming what is missing."""
    binary = bwrap_path(bwrap)
    layers, detail = _probe(binary, os.geteuid())
    missing = [name for name, ok in layers.items() if not ok]
    if missing:
        raise SandboxUnavailableError(
            f"refusing to run custom verifiers: the sandbox lacks {', '.join(missing)} on this machine "
            f"({detail or 'no detail'}). It needs bubblewrap ({binary}) with user, PID, mount and network "
            "namespaces (unprivileged user namespaces enabled, e.g. sysctl kernel.unprivileged_userns_clone=1 "
            "and, on Ubuntu, kernel.apparmor_restrict_unprivileged_userns=0), or root with CAP_SYS_ADMIN"
        )
    return layers


# --------------------------------------------------------------------------------------------------------------
# The probe: what the kernel really gave a command inside


_LAYERS = ("bwrap", "user", "no_new_privs", "pid_ns", "mount_ns", "net_ns", "nproc_limit", "tree_kill")

# Reports, from inside, what the checks in _judge need; stdlib only, runs as the sandboxed command.
_PROBE_SOURCE = r"""
import json, os, resource
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
with open("/proc/net/dev") as fh:
    interfaces = [line.split(":")[0].strip() for line in fh.read().splitlines()[2:]]
print(json.dumps({
    "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
    "cap_eff": int(status["CapEff"].strip(), 16), "cap_prm": int(status["CapPrm"].strip(), 16),
    "no_new_privs": status.get("NoNewPrivs", "0").strip() == "1",
    "ns": {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in ("pid", "mnt", "net")},
    "interfaces": interfaces,
    "nproc": list(resource.getrlimit(resource.RLIMIT_NPROC)),
    "shadow_visible": os.path.exists("/etc/shadow"),
}))
"""


@lru_cache(maxsize=8)
def _probe(binary: str, euid: int) -> tuple[dict[str, bool], str]:
    """Run the probe once per bwrap binary and user; ``euid`` is part of the key because the mode depends on it."""
    limits = _Limits(timeout_s=30.0, memory_mb=256, file_size_mb=1, max_processes=DEFAULT_MAX_PROCESSES)
    try:
        result = _run(binary, [sys.executable, "-I", "-S", "-c", _PROBE_SOURCE], b"", limits)
    except OSError as exc:
        return dict.fromkeys(_LAYERS, False), f"bwrap could not start: {exc}"
    try:
        seen = json.loads(result.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        return _judge(seen, DEFAULT_MAX_PROCESSES), ""
    except (ValueError, IndexError, KeyError, TypeError):
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return dict.fromkeys(_LAYERS, False), (detail[-1] if detail else f"probe exited {result.returncode}")


def _judge(seen: dict, max_processes: int) -> dict[str, bool]:
    host_ns = {kind: os.readlink(f"/proc/self/ns/{kind}") for kind in ("pid", "mnt", "net")}
    unprivileged = (
        seen["uid"] == seen["euid"] == SANDBOX_UID
        and seen["gid"] == SANDBOX_GID
        and seen["cap_eff"] == 0
        and seen["cap_prm"] == 0
    )
    return {
        "bwrap": True,
        "user": unprivileged,
        "no_new_privs": bool(seen["no_new_privs"]),
        "pid_ns": seen["ns"]["pid"] != host_ns["pid"],
        "mount_ns": seen["ns"]["mnt"] != host_ns["mnt"] and not seen["shadow_visible"],
        "net_ns": seen["ns"]["net"] != host_ns["net"] and set(seen["interfaces"]) <= {"lo"},
        # uid 0 would ignore RLIMIT_NPROC; `unprivileged` rules that out.
        "nproc_limit": unprivileged and seen["nproc"] == [max_processes, max_processes],
        "tree_kill": _pidfd_works(),
    }


def _pidfd_works() -> bool:
    """Killing and awaiting the sandbox's PID 1 (not our child) needs pidfds: Linux >= 5.3, Python >= 3.9."""
    if not (hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------------------------------------------
# One run


def _run(binary: str, argv: list[str], stdin: bytes, limits: _Limits) -> SandboxResult:
    with _private_dir() as private:
        (private / "stdin").write_bytes(stdin)
        etc = _synthetic_etc(private)
        argv, named_files = _resolve_named_files(argv)

        def command(info_fd: int) -> list[str]:
            return [
                *_bwrap_options(binary, limits, etc, named_files, info_fd),
                "--",
                *_launcher(limits),
                *argv,
            ]

        with (
            open(private / "stdin", "rb") as fin,
            open(private / "stdout", "wb") as fout,
            open(private / "stderr", "wb") as ferr,
        ):
            timed_out, returncode = _supervise(command, fin, fout, ferr, limits)
        return SandboxResult(
            _normalise_returncode(returncode),
            _read_capped(private / "stdout"),
            _read_capped(private / "stderr"),
            timed_out=timed_out,
        )


@contextmanager
def _private_dir() -> Iterator[Path]:
    """Host-side files of one run (stdio, synthetic /etc); the command never sees this directory itself."""
    path = Path(tempfile.mkdtemp(prefix="tracewheel-sandbox-")).resolve()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _supervise(command: Callable[[int], list[str]], fin, fout, ferr, limits: _Limits) -> tuple[bool, int]:
    """Start bwrap (``command(info_fd)``), wait up to the timeout, then make sure nothing of the sandbox is left."""
    deadline = time.monotonic() + limits.timeout_s
    info_read, info_write = os.pipe()
    try:
        try:
            # bwrap gets no environment at all: its PID 1 inside the sandbox keeps its exec-time environment block
            # in /proc/1/environ whatever --clearenv does later, so the parent's secrets must never reach it.
            proc = subprocess.Popen(
                command(info_write),
                stdin=fin,
                stdout=fout,
                stderr=ferr,
                pass_fds=(info_write,),
                start_new_session=True,
                env={},
            )
        finally:
            os.close(
                info_write
            )  # bwrap holds its own copy; EOF on info_read then means bwrap is done with it
        pidfd = None
        timed_out = False
        try:
            child_pid = _read_child_pid(info_read, deadline)
            if child_pid is not None:
                with suppress(OSError):
                    pidfd = os.pidfd_open(child_pid)
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                timed_out = True
        finally:
            # Kill bwrap's PID 1 (the kernel then kills everything in its PID namespace) and bwrap itself, then
            # wait until the namespace is empty: nothing the command started may outlive the call.
            if pidfd is not None:
                with suppress(OSError):
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if pidfd is not None:
                _wait_readable(pidfd, _TEARDOWN_S)  # a pidfd turns readable once its process has exited
                os.close(pidfd)
        return timed_out, proc.returncode
    finally:
        os.close(info_read)


def _wait_readable(fd: int, timeout_s: float) -> bool:
    poller = select.poll()  # not select.select: a busy trainer process may hold fds above FD_SETSIZE
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(timeout_s, 0.0) * 1000))


def _read_child_pid(fd: int, deadline: float) -> int | None:
    """bwrap's ``--info-fd`` JSON names the host pid of the sandbox's PID 1; it closes the fd once written."""
    data = b""
    while True:
        if not _wait_readable(fd, deadline - time.monotonic()):
            return None
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    try:
        return int(json.loads(data)["child-pid"])
    except (ValueError, KeyError, TypeError):
        return None  # bwrap failed before starting the sandbox: its stderr says why


def _bwrap_options(
    binary: str, limits: _Limits, etc: dict[str, Path], named_files: list[tuple[Path, Path]], info_fd: int
) -> list[str]:
    opts = [binary, "--die-with-parent", "--new-session", "--clearenv", "--info-fd", str(info_fd)]
    opts += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        # Privileged bwrap: no user namespace, so the launcher's setuid lands on a real unprivileged host uid.
        opts += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        opts += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID), "--disable-userns"]
    opts += ["--hostname", "sandbox", "--ro-bind", "/usr", "/usr"]
    for link in _ROOT_LINKS:
        if os.path.islink(link):
            opts += ["--symlink", os.readlink(link), link]
        elif os.path.isdir(link):
            opts += ["--ro-bind", link, link]
    for path in _ETC_FILES:
        opts += ["--ro-bind-try", path, path]
    for dest, src in etc.items():
        opts += ["--ro-bind", str(src), dest]
    # The private /tmp first: a Python prefix may live under /tmp (a venv in a checkout there) and is bound on top.
    opts += ["--perms", "1777", "--size", str(limits.file_size_mb << 20), "--tmpfs", "/tmp"]
    bound = _python_prefixes()
    for prefix in bound:
        opts += [*_parent_dirs(prefix), "--ro-bind", str(prefix), str(prefix)]
    for hidden in _state_dirs():
        if hidden.is_dir() and any(hidden.is_relative_to(prefix) for prefix in bound):
            opts += ["--tmpfs", str(hidden)]
    opts += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    for source, dest in named_files:
        opts += [*_parent_dirs(dest), "--ro-bind", str(source), str(dest)]
    # bwrap builds the root on a tmpfs; nothing but /tmp stays writable.
    opts += ["--remount-ro", "/"]
    opts += ["--chdir", "/tmp"]
    for key, value in _environment().items():
        opts += ["--setenv", key, value]
    return opts


def _parent_dirs(path: Path) -> list[str]:
    """World-readable mount points for ``path``'s parents (bwrap would make them 0700, shutting the sandbox's
    uid out under privileged bwrap). Parents already in the tree are skipped: ``--dir`` on an existing path of a
    read-only mount fails."""
    opts: list[str] = []
    for parent in reversed(path.parents):
        if parent in (Path("/"), Path("/tmp")) or parent.is_relative_to("/usr"):
            continue
        opts += ["--perms", "0755", "--dir", str(parent)]
    return opts


def _python_prefixes() -> list[Path]:
    """The interpreter's install trees (venv and base), outside ``/usr`` which is bound anyway."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    resolved = sorted({Path(p).resolve() for p in paths if p})
    outside = [p for p in resolved if not p.is_relative_to("/usr") and p != Path("/")]
    return [p for p in outside if not any(p != q and p.is_relative_to(q) for q in outside)]


def _state_dirs() -> list[Path]:
    """Tracewheel's state (every tenant's data) must stay out even if it lives under a bound prefix."""
    home = Path(os.environ.get("TRACEWHEEL_HOME") or "~/.tracewheel").expanduser()
    return [home.resolve()]


def _resolve_named_files(argv: list[str]) -> tuple[list[str], list[tuple[Path, Path]]]:
    """Regular files the command line names (a verifier's script) and that the read-only root does not already
    show are bound read-only at their absolute path: ``(source, destination)`` pairs. A relative name is rewritten
    to that path since the command runs in ``/tmp``. Directories, tracewheel's state and system paths
    (``_NEVER_BOUND``) are never bound."""
    visible = [Path("/usr"), *_python_prefixes()]
    never = [*map(Path, _NEVER_BOUND), *_state_dirs()]
    out: list[str] = []
    binds: list[tuple[Path, Path]] = []
    for position, arg in enumerate(argv):
        if position == 0 and "/" not in arg:
            out.append(arg)  # looked up on the sandbox's PATH
            continue
        try:
            is_file = Path(arg).is_file()
        except (OSError, ValueError):  # code passed with -c: too long or not a path at all
            is_file = False
        if not is_file:
            out.append(arg)
            continue
        absolute = Path(os.path.abspath(arg))
        real = absolute.resolve()
        if any(p.is_relative_to(root) for p in (absolute, real) for root in never):
            out.append(arg)  # tenant data and system secrets stay out even when named
            continue
        # The name itself is kept for what is already visible: a venv's python finds its venv through it.
        if not any(p.is_relative_to(root) for p in (absolute, real) for root in visible):
            binds.append((real, absolute))
        out.append(str(absolute))
    return out, binds


def _synthetic_etc(private: Path) -> dict[str, Path]:
    """A passwd and group naming only the sandbox user, so tools that look the user up work."""
    files = {
        "/etc/passwd": f"nobody:x:{SANDBOX_UID}:{SANDBOX_GID}:sandbox:/tmp:/usr/sbin/nologin\n",
        "/etc/group": f"nogroup:x:{SANDBOX_GID}:\n",
    }
    out = {}
    for dest, text in files.items():
        path = private / Path(dest).name
        path.write_text(text)
        path.chmod(0o644)  # the sandbox user must read it; the directory around it is not visible inside
        out[dest] = path
    return out


def _environment() -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.prefix) / 'bin'}:{_PATH}",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "USER": "nobody",
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "TRACEWHEEL_SANDBOX_DIR": "/tmp",
    }


def _launcher(limits: _Limits) -> list[str]:
    config = {"rlimits": limits.rlimits(), "uid": SANDBOX_UID, "gid": SANDBOX_GID}
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER_SOURCE, json.dumps(config)]


# Runs inside the sandbox before the command: stdlib only, as PID 2 of the new PID namespace. Under privileged bwrap
# it starts as uid 0 holding only CAP_SETUID/CAP_SETGID and gives them up for good with setuid.
_LAUNCHER_SOURCE = r"""
import json, os, resource, sys
config = json.loads(sys.argv[1])
argv = sys.argv[2:]
for name, (soft, hard) in config["rlimits"].items():
    resource.setrlimit(getattr(resource, name), (soft, hard))
if os.getuid() == 0 or os.geteuid() == 0:
    os.setgroups([])
    os.setgid(config["gid"])
    os.setuid(config["uid"])
if 0 in (os.getuid(), os.geteuid(), os.getgid(), os.getegid()):
    sys.stderr.write("sandbox: could not drop root\n")
    sys.exit(126)
try:
    os.execvp(argv[0], argv)
except OSError as exc:
    sys.stderr.write(f"sandbox: cannot run {argv[0]!r}: {exc}\n")
    sys.exit(127)
"""


# --------------------------------------------------------------------------------------------------------------
# Results


def _normalise_returncode(returncode: int) -> int:
    """bwrap's PID 1 reports a command killed by signal N as exit 128 + N; give it back as -N like subprocess."""
    signum = returncode - 128
    if 0 < signum < 65 and signum in signal.Signals._value2member_map_:
        return -signum
    return returncode


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
