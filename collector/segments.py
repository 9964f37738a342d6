"""Parquet segments: WAL segments flushed into immutable, hive-partitioned Parquet files.

Layout under ``paths.traces_dir``::

    spans/tenant=<t>/hour=<YYYY-MM-DDTHH>/<uuid>.parquet     (SPAN_SCHEMA, zstd)
    logs/...                                                  (LOG_SCHEMA)
    feedback/...                                              (FEEDBACK_SCHEMA)

The hour is the hour (UTC) the collector received the data, so partitions close in order and retention is a
directory delete. Readers (DuckDB ``read_parquet(..., hive_partitioning=true)``) only ever see complete files:
each is written as a dot-named temp file, fsynced, then renamed.

Exactly-once visibility across crashes: a flushed file's name is a UUID derived from (WAL segment, signal,
tenant, hour), and its metadata records the segment. If the process dies after writing Parquet but before the WAL
checkpoint moves, the replay rewrites the very same file names instead of adding duplicates. Compaction only
touches files of checkpointed segments and records its intent first, so a crash mid-compaction is finished or
undone on restart.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tracewheel.collector import wal
from tracewheel.collector.deadletter import DEADLETTER_DIR, DeadRecord, write_dead_letters
from tracewheel.collector.feedback import FEEDBACK_SCHEMA, feedback_row
from tracewheel.collector.otlp import LOG_SCHEMA, SPAN_SCHEMA, log_rows, spans_table_from_requests
from tracewheel.collector.tenants import NAME_RE
from tracewheel.collector.wal import Signal, WalRecord

logger = logging.getLogger(__name__)

SIGNAL_DIRS: dict[Signal, str] = {Signal.TRACES: "spans", Signal.LOGS: "logs", Signal.FEEDBACK: "feedback"}
SCHEMAS: dict[str, pa.Schema] = {"spans": SPAN_SCHEMA, "logs": LOG_SCHEMA, "feedback": FEEDBACK_SCHEMA}
_NAMESPACE = uuid.UUID("5b0f3c51-5f8e-4a43-9d55-3f1bde0a7a11")
META_SEGMENT = b"tracewheel.wal_segment"
META_COMPACTED = b"tracewheel.compacted_from"
_HOUR_FMT = "%Y-%m-%dT%H"


def hour_of(unix_nano: int) -> str:
    return datetime.fromtimestamp(unix_nano / 1e9, UTC).strftime(_HOUR_FMT)


def partition_dir(traces_dir: Path, kind: str, tenant: str, hour: str) -> Path:
    return Path(traces_dir) / kind / f"tenant={tenant}" / f"hour={hour}"


# --- records -> tables ---------------------------------------------------------------------------------------


def _decode(record: WalRecord) -> Any:
    """What one record holds: a parsed trace request (converted a whole group at a time), or rows."""
    if not NAME_RE.fullmatch(record.tenant):
        raise ValueError(f"invalid tenant name {record.tenant[:80]!r}")
    if record.signal is Signal.TRACES:
        request = ExportTraceServiceRequest()
        request.ParseFromString(record.payload)
        return request
    if record.signal is Signal.LOGS:
        logs = ExportLogsServiceRequest()
        logs.ParseFromString(record.payload)
        return log_rows(logs, record.tenant, record.received_at_unix_nano)
    return [feedback_row(orjson.loads(record.payload), record.tenant, record.received_at_unix_nano)]


def _to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    arrays = [pa.array([row[field.name] for row in rows], type=field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _build(kind: str, items: list[tuple[WalRecord, Any]]) -> pa.Table:
    """One table of ``kind`` from decoded records: spans columnar over all their requests, the rest from rows."""
    if kind == "spans":
        return spans_table_from_requests(
            (request, record.tenant, record.received_at_unix_nano) for record, request in items
        )
    return _to_table([row for _, rows in items for row in rows], SCHEMAS[kind])


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# What one bad record raises while converting: undecodable protobuf or JSON, a value the Arrow type cannot hold
# (ArrowInvalid is a ValueError; ints past int64 raise OverflowError), a field of the wrong type. OSError and
# MemoryError are not here on purpose: they say nothing about the record, so the flush is retried.
_RECORD_ERRORS = (
    ValueError,
    TypeError,
    OverflowError,
    KeyError,
    pa.ArrowException,
    DecodeError,
    RecursionError,
)


@dataclass
class Converted:
    """One batch of WAL records as tables, plus the records that could not be converted (and why)."""

    tables: dict[tuple[str, str, str], pa.Table]
    dead: list[DeadRecord]


def convert_records(records: Iterable[WalRecord]) -> Converted:
    """``{(kind, tenant, hour): table}`` for a batch of WAL records; a record that fails is set aside, not fatal.

    The tables are built per group in one go (the common case); only when a group fails is it rebuilt record by
    record to find the culprits, so a good batch costs no more than before.
    """
    grouped: dict[tuple[str, str, str], list[tuple[WalRecord, Any]]] = defaultdict(list)
    dead: list[DeadRecord] = []
    for record in records:
        try:
            key = (SIGNAL_DIRS[record.signal], record.tenant, hour_of(record.received_at_unix_nano))
            grouped[key].append((record, _decode(record)))
        except _RECORD_ERRORS as exc:
            dead.append(DeadRecord(record, _reason(exc)))
    tables: dict[tuple[str, str, str], pa.Table] = {}
    for key, items in grouped.items():
        kind = key[0]
        try:
            table = _build(kind, items)
        except _RECORD_ERRORS:
            good: list[tuple[WalRecord, Any]] = []
            for item in items:
                try:
                    _build(kind, [item])
                except _RECORD_ERRORS as exc:
                    dead.append(DeadRecord(item[0], _reason(exc)))
                    continue
                good.append(item)
            table = _build(kind, good)
        if table.num_rows:
            tables[key] = table
    return Converted(tables, dead)


def group_records(records: Iterable[WalRecord]) -> dict[tuple[str, str, str], pa.Table]:
    """``{(kind, tenant, hour): table}`` for a batch of WAL records (records that cannot be converted left out)."""
    return convert_records(records).tables


def unflushed_tables(traces_dir: Path) -> dict[str, pa.Table]:
    """Acknowledged rows still only in the WAL: ``{"spans"|"logs"|"feedback": table}`` (always all three keys).

    Read-only and lock-free beside a running collector. A segment flushed while this runs may show up both here
    and in Parquet: readers that union the two should de-duplicate (spans on tenant+trace_id+span_id). A record
    that cannot be converted is left out with a warning; the flusher files it as a dead letter when it gets there.
    """
    tables: dict[str, list[pa.Table]] = {kind: [] for kind in SCHEMAS}
    for seq, records in wal.iter_unflushed(Path(traces_dir)):
        converted = convert_records(records)
        for (kind, _, _), table in converted.tables.items():
            tables[kind].append(table)
        for d in converted.dead:
            logger.warning(
                "skipping an undecodable %s record of tenant %r in WAL segment %d: %s",
                d.record.signal.name.lower(),
                d.record.tenant,
                seq,
                d.reason,
            )
    return {
        kind: pa.concat_tables(parts) if parts else SCHEMAS[kind].empty_table()
        for kind, parts in tables.items()
    }


# --- writing files -------------------------------------------------------------------------------------------


def _fsync_new_dirs(path: Path, root: Path) -> None:
    """fsync ``path`` and each parent up to ``root`` so freshly created directories survive a crash."""
    current = path
    while True:
        wal.fsync_dir(current)
        if current == root or current.parent == current:
            break
        current = current.parent


# Columns whose values hardly repeat: a dictionary there is hashing work thrown away when Parquet falls back to
# plain encoding. JSON columns get no min/max statistics either: no reader filters on them.
_JSON_COLUMNS = frozenset({"attributes", "events", "resource_attributes", "body"})
_DISTINCT_COLUMNS = frozenset({"attributes", "events", "body", "trace_id", "span_id", "parent_span_id"})


def write_parquet(table: pa.Table, final: Path, metadata: dict[bytes, bytes]) -> None:
    """Write ``table`` durably and atomically at ``final`` (temp file, fsync, rename, fsync dir)."""
    final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = final.with_name(f".{final.name}.tmp")
    # Span content is tenant data: owner-only whatever the process umask (entry points also set 0o077).
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        pq.write_table(
            table,
            f,
            compression="zstd",
            row_group_size=64 * 1024,
            use_dictionary=[c for c in table.column_names if c not in _DISTINCT_COLUMNS],
            write_statistics=[c for c in table.column_names if c not in _JSON_COLUMNS],
        )
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)


def flushed_file_name(wal_id: str, seq: int, kind: str, tenant: str, hour: str) -> str:
    return f"{uuid.uuid5(_NAMESPACE, f'{wal_id}/{seq}/{kind}/{tenant}/{hour}')}.parquet"


def flush_segment(traces_dir: Path, seq: int, records: list[WalRecord]) -> list[Path]:
    """Write one WAL segment's records as Parquet; idempotent (same names on replay).

    Records that cannot be converted go to the tenant's dead-letter file (``collector/deadletter.py``) instead of
    failing the segment: one bad record must not stop the flusher for every tenant.
    """
    traces_dir = Path(traces_dir)
    this_wal = wal.wal_id(wal.wal_dir(traces_dir))
    written: list[Path] = []
    converted = convert_records(records)
    if converted.dead:
        # Before the checkpoint moves (the caller's next step): a crash in between replays and rewrites the same file.
        written.extend(write_dead_letters(traces_dir, this_wal, seq, converted.dead))
    for (kind, tenant, hour), table in converted.tables.items():
        final = partition_dir(traces_dir, kind, tenant, hour) / flushed_file_name(
            this_wal, seq, kind, tenant, hour
        )
        write_parquet(table, final, {META_SEGMENT: str(seq).encode()})
        written.append(final)
    for directory in {p.parent for p in written}:
        _fsync_new_dirs(directory, traces_dir)
    return written


# --- compaction and retention --------------------------------------------------------------------------------


def _partitions(traces_dir: Path) -> Iterable[tuple[str, Path]]:
    # Dead letters are hour-partitioned too: retention and temp-file clean-up cover them like the Parquet kinds.
    for kind in (*SCHEMAS, DEADLETTER_DIR):
        root = Path(traces_dir) / kind
        if not root.is_dir():
            continue
        for tenant_dir in root.iterdir():
            if not tenant_dir.name.startswith("tenant=") or not tenant_dir.is_dir():
                continue
            for hour_dir in tenant_dir.iterdir():
                if hour_dir.name.startswith("hour=") and hour_dir.is_dir():
                    yield kind, hour_dir


def _intent_dir(traces_dir: Path) -> Path:
    return wal.wal_dir(traces_dir)


def compact(traces_dir: Path, min_files: int, small_file_bytes: int, settle_s: float) -> int:
    """Merge small files of settled partitions into one; returns how many partitions were compacted.

    Files of WAL segments past the checkpoint are left alone: a replay of that segment rewrites them by name,
    which must not resurrect rows already merged elsewhere.
    """
    compacted = 0
    now = time.time()
    checkpoint = wal.read_checkpoint(wal.wal_dir(traces_dir))
    for kind, directory in list(_partitions(traces_dir)):
        if kind not in SCHEMAS:
            continue
        try:
            files = [p for p in directory.iterdir() if p.suffix == ".parquet" and not p.name.startswith(".")]
            small = [p for p in files if p.stat().st_size < small_file_bytes and _segment_of(p) <= checkpoint]
        except FileNotFoundError:
            continue
        if len(small) < min_files or max((p.stat().st_mtime for p in small), default=now) > now - settle_s:
            continue
        compact_files(traces_dir, kind, directory, sorted(small))
        compacted += 1
    return compacted


def _segment_of(path: Path) -> int:
    """The WAL segment a flushed file came from (0 for compacted files, which hold checkpointed data only)."""
    meta = pq.read_schema(path).metadata or {}
    return int(meta.get(META_SEGMENT, b"0"))


def compact_files(traces_dir: Path, kind: str, directory: Path, sources: list[Path]) -> Path:
    """Replace ``sources`` (files of one partition) by one file, crash-safely (see ``recover_compactions``)."""
    target = directory / f"{uuid.uuid4()}.parquet"
    intent = _intent_dir(traces_dir) / f"compaction-{target.stem}.json"
    intent.parent.mkdir(parents=True, exist_ok=True)
    intent.write_text(json.dumps({"target": str(target), "sources": [str(p) for p in sources]}))
    wal.fsync_dir(intent.parent)
    table = pa.concat_tables([pq.read_table(p, schema=SCHEMAS[kind]) for p in sources])
    write_parquet(table, target, {META_COMPACTED: json.dumps([p.name for p in sources]).encode()})
    for p in sources:
        p.unlink(missing_ok=True)
    wal.fsync_dir(directory)
    intent.unlink()
    return target


def recover_compactions(traces_dir: Path) -> None:
    """Finish (target renamed in) or undo (target missing) compactions a crash interrupted."""
    directory = _intent_dir(traces_dir)
    if not directory.is_dir():
        return
    for intent in directory.glob("compaction-*.json"):
        try:
            plan = json.loads(intent.read_text())
        except (OSError, json.JSONDecodeError):
            intent.unlink(missing_ok=True)
            continue
        target = Path(plan["target"])
        if target.exists():
            for source in plan["sources"]:
                Path(source).unlink(missing_ok=True)
        else:
            target.with_name(f".{target.name}.tmp").unlink(missing_ok=True)
        if target.parent.exists():
            wal.fsync_dir(target.parent)
        intent.unlink(missing_ok=True)


def clean_temp_files(traces_dir: Path) -> None:
    for _, directory in _partitions(traces_dir):
        for tmp in directory.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def apply_retention(traces_dir: Path, retention_hours: float, now: datetime | None = None) -> int:
    """Delete hour partitions older than ``retention_hours`` (0 keeps all); returns how many went."""
    if retention_hours <= 0:
        return 0
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=retention_hours)
    removed = 0
    for _, directory in list(_partitions(traces_dir)):
        try:
            hour = datetime.strptime(directory.name[len("hour=") :], _HOUR_FMT).replace(tzinfo=UTC)
        except ValueError:
            continue
        # The partition holds data up to the end of its hour.
        if hour + timedelta(hours=1) <= cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    return removed


# --- the flusher ---------------------------------------------------------------------------------------------


@dataclass
class FlushConfig:
    flush_interval_s: float
    retention_hours: float
    compaction_min_files: int
    compaction_small_file_bytes: int
    compaction_settle_s: float
    maintenance_interval_s: float = 60.0
    poll_s: float = 0.05


class Flusher:
    """Moves sealed WAL segments into Parquet: flush, move the checkpoint, delete the segment; plus compaction and
    retention. Knows the writer only through the files: every segment below the highest-numbered one is sealed.

    ``run`` is the loop of the flusher process (``collector/flusher.py``); tests call ``flush_once`` directly.
    """

    def __init__(self, traces_dir: Path, config: FlushConfig) -> None:
        self.traces_dir = Path(traces_dir)
        self.directory = wal.wal_dir(self.traces_dir)
        self.config = config
        self._last_maintenance = time.monotonic()
        recover_compactions(self.traces_dir)
        clean_temp_files(self.traces_dir)

    def flush_once(self, include_open: bool = False) -> int:
        """Flush every sealed, unflushed segment (and the open one with ``include_open``, when no writer runs)."""
        seqs = wal.list_segments(self.directory)
        if not seqs:
            return 0
        last_sealed = seqs[-1] if include_open else seqs[-1] - 1
        done = wal.read_checkpoint(self.directory)
        count = 0
        for seq in seqs:
            if seq <= done or seq > last_sealed:
                continue
            path = wal.segment_path(self.directory, seq)
            records, _, _ = wal.read_segment(path)
            flush_segment(self.traces_dir, seq, records)
            wal.write_checkpoint(self.directory, seq)
            path.unlink()
            wal.fsync_dir(self.directory)
            count += 1
        return count

    def maintenance(self) -> None:
        self._last_maintenance = time.monotonic()
        c = self.config
        compact(self.traces_dir, c.compaction_min_files, c.compaction_small_file_bytes, c.compaction_settle_s)
        apply_retention(self.traces_dir, c.retention_hours)

    def run(self, should_stop: Callable[[], bool]) -> None:
        """Flush until ``should_stop()``; errors are logged and retried (the data stays in the WAL)."""
        while not should_stop():
            try:
                flushed = self.flush_once()
                if time.monotonic() - self._last_maintenance > self.config.maintenance_interval_s:
                    self.maintenance()
            except Exception:
                logger.exception("flush failed; retrying in %.1fs", self.config.flush_interval_s)
                flushed = 0
                time.sleep(self.config.flush_interval_s)
            if not flushed:
                time.sleep(self.config.poll_s)
