"""Durable per-tenant storage of the GenAI metric points (``collector.metrics``), read by ``tracewheel usage``.

Layout: ``<metrics_dir>/tenant=<t>/<YYYY-MM-DD>.jsonl`` (the UTC day the collector received the data), one line per
export request::

    {"received_at_unix_nano": ..., "points": [{...}, ...], "dropped": {"http.client.duration": 12, ...}}

Appended and fsynced before the receiver answers, so an acknowledged metric survives a crash. Metrics are small
(an SDK exports every 60 s by default, a few dozen points per service), so one ``write`` + ``fsync`` per request
under a lock is cheap and needs neither the trace WAL's group commit nor a flusher. A crash mid-write leaves a line
without its newline: it was never acknowledged, readers skip it, and the writer cuts it off before appending to
that file again. Files are owner-only, as everything under ``TRACEWHEEL_HOME``.

Readers (the CLI, beside a running collector) only read whole lines; nothing here is a database with a lock.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from tracewheel.collector.metrics import MetricsBatch
from tracewheel.collector.wal import WalWriteError, fsync_dir, lock_exclusive

logger = logging.getLogger(__name__)

_PREFIX = "tenant="


def tenant_dir(metrics_dir: Path, tenant: str) -> Path:
    return Path(metrics_dir) / f"{_PREFIX}{tenant}"


@dataclass
class _Open:
    path: Path
    fd: int
    size: int


class MetricsLog:
    """The writer: one per collector (an exclusive lock on the directory, like the WAL's)."""

    def __init__(self, metrics_dir: Path) -> None:
        self.directory = Path(metrics_dir)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Raises WalLocked when another collector runs on this home.
        self._lock_fd = lock_exclusive(self.directory / "writer.lock", "the metrics store in")
        self._lock = threading.Lock()
        self._open: dict[str, _Open] = {}
        self._closed = False

    def append(self, tenant: str, received_at_unix_nano: int, batch: MetricsBatch) -> None:
        """Store ``batch`` durably; raises ``WalWriteError`` when it could not be (then nothing is acknowledged).

        Blocking (an fsync): call from a worker thread on an event loop.
        """
        line = orjson.dumps(
            {"received_at_unix_nano": received_at_unix_nano, "points": batch.points, "dropped": batch.dropped}
        )
        day = datetime.fromtimestamp(received_at_unix_nano / 1e9, UTC).strftime("%Y-%m-%d")
        with self._lock:
            if self._closed:
                raise WalWriteError("collector is shutting down")
            try:
                f = self._file(tenant, day)
            except OSError as exc:
                raise WalWriteError(f"could not open the metrics file: {exc}") from exc
            try:
                _write_all(f.fd, line + b"\n")
                os.fsync(f.fd)
            except OSError as exc:
                self._undo(tenant, f)
                raise WalWriteError(str(exc)) from exc
            f.size += len(line) + 1

    def _file(self, tenant: str, day: str) -> _Open:
        path = tenant_dir(self.directory, tenant) / f"{day}.jsonl"
        current = self._open.get(tenant)
        if current is not None and current.path == path:
            return current
        if current is not None:
            os.close(current.fd)
            del self._open[tenant]
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fsync_dir(self.directory)
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        size = _cut_torn_tail(fd, path)
        if created:
            fsync_dir(path.parent)
        self._open[tenant] = opened = _Open(path, fd, size)
        return opened

    def _undo(self, tenant: str, f: _Open) -> None:
        # A partly written line must not stay: the next line appended after it would be unreadable.
        try:
            os.ftruncate(f.fd, f.size)
            os.fsync(f.fd)
        except OSError:
            logger.exception("could not truncate %s after a failed write; reopening it", f.path)
            os.close(f.fd)
            self._open.pop(tenant, None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for f in self._open.values():
                os.close(f.fd)
            self._open.clear()
        os.close(self._lock_fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _cut_torn_tail(fd: int, path: Path) -> int:
    """Truncate a last line left without its newline by a crash; returns the file's (new) size."""
    size = os.fstat(fd).st_size
    if size == 0:
        return 0
    tail = os.pread(fd, min(size, 1 << 20), max(0, size - (1 << 20)))
    if tail.endswith(b"\n"):
        return size
    keep = tail.rfind(b"\n")
    if keep < 0 and size > len(tail):
        # A single line over a mebibyte cannot have been written by us; leave the file to the readers' checks.
        logger.error("%s does not end with a newline and its last line is too long to repair", path)
        return size
    new_size = size - len(tail) + keep + 1
    logger.warning("%s: cutting off a torn last line of %d bytes", path, size - new_size)
    os.ftruncate(fd, new_size)
    os.fsync(fd)
    return new_size


# --- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRecord:
    tenant: str
    received_at_unix_nano: int
    points: list[dict[str, Any]]
    dropped: dict[str, int]


def tenants(metrics_dir: Path) -> list[str]:
    try:
        names = os.listdir(metrics_dir)
    except FileNotFoundError:
        return []
    return sorted(n[len(_PREFIX) :] for n in names if n.startswith(_PREFIX))


def read_records(metrics_dir: Path, tenant: str | None = None) -> Iterator[StoredRecord]:
    """Every stored request of ``tenant`` (every tenant for ``None``), oldest file first. Lock-free: a line still
    being written (no newline yet) was not acknowledged and is skipped, as is a line that does not decode."""
    for name in [tenant] if tenant is not None else tenants(metrics_dir):
        directory = tenant_dir(metrics_dir, name)
        for path in sorted(directory.glob("*.jsonl")):
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            for line in data.split(b"\n")[:-1]:
                try:
                    doc = orjson.loads(line)
                    yield StoredRecord(name, int(doc["received_at_unix_nano"]), doc["points"], doc["dropped"])
                except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    logger.warning("%s: skipping a line that does not decode", path)


def purge_tenant(metrics_dir: Path, tenant: str) -> bool:
    """Remove every metric stored for ``tenant``; True when there was something."""
    directory = tenant_dir(metrics_dir, tenant)
    if not directory.exists():
        return False
    shutil.rmtree(directory)
    return True
