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
import json
import logging
import os
import re
import struct
import threading
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
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
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
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".wal_id.{os.getpid()}.tmp"
    tmp.write_text(uuid.uuid4().hex)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # fails if another process won the race; then its id stands
    except FileExistsError:
        pass
    tmp.unlink()
    fsync_dir(directory)
    return path.read_text().strip()


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_record(signal: Signal, tenant: str, received_at_unix_nano: int, payload: bytes) -> bytes:
    name = tenant.encode()
    body = _BODY_HEAD.pack(int(signal), len(name), received_at_unix_nano) + name + payload
    return _HEADER.pack(len(body), zlib.crc32(body)) + body


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
            break
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
    directory.mkdir(parents=True, exist_ok=True)
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
    data: bytes
    future: concurrent.futures.Future[None]


class WalWriter:
    """Appends records with group commit on a dedicated thread; see the module docstring."""

    def __init__(self, traces_dir: Path, segment_bytes: int, max_queue_bytes: int) -> None:
        self.directory = wal_dir(traces_dir)
        self._segment_bytes = segment_bytes
        self._max_queue_bytes = max_queue_bytes
        self._seq = recover(self.directory)
        self._fd = -1
        self._size = 0
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._queued_bytes = 0
        self._unflushed_bytes = sum(
            segment_path(self.directory, s).stat().st_size
            for s in list_segments(self.directory)
            if s > read_checkpoint(self.directory)
        )
        self._rotate_requested = False
        self._sealed = threading.Condition(self._cond)
        self._closed = False
        self._open_segment()
        self.on_sealed: list = []  # callbacks(seq) run on the writer thread after a segment is sealed
        self._thread = threading.Thread(target=self._run, name="wal-writer", daemon=True)
        self._thread.start()

    # --- called by receivers --------------------------------------------------------------------------------

    def submit(
        self, signal: Signal, tenant: str, received_at_unix_nano: int, payload: bytes
    ) -> concurrent.futures.Future[None]:
        """Queue one record; the future resolves once it is fsynced (or fails with ``WalWriteError``).

        Raises ``QueueFull`` straight away when the unflushed backlog is over its bound.
        """
        data = encode_record(signal, tenant, received_at_unix_nano, payload)
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        with self._cond:
            if self._closed:
                raise WalWriteError("collector is shutting down")
            if self._unflushed_bytes + self._queued_bytes + len(data) > self._max_queue_bytes:
                raise QueueFull(
                    f"{self._unflushed_bytes + self._queued_bytes} bytes waiting to be flushed "
                    f"(max_queue_bytes={self._max_queue_bytes})"
                )
            self._queue.append(_Pending(data, future))
            self._queued_bytes += len(data)
            self._cond.notify()
        return future

    # --- called by the flusher ------------------------------------------------------------------------------

    @property
    def current_seq(self) -> int:
        return self._seq

    def current_size(self) -> int:
        return self._size

    def seal(self, timeout: float = 10.0) -> int:
        """Close the current segment if it holds data; returns the last sealed segment number."""
        with self._cond:
            if self._size == 0:
                return self._seq - 1
            self._rotate_requested = True
            self._cond.notify()
            target = self._seq
            self._sealed.wait_for(lambda: self._seq > target or self._closed, timeout)
            return self._seq - 1

    def flushed(self, nbytes: int) -> None:
        """The flusher moved ``nbytes`` of WAL into Parquet; they no longer count against the queue bound."""
        with self._cond:
            self._unflushed_bytes = max(0, self._unflushed_bytes - nbytes)

    @property
    def unflushed_bytes(self) -> int:
        return self._unflushed_bytes

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    # --- writer thread --------------------------------------------------------------------------------------

    def _open_segment(self) -> None:
        path = segment_path(self.directory, self._seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._size = os.fstat(self._fd).st_size
        fsync_dir(self.directory)

    def _rotate(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        sealed = self._seq
        self._seq += 1
        self._open_segment()
        for callback in self.on_sealed:
            callback(sealed)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._rotate_requested or self._closed)
                batch, self._queue = self._queue, []
                rotate, self._rotate_requested = self._rotate_requested, False
                closed = self._closed
            if batch:
                self._write_group(batch)
            if rotate or self._size >= self._segment_bytes:
                try:
                    self._rotate()
                except OSError:
                    logger.exception("WAL rotation failed; retrying on the next group")
                with self._cond:
                    self._sealed.notify_all()
            if closed and not batch:
                with self._cond:
                    if not self._queue:
                        self._sealed.notify_all()
                        return

    def _write_group(self, batch: list[_Pending]) -> None:
        data = b"".join(p.data for p in batch)
        error: BaseException | None = None
        try:
            written = 0
            view = memoryview(data)
            while written < len(data):
                written += os.write(self._fd, view[written:])
            os.fsync(self._fd)
        except OSError as exc:
            error = exc
            logger.error("WAL write failed (%s); answering the %d waiting requests with 503", exc, len(batch))
            self._undo_partial_write()
        with self._cond:
            self._queued_bytes -= len(data)
            if error is None:
                self._size += len(data)
                self._unflushed_bytes += len(data)
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
            self._seq += 1
            try:
                self._open_segment()
            except OSError:
                logger.exception("could not open a new WAL segment")
