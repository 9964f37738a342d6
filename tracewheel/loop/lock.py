"""One cycle per tenant at a time: an exclusive ``fcntl.flock`` on ``cycles_dir/<tenant>/.lock``.

The kernel drops the lock when its holder's file descriptor closes, which includes the process dying by any
signal, so a crashed or killed cycle never leaves a stale lock behind: the next ``tracewheel run`` finds its record
still ``running``, knows the lock is free, and resumes it (or abandons it with ``--restart``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracewheel.core.errors import TracewheelError
from tracewheel.loop import store

LOCK_FILE = ".lock"


class CycleBusy(TracewheelError):
    """Another process runs a cycle for this tenant."""


def lock_path(cycles_dir: Path, tenant: str) -> Path:
    return store.tenant_dir(cycles_dir, tenant) / LOCK_FILE


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""


@contextmanager
def cycle_lock(cycles_dir: Path, tenant: str) -> Iterator[None]:
    """Hold the tenant's cycle lock for the ``with`` block; ``CycleBusy`` at once if another process holds it."""
    path = lock_path(cycles_dir, tenant)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # "a": opening must not truncate the holder's note before we own the lock.
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CycleBusy(
                f"a cycle for tenant {tenant} is already running{_holder(path)}; "
                "wait for it or see `tracewheel cycles list`"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def is_locked(cycles_dir: Path, tenant: str) -> bool:
    """Whether a live process holds the tenant's cycle lock now (a ``running`` cycle without it was interrupted)."""
    path = lock_path(cycles_dir, tenant)
    if not path.exists():
        return False
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False
