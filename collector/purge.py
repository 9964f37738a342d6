"""Forgetting raw data: one trace, or everything of one tenant, out of the WAL and the Parquet segments.

The choice made here is the simplest one that is correct: the collector must be stopped. A purge takes the WAL's
writer and flusher locks (the running collector and its flusher hold them), so it never races the writer's open
segment, a flush or a compaction; a running collector makes it fail with a clear error. Holding both locks it
flushes every WAL segment, the open one included, into Parquet (a stopped collector's shutdown normally did that
already), so the raw data of the trace or tenant then lives only in Parquet files. Those are rewritten without
the trace's rows (temp file, fsync, rename: a reader sees the old file or the new one) or, for a tenant, removed
whole. Dead letters (``collector/deadletter.py``) are raw requests that may hold several traces: a trace purge
drops every dead record whose payload holds the trace id (as the 16 raw bytes of protobuf or as hex text).
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tracewheel.collector import segments, wal
from tracewheel.collector.deadletter import DEADLETTER_DIR

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError

logger = logging.getLogger(__name__)


@contextmanager
def stopped_store(traces_dir: Path) -> Iterator[None]:
    """Hold the store exclusively (no collector, no flusher) with its WAL flushed into Parquet."""
    directory = wal.wal_dir(Path(traces_dir))
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    held: list[int] = []
    try:
        for name, what in (("writer.lock", "the WAL in"), ("flusher.lock", "the flusher of")):
            try:
                held.append(wal.lock_exclusive(directory / name, what))
            except wal.WalLocked:
                raise TracewheelError(
                    "the collector is running on this TRACEWHEEL_HOME: stop it first (its shutdown flushes the "
                    "WAL), then delete again"
                ) from None
        wal.recover(directory)
        flusher = segments.Flusher(
            Path(traces_dir),
            segments.FlushConfig(
                flush_interval_s=1.0,
                retention_hours=0,
                compaction_min_files=2,
                compaction_small_file_bytes=1,
                compaction_settle_s=0,
            ),
        )
        flusher.flush_once(include_open=True)
        yield
    finally:
        for fd in held:
            os.close(fd)


def _tenant_dirs(
    traces_dir: Path, tenant: str, kinds: tuple[str, ...] = (*segments.SCHEMAS, DEADLETTER_DIR)
) -> list[Path]:
    name = f"tenant={ids.tenant_name(tenant)}"
    return [Path(traces_dir) / kind / name for kind in kinds]


def _dead_record_holds(line: bytes, trace_id: str) -> bool:
    if trace_id.encode() in line.lower():
        return True
    try:
        payload = base64.b64decode(orjson.loads(line).get("payload_b64") or "")
    except (ValueError, TypeError, AttributeError):
        return False
    return bytes.fromhex(trace_id) in payload or trace_id.encode() in payload.lower()


def _purge_dead_letters(directory: Path, trace_id: str) -> int:
    removed = 0
    for path in sorted(directory.glob("hour=*/*.jsonl")):
        lines = [line for line in path.read_bytes().splitlines() if line]
        kept = [line for line in lines if not _dead_record_holds(line, trace_id)]
        if len(kept) == len(lines):
            continue
        removed += len(lines) - len(kept)
        if not kept:
            path.unlink()
        else:
            tmp = path.with_name(f".{path.name}.tmp")
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                f.write(b"".join(line + b"\n" for line in kept))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        wal.fsync_dir(path.parent)
    return removed


def purge_trace(traces_dir: Path, tenant: str, trace_id: str) -> int:
    """Rewrite the tenant's Parquet files without the rows of ``trace_id``; returns how many rows went.

    Call inside ``stopped_store``.
    """
    trace_id = ids.trace_id(trace_id)
    removed = _purge_dead_letters(_tenant_dirs(traces_dir, tenant, (DEADLETTER_DIR,))[0], trace_id)
    for kind_dir in _tenant_dirs(traces_dir, tenant, tuple(segments.SCHEMAS)):
        for path in sorted(kind_dir.glob("hour=*/*.parquet")):
            parquet = pq.ParquetFile(path)
            table = parquet.read()
            ids_column = pc.utf8_lower(table.column("trace_id"))
            match = pc.fill_null(pc.equal(ids_column, trace_id), False)
            hits = pc.sum(match).as_py() or 0
            if not hits:
                continue
            kept = table.filter(pc.invert(match))
            removed += hits
            if kept.num_rows == 0:
                path.unlink()
            else:
                segments.write_parquet(kept, path, dict(table.schema.metadata or {}))
            wal.fsync_dir(path.parent)
    return removed


def purge_tenant(traces_dir: Path, tenant: str) -> int:
    """Remove every partition of ``tenant`` (Parquet and dead letters); returns how many files went.

    Call inside ``stopped_store``.
    """
    removed = 0
    for directory in _tenant_dirs(traces_dir, tenant):
        if directory.is_dir():
            removed += sum(1 for p in directory.rglob("*") if p.is_file())
            shutil.rmtree(directory)
            wal.fsync_dir(directory.parent)
    return removed
