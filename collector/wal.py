"""The write-ahead log: every acknowledged request is here, fsynced, before the receiver answers.

Layout: ``<traces_dir>/_wal/<seq:020d>.wal`` segment files plus ``checkpoint.json`` naming the last segment whose
rows are durably in Parquet. Record framing (little endian)::

    u32 body_length | u32 crc32(body) | body = u8 signal | u8 tenant_len | i64 received_at_unix_nano | tenant | payload

``payload`` is the validated request as protobuf bytes (traces, logs) or a JSON object (feedback). A record that is
cut short or fails its CRC ends the segment: it is a torn tail from a crash, never acknowledged, and recovery
truncates it away.

Group commit: receivers ``submit`` records from any thread; one writer thread takes everything waiting, writes it
with one ``write`` and makes it durable with one ``fsync``, then resolves all of their futures. While it fsyncs
(the GIL is released), new requests queue up for the next group.
"""

from __future__ import annotations

import concurrent.futures
import fcntl
import json
import logging
import os
import re
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

logger = logging.getLogger(__name__)

WAL_DIRNAME = "_wal"
CHECKPOINT = "checkpoint.json"
_HEADER = struct.Struct("<II")
_BODY_HEAD = struct.Struct("<BBq")
_SEGMENT_RE = re.compile(r"^(\d{20})\.wal$")


class Signal(IntEnum):
    TRACES = 1
    LOGS = 2
    FEEDBACK = 3


@dataclass(frozen=True)
class WalRecord:
    signal: Signal
    tenant: str
    received_at_unix_nano: int
    payload: bytes


class QueueFull(Exception):
    """More acknowledged-but-unflushed bytes than ``max_queue_bytes``: answer 503 and let the client retry."""


class WalWriteError(Exception):
    """The WAL could not be written or fsynced (disk full, I/O error): nothing was acknowledged."""


def wal_dir(traces_dir: Path) -> Path:
    return Path(traces_dir) / WAL_DIRNAME


def segment_path(directory: Path, seq: int) -> Path:
    return directory / f"{seq:020d}.wal"


def list_segments(directory: Path) -> list[int]:
    """Segment sequence numbers present, ascending."""
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(int(m.group(1)) for n in names if (m := _SEGMENT_RE.match(n)))


def read_checkpoint(directory: Path) -> int:
    """The last segment whose data is durably in Parquet (0 when none)."""
    try:
        return int(json.loads((directory / CHECKPOINT).read_text())["flushed_through"])
    except FileNotFoundError:
        return 0
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        logger.error("WAL checkpoint in %s is unreadable; replaying every segment", directory)
        return 0


def write_checkpoint(directory: Path, seq: int) -> None:
    tmp = directory / f".{CHECKPOINT}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps({"flushed_through": seq}).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, directory / CHECKPOINT)
    fsync_dir(directory)


def wal_id(directory: Path) -> str:
    """A random id for this WAL, made once: keeps file names unique across collector replicas."""
    path = directory / "wal_id"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = directory / f".wal_id.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, uuid.uuid4().hex.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process won the race; then its id stands
    except FileExistsError:
        pass
    tmp.unlink()
    fsync_dir(directory)
    return path.read_text().strip()


_IOV_MAX = 512


def _write_all(fd: int, parts: list[bytes]) -> None:
    """``writev`` every part (one system call per IOV_MAX parts), finishing any short write."""
    pending = [memoryview(p) for p in parts if p]
    while pending:
        chunk = pending[:_IOV_MAX]
        written = os.writev(fd, chunk)
        # Drop what was written, keeping the unwritten tail of a partly written part.
        i = 0
        while i < len(chunk) and written >= len(chunk[i]):
            written -= len(chunk[i])
            i += 1
        pending = pending[i:]
        if written:
            pending[0] = pending[0][written:]


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_record(signal: Signal, tenant: str, received_at_unix_nano: int, payload: bytes) -> bytes:
    return b"".join(encode_record_parts(signal, tenant, received_at_unix_nano, payload))


def encode_record_parts(
    signal: Signal, tenant: str, received_at_unix_nano: int, payload: bytes
) -> list[bytes]:
    """The record as pieces for ``writev``: the (large) payload is never copied."""
    name = tenant.encode()
    head = _BODY_HEAD.pack(int(signal), len(name), received_at_unix_nano) + name
    crc = zlib.crc32(payload, zlib.crc32(head))
    return [_HEADER.pack(len(head) + len(payload), crc), head, payload]


def scan(data: bytes) -> tuple[list[WalRecord], int]:
    """Decode records from a segment's bytes; returns them and the offset where the valid prefix ends."""
    records: list[WalRecord] = []
    pos = 0
    end = len(data)
    view = memoryview(data)
    while pos + _HEADER.size <= end:
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if length < _BODY_HEAD.size or start + length > end:
            break
        body = view[start : start + length]
        if zlib.crc32(body) != crc:
            break
        signal, name_len, received = _BODY_HEAD.unpack_from(body, 0)
        head = _BODY_HEAD.size
        try:
            sig = Signal(signal)
            tenant = bytes(body[head : head + name_len]).decode()
        except (ValueError, UnicodeDecodeError):
            # Intact framing (the CRC matched) around a header no collector writes: not a torn tail, so skip this
            # one record instead of ending the segment (recovery would truncate every record after it).
            logger.error("WAL: skipping a record with an invalid header at offset %d", pos)
            pos = start + length
            continue
        records.append(WalRecord(sig, tenant, received, bytes(body[head + name_len :])))
        pos = start + length
    return records, pos


def read_segment(path: Path) -> tuple[list[WalRecord], int, int]:
    """Records of one segment file, the valid length, and the file's size (read-only, no locks)."""
    data = path.read_bytes()
    records, valid = scan(data)
    return records, valid, len(data)


def iter_unflushed(traces_dir: Path) -> Iterator[tuple[int, list[WalRecord]]]:
    """``(seq, records)`` of every WAL segment not yet in Parquet, including the one being written.

    Read-only and lock-free, for readers beside a running collector: a segment deleted under us was flushed
    (its rows are in Parquet now) and is skipped; a record still being written is not yet acknowledged.
    """
    directory = wal_dir(traces_dir)
    done = read_checkpoint(directory)
    for seq in list_segments(directory):
        if seq <= done:
            continue
        try:
            records, _, _ = read_segment(segment_path(directory, seq))
        except FileNotFoundError:
            continue
        yield seq, records


def unflushed(traces_dir: Path) -> dict[str, list[tuple[str, int, bytes]]]:
    """Acknowledged records not yet flushed: ``{"traces"|"logs"|"feedback": [(tenant, received_at_ns, payload)]}``."""
    out: dict[str, list[tuple[str, int, bytes]]] = {"traces": [], "logs": [], "feedback": []}
    for _, records in iter_unflushed(traces_dir):
        for r in records:
            out[r.signal.name.lower()].append((r.tenant, r.received_at_unix_nano, r.payload))
    return out


def recover(directory: Path) -> int:
    """Truncate torn tails; returns the next free segment number. Run once before a writer opens."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    done = read_checkpoint(directory)
    seqs = list_segments(directory)
    for seq in seqs:
        path = segment_path(directory, seq)
        if seq <= done:
            # Flushed but not yet deleted when the process stopped.
            path.unlink(missing_ok=True)
            continue
        _, valid, size = read_segment(path)
        if valid < size:
            logger.warning("WAL segment %s: truncating a torn tail of %d bytes", path.name, size - valid)
            with open(path, "r+b") as f:
                f.truncate(valid)
                os.fsync(f.fileno())
    for stale in directory.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    fsync_dir(directory)
    return max([done, *seqs]) + 1


@dataclass
class _Pending:
    parts: list[bytes]
    size: int
    future: concurrent.futures.Future[None]


class WalLocked(Exception):
    """Another live process is already writing this WAL (two collectors on one TRACEWHEEL_HOME)."""


def lock_exclusive(path: Path, what: str) -> int:
    """Take an exclusive ``flock`` (released by the kernel if the process dies, even by SIGKILL)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise WalLocked(f"{what} {path.parent} is in use by another process") from exc
    return fd


class WalWriter:
    """Appends records with group commit on a dedicated thread; see the module docstring.

    The current segment is sealed (a new one started) when it reaches ``segment_bytes`` or, holding data, is
    ``rotate_after_s`` old; the highest-numbered segment is always the open one, every lower one is sealed and
    ready for the flusher (``collector/flusher.py``), which reports progress only through ``checkpoint.json``.
    """

    def __init__(
        self,
        traces_dir: Path,
        segment_bytes: int,
        max_queue_bytes: int,
        rotate_after_s: float | None = None,
    ) -> None:
        self.directory = wal_dir(traces_dir)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_fd = lock_exclusive(self.directory / "writer.lock", "the WAL in")
        self._segment_bytes = segment_bytes
        self._max_queue_bytes = max_queue_bytes
        self._rotate_after_s = rotate_after_s
        self._seq = recover(self.directory)
        self._fd = -1
        self._size = 0
        self._opened_at = time.monotonic()
        self._cond = threading.Condition()
        self._sealed = threading.Condition(self._cond)
        self._queue: list[_Pending] = []
        self._queued_bytes = 0
        done = read_checkpoint(self.directory)
        # Sizes of sealed segments the flusher has not checkpointed yet (the backlog the queue bound limits).
        self._backlog: dict[int, int] = {
            s: segment_path(self.directory, s).stat().st_size
            for s in list_segments(self.directory)
            if s > done
        }
        self._checkpoint_read_at = 0.0
        self._rotate_requested = False
        self._closed = False
        self._open_segment()
        self._thread = threading.Thread(target=self._run, name="wal-writer", daemon=True)
        self._thread.start()

    # --- called by receivers --------------------------------------------------------------------------------

    def submit(
        self, signal: Signal, tenant: str, received_at_unix_nano: int, payload: bytes
    ) -> concurrent.futures.Future[None]:
        """Queue one record; the future resolves once it is fsynced (or fails with ``WalWriteError``).

        Raises ``QueueFull`` straight away when the unflushed backlog is over its bound.
        """
        parts = encode_record_parts(signal, tenant, received_at_unix_nano, payload)
        size = sum(len(p) for p in parts)
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._cond:
            if self._closed:
                raise WalWriteError("collector is shutting down")
            if self._over_bound(size):
                self._refresh_backlog()
                if self._over_bound(size):
                    raise QueueFull(
                        f"{self.unflushed_bytes} bytes waiting to be flushed (max_queue_bytes={self._max_queue_bytes})"
                    )
            self._queue.append(_Pending(parts, size, future))
            self._queued_bytes += size
            self._cond.notify()
        return future

    def check_room(self, nbytes: int) -> None:
        """Raise ``QueueFull`` when ``nbytes`` more would not fit under the bound: lets a receiver refuse a request
        before spending CPU on decoding it (``submit`` still checks the record's exact size)."""
        with self._cond:
            if self._over_bound(nbytes):
                self._refresh_backlog()
                if self._over_bound(nbytes):
                    raise QueueFull(
                        f"{self.unflushed_bytes} bytes waiting to be flushed (max_queue_bytes={self._max_queue_bytes})"
                    )

    def _over_bound(self, extra: int) -> bool:
        return self.unflushed_bytes + extra > self._max_queue_bytes

    def _refresh_backlog(self) -> None:
        # At most every 50 ms: the checkpoint is a small file the flusher replaces atomically.
        now = time.monotonic()
        if now - self._checkpoint_read_at < 0.05:
            return
        self._checkpoint_read_at = now
        done = read_checkpoint(self.directory)
        for seq in [s for s in self._backlog if s <= done]:
            del self._backlog[seq]

    @property
    def unflushed_bytes(self) -> int:
        """Acknowledged or queued bytes not yet in Parquet (as of the last checkpoint read)."""
        return sum(self._backlog.values()) + self._size + self._queued_bytes

    # --- sealing --------------------------------------------------------------------------------------------

    @property
    def current_seq(self) -> int:
        return self._seq

    def current_size(self) -> int:
        return self._size

    def seal(self, timeout: float = 10.0) -> int:
        """Seal the current segment now if it holds data; returns the last sealed segment number."""
        with self._cond:
            if self._size == 0 and not self._queue:
                return self._seq - 1
            self._rotate_requested = True
            self._cond.notify()
            target = self._seq
            self._sealed.wait_for(lambda: self._seq > target or self._closed, timeout)
            return self._seq - 1

    def close(self) -> None:
        """Write what is queued, seal the last segment, release the lock."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        if self._fd >= 0:
            if self._size:
                self._rotate()
            os.close(self._fd)
            self._fd = -1
        os.close(self._lock_fd)

    # --- writer thread --------------------------------------------------------------------------------------

    def _open_segment(self) -> None:
        path = segment_path(self.directory, self._seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size
        self._opened_at = time.monotonic()
        fsync_dir(self.directory)

    def _rotate(self) -> None:
        # No fsync here: every group was fsynced before it was acknowledged.
        os.close(self._fd)
        self._fd = -1
        with self._cond:
            self._backlog[self._seq] = self._size
            self._seq += 1
        self._open_segment()

    def _due(self) -> float | None:
        """Seconds until the open segment must be sealed by age (None: no deadline)."""
        if self._rotate_after_s is None or self._size == 0:
            return None
        return self._opened_at + self._rotate_after_s - time.monotonic()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._queue or self._rotate_requested or self._closed):
                    due = self._due()
                    if due is not None and due <= 0:
                        break
                    self._cond.wait(due)
                batch, self._queue = self._queue, []
                rotate, self._rotate_requested = self._rotate_requested, False
                closed = self._closed
            if batch:
                self._write_group(batch)
            due = self._due()
            if self._size and (rotate or self._size >= self._segment_bytes or (due is not None and due <= 0)):
                try:
                    self._rotate()
                except OSError:
                    logger.exception("WAL rotation failed; retrying on the next group")
            if rotate:
                with self._cond:
                    self._sealed.notify_all()
            if closed:
                with self._cond:
                    if not self._queue:
                        self._sealed.notify_all()
                        return

    def _write_group(self, batch: list[_Pending]) -> None:
        parts = [part for p in batch for part in p.parts]
        total = sum(p.size for p in batch)
        error: BaseException | None = None
        try:
            _write_all(self._fd, parts)
            os.fsync(self._fd)
        except OSError as exc:
            error = exc
            logger.error("WAL write failed (%s); answering the %d waiting requests with 503", exc, len(batch))
            self._undo_partial_write()
        with self._cond:
            self._queued_bytes -= total
            if error is None:
                self._size += total
        for p in batch:
            if error is None:
                p.future.set_result(None)
            else:
                p.future.set_exception(WalWriteError(str(error)))

    def _undo_partial_write(self) -> None:
        # Bytes of a failed group must not stay: a later good group after them would be unreadable past the tear.
        try:
            os.ftruncate(self._fd, self._size)
            os.fsync(self._fd)
        except OSError:
            logger.exception("could not truncate the WAL after a failed write; starting a new segment")
            try:
                os.close(self._fd)
            except OSError:
                pass
            with self._cond:
                self._backlog[self._seq] = self._size
                self._seq += 1
            try:
                self._open_segment()
            except OSError:
                logger.exception("could not open a new WAL segment")
