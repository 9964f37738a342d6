"""collector/segments.py: flushing WAL segments to Parquet exactly once, compaction, retention, unflushed rows."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq
from _collector_harness import SAMPLES
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tracewheel.collector import otlp, segments, wal
from tracewheel.collector.segments import FlushConfig, Flusher
from tracewheel.collector.wal import Signal, WalRecord, WalWriter

NOW_NS = int(datetime(2026, 11, 23, 5, 30, tzinfo=UTC).timestamp() * 1e9)


def _payload(name: str = "traceloop_default.otlp.json") -> bytes:
    return otlp.parse_trace_request((SAMPLES / name).read_bytes(), "application/json").SerializeToString()


def _count(traces_dir, kind="spans") -> int:
    return (
        duckdb.connect()
        .execute(
            f"SELECT count(*) FROM read_parquet('{traces_dir}/{kind}/*/*/*.parquet', hive_partitioning=true)"
        )
        .fetchone()[0]
    )


def test_flush_is_partitioned_and_idempotent_on_replay(tmp_path):
    records = [
        WalRecord(Signal.TRACES, "acme", NOW_NS, _payload()),
        WalRecord(
            Signal.TRACES, "globex", NOW_NS + 3600 * 10**9, _payload("openinference_default.otlp.json")
        ),
        WalRecord(
            Signal.FEEDBACK, "acme", NOW_NS, json.dumps({"trace_id": "ab" * 16, "thumb": "up"}).encode()
        ),
    ]
    first = segments.flush_segment(tmp_path, 7, records)
    assert {p.relative_to(tmp_path).parent.as_posix() for p in first} == {
        "spans/tenant=acme/hour=2026-11-23T05",
        "spans/tenant=globex/hour=2026-11-23T06",
        "feedback/tenant=acme/hour=2026-11-23T05",
    }
    # A crash after writing Parquet but before the checkpoint: the replay writes the same files again.
    second = segments.flush_segment(tmp_path, 7, records)
    assert sorted(first) == sorted(second)
    assert _count(tmp_path) == 8 and _count(tmp_path, "feedback") == 1
    meta = pq.read_schema(first[0]).metadata
    assert meta[segments.META_SEGMENT] == b"7"
    assert not list(tmp_path.rglob(".*.tmp"))


def test_compaction_merges_small_files_and_survives_a_crash(tmp_path):
    for seq in range(1, 6):
        segments.flush_segment(tmp_path, seq, [WalRecord(Signal.TRACES, "acme", NOW_NS, _payload())])
    part = segments.partition_dir(tmp_path, "spans", "acme", "2026-11-23T05")
    assert len(list(part.glob("*.parquet"))) == 5
    wal.wal_dir(tmp_path).mkdir(parents=True, exist_ok=True)
    wal.write_checkpoint(wal.wal_dir(tmp_path), 3)
    # Segments 4 and 5 are not checkpointed yet (a replay may rewrite them): only 1-3 are merged.
    assert segments.compact(tmp_path, min_files=3, small_file_bytes=1 << 30, settle_s=0) == 1
    assert len(list(part.glob("*.parquet"))) == 3 and _count(tmp_path) == 20
    wal.write_checkpoint(wal.wal_dir(tmp_path), 5)
    assert segments.compact(tmp_path, min_files=3, small_file_bytes=1 << 30, settle_s=0) == 1
    assert len(list(part.glob("*.parquet"))) == 1 and _count(tmp_path) == 20

    # Crash after the merged file was renamed in but before the sources were deleted: recovery finishes it.
    for seq in range(6, 9):
        segments.flush_segment(tmp_path, seq, [WalRecord(Signal.TRACES, "acme", NOW_NS, _payload())])
    sources = sorted(p for p in part.glob("*.parquet"))
    merged = segments.compact_files(tmp_path, "spans", part, sources)
    intent = wal.wal_dir(tmp_path) / f"compaction-{merged.stem}.json"
    intent.write_text(json.dumps({"target": str(merged), "sources": [str(p) for p in sources]}))
    for p in sources[:2]:  # pretend these deletions had not happened yet
        import shutil

        shutil.copy(merged, p)
    segments.recover_compactions(tmp_path)
    assert not intent.exists()
    assert [p.name for p in part.glob("*.parquet")] == [merged.name] and _count(tmp_path) == 32


def test_retention_deletes_old_hours_only(tmp_path):
    segments.flush_segment(
        tmp_path, 1, [WalRecord(Signal.TRACES, "acme", NOW_NS - 30 * 3600 * 10**9, _payload())]
    )
    segments.flush_segment(tmp_path, 2, [WalRecord(Signal.TRACES, "acme", NOW_NS, _payload())])
    now = datetime.fromtimestamp(NOW_NS / 1e9, UTC)
    assert segments.apply_retention(tmp_path, 0, now) == 0
    assert segments.apply_retention(tmp_path, 24, now) == 1
    assert [p.name for p in (tmp_path / "spans" / "tenant=acme").iterdir()] == ["hour=2026-11-23T05"]


CONFIG = FlushConfig(
    flush_interval_s=0.05,
    retention_hours=0,
    compaction_min_files=8,
    compaction_small_file_bytes=1 << 20,
    compaction_settle_s=60,
)


def test_flusher_moves_sealed_segments_and_unflushed_tables_sees_the_rest(tmp_path):
    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30)
    flusher = Flusher(tmp_path, CONFIG)
    writer.submit(Signal.TRACES, "acme", NOW_NS, _payload()).result(timeout=5)
    pending = segments.unflushed_tables(tmp_path)
    assert pending["spans"].num_rows == 4 and pending["logs"].num_rows == 0
    assert pending["spans"].schema.equals(otlp.SPAN_SCHEMA)
    assert flusher.flush_once() == 0  # the open segment is the writer's
    assert writer.unflushed_bytes > 0

    writer.seal()
    assert flusher.flush_once() == 1
    assert segments.unflushed_tables(tmp_path)["spans"].num_rows == 0
    assert _count(tmp_path) == 4
    assert wal.read_checkpoint(writer.directory) >= 1
    writer.close()


def test_flusher_process_follows_the_writer_and_finishes_on_sigterm(tmp_path):
    from tracewheel.collector import flusher as flusher_process

    writer = WalWriter(tmp_path, segment_bytes=1 << 30, max_queue_bytes=1 << 30, rotate_after_s=0.05)
    proc = flusher_process.spawn(tmp_path, CONFIG)
    try:
        writer.submit(Signal.TRACES, "acme", NOW_NS, _payload()).result(timeout=5)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not list(tmp_path.glob("spans/*/*/*.parquet")):
            time.sleep(0.02)
        assert _count(tmp_path) == 4
        writer.submit(Signal.TRACES, "globex", NOW_NS, _payload()).result(timeout=5)
    finally:
        writer.close()  # seals the last segment
        flusher_process.stop(proc)
    assert proc.returncode == 0
    assert _count(tmp_path) == 8 and segments.unflushed_tables(tmp_path)["spans"].num_rows == 0


def test_a_bad_trace_record_is_set_aside_and_the_rest_of_its_group_converted(tmp_path):
    # Spans are converted a whole group at a time; a record that breaks the group is found record by record.
    out_of_range = ExportTraceServiceRequest.FromString(_payload())
    out_of_range.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano = 2**64 - 1
    good = WalRecord(Signal.TRACES, "acme", NOW_NS, _payload())
    records = [
        good,
        WalRecord(Signal.TRACES, "acme", NOW_NS, b"\xff\xff not protobuf"),
        WalRecord(Signal.TRACES, "acme", NOW_NS + 1, out_of_range.SerializeToString()),
        WalRecord(Signal.TRACES, "acme", NOW_NS + 2, _payload("openinference_default.otlp.json")),
    ]
    converted = segments.convert_records(records)
    assert [d.record for d in converted.dead] == records[1:3]
    assert all(d.reason for d in converted.dead)
    (table,) = converted.tables.values()
    expected = otlp.span_rows(ExportTraceServiceRequest.FromString(good.payload), "acme", NOW_NS)
    assert table.num_rows == len(expected) + len(
        otlp.span_rows(ExportTraceServiceRequest.FromString(records[3].payload), "acme", 0)
    )
    assert table.slice(0, len(expected)).to_pylist() == expected
    assert sorted(set(table.column("received_at_unix_nano").to_pylist())) == [NOW_NS, NOW_NS + 2]
