"""TraceStore over real Parquet segments (written by the collector's own flush code) and real WAL segments:
unflushed data, de-duplication during a flush, tenants, time windows, corrupt segments, logs and feedback."""

from __future__ import annotations

import logging
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _trace_fixtures import (
    AGENT_TRACE,
    T0,
    agent_batches,
    feedback_record,
    flush,
    leave_in_wal,
    logs_record,
    rows_by_trace,
    sample_body,
    sample_logs_body,
    trace_record,
)
from tracewheel.collector.store import TraceStore, parse_since

from tracewheel.config import Settings, load_settings

HOUR = 3_600_000_000_000


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    return load_settings()


def _agent_records(tenant: str = "acme", received: int = T0) -> list:
    return [trace_record(body, tenant, received + i) for i, body in enumerate(agent_batches(0))]


def test_episode_spread_over_parquet_and_wal_is_whole_and_not_duplicated(settings: Settings) -> None:
    records = _agent_records()
    flush(settings.paths.traces_dir, 1, records[:3])
    # Records 2..: the flush of segment 2 is "in progress": rows both in Parquet and still in the WAL.
    flush(settings.paths.traces_dir, 2, records[2:4])
    leave_in_wal(settings.paths.traces_dir, 2, records[2:])
    store = TraceStore(settings.paths.traces_dir)
    episode = store.episode("acme", AGENT_TRACE)
    assert episode is not None and episode.span_count == 6 and len(episode.messages) == 7
    assert episode.services == ["agent-api", "llm-proxy"]
    assert [e.trace_id for e in store.episodes("acme")] == [AGENT_TRACE]
    assert len(store.spans("acme", AGENT_TRACE)) == 6
    assert store.skipped_segments == []


def test_spans_are_raw_rows_with_decoded_json_in_start_order(settings: Settings) -> None:
    flush(settings.paths.traces_dir, 1, _agent_records())
    spans = TraceStore(settings.paths.traces_dir).spans("acme", AGENT_TRACE.upper())
    assert [s["start_time_unix_nano"] for s in spans] == sorted(s["start_time_unix_nano"] for s in spans)
    assert spans[0]["parent_span_id"] is None and spans[0]["attributes"]["gen_ai.agent.name"] == "weather-bot"
    assert all(isinstance(s["events"], list) and isinstance(s["resource_attributes"], dict) for s in spans)
    assert {s["resource_attributes"]["service.name"] for s in spans} == {"agent-api", "llm-proxy"}


def test_tenant_always_filters(settings: Settings) -> None:
    flush(settings.paths.traces_dir, 1, _agent_records("acme"))
    leave_in_wal(
        settings.paths.traces_dir, 2, [trace_record(sample_body("openinference_default"), "globex", T0)]
    )
    store = TraceStore(settings.paths.traces_dir)
    assert store.tenants() == ["acme", "globex"]
    assert store.has_trace("acme", AGENT_TRACE) and not store.has_trace("globex", AGENT_TRACE)
    assert store.episode("globex", AGENT_TRACE) is None and store.spans("globex", AGENT_TRACE) == []
    globex = store.episodes("globex")
    assert len(globex) == 4 and {e.tenant for e in globex} == {"globex"}
    assert len(store.episodes(None)) == 5  # operator view: every tenant


def test_same_trace_id_in_two_tenants_stays_two_episodes(settings: Settings) -> None:
    flush(settings.paths.traces_dir, 1, _agent_records("acme") + _agent_records("globex"))
    store = TraceStore(settings.paths.traces_dir)
    both = store.episodes(None)
    assert sorted((e.tenant, e.span_count) for e in both) == [("acme", 6), ("globex", 6)]
    assert store.episode("globex", AGENT_TRACE).tenant == "globex"


def test_time_window_is_on_last_activity_and_late_data_brings_a_run_back(settings: Settings) -> None:
    bodies = rows_by_trace(sample_body("traceloop_default"))
    assert len(bodies) == 4
    records = [trace_record(sample_body("traceloop_default"), "acme", T0)]
    flush(settings.paths.traces_dir, 1, records + _agent_records(received=T0 + 2 * HOUR))
    store = TraceStore(settings.paths.traces_dir)
    t0 = datetime.fromtimestamp(T0 / 1e9, UTC)
    assert len(store.episodes("acme")) == 5
    assert [e.trace_id for e in store.episodes("acme", since=t0 + timedelta(hours=1))] == [AGENT_TRACE]
    assert len(store.episodes("acme", until=t0 + timedelta(hours=1))) == 4
    assert len(store.episodes("acme", limit=2)) == 2
    newest = store.episodes("acme", limit=1, newest_first=True)
    assert [e.trace_id for e in newest] == [AGENT_TRACE]
    # Feedback three hours later on an old run: it is active again, with its feedback.
    old = sorted(bodies)[0]
    leave_in_wal(
        settings.paths.traces_dir, 2, [feedback_record("acme", T0 + 3 * HOUR, trace_id=old, thumb="down")]
    )
    recent = store.episodes("acme", since=t0 + timedelta(hours=2, minutes=30))
    assert [e.trace_id for e in recent] == [old]
    assert recent[0].feedback[0].thumb == "down" and recent[0].span_count == 1


def test_old_hour_partitions_are_not_read_for_a_recent_window(settings: Settings) -> None:
    flush(settings.paths.traces_dir, 1, _agent_records(received=T0))
    old_hour = datetime.fromtimestamp(T0 / 1e9, UTC).strftime("%Y-%m-%dT%H")
    junk = settings.paths.traces_dir / "spans" / "tenant=acme" / f"hour={old_hour}" / "junk.parquet"
    junk.write_bytes(b"PAR1 definitely not parquet PAR1")
    store = TraceStore(settings.paths.traces_dir)
    # Nothing happened in the window: the old partition (with its unreadable file) is never opened.
    assert store.episodes("acme", since=datetime.fromtimestamp(T0 / 1e9, UTC) + timedelta(hours=4)) == []
    assert store.skipped_segments == []
    # Without a window every partition is read: the junk is found, skipped, and the run still comes back.
    assert [e.trace_id for e in store.episodes("acme")] == [AGENT_TRACE]
    assert store.skipped_segments == [junk]


def test_corrupt_and_half_written_segments_are_skipped_and_counted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    good = flush(settings.paths.traces_dir, 1, _agent_records())
    sample = flush(
        settings.paths.traces_dir, 2, [trace_record(sample_body("openinference_default"), "acme", T0)]
    )
    half = good[0].with_name("half.parquet")
    data = sample[0].read_bytes()
    half.write_bytes(data[: len(data) // 2])
    garbage = good[0].with_name("garbage.parquet")
    garbage.write_bytes(b"\x00" * 1000)
    sample[0].unlink()
    store = TraceStore(settings.paths.traces_dir)
    with caplog.at_level(logging.WARNING, logger="tracewheel.collector.store"):
        episodes = store.episodes("acme")
    assert [e.trace_id for e in episodes] == [AGENT_TRACE] and episodes[0].span_count == 6
    assert sorted(store.skipped_segments) == sorted([half, garbage])
    assert sum("skipping unreadable segment" in r.message for r in caplog.records) == 2
    # Known-bad files are not retried on the next call; a file rewritten in place is looked at again.
    caplog.clear()
    assert store.has_trace("acme", AGENT_TRACE)
    assert not caplog.records
    shutil.copy(good[0], garbage)
    assert store.spans("acme", AGENT_TRACE) and store.skipped_segments == [half]


def test_logs_and_feedback_join_their_episode(settings: Settings) -> None:
    label = "otel-v2_latest_span_and_event"
    flush(
        settings.paths.traces_dir,
        1,
        [trace_record(sample_body(label), "acme", T0), logs_record(sample_logs_body(label), "acme", T0 + 1)],
    )
    trace_id = sorted(rows_by_trace(sample_body(label)))[0]
    leave_in_wal(
        settings.paths.traces_dir,
        2,
        [
            feedback_record("acme", T0 + 10, trace_id=trace_id, score=0.9, corrected_answer="Paris."),
            feedback_record("acme", T0 + 10, trace_id=trace_id, score=0.9, corrected_answer="Paris."),
        ],
    )
    episode = TraceStore(settings.paths.traces_dir).episode("acme", trace_id)
    assert episode is not None and episode.messages
    # Two identical feedback records are one WAL->Parquet overlap, not two opinions... unless sent twice on purpose:
    # identical rows (same receive time) are de-duplicated, so a retry never doubles a score.
    assert [f.score for f in episode.feedback] == [0.9]
    assert episode.last_received_at == datetime.fromtimestamp((T0 + 10) / 1e9, UTC)


def test_reads_succeed_while_segments_are_being_flushed_and_compacted(settings: Settings) -> None:
    from tracewheel.collector import segments

    store = TraceStore(settings.paths.traces_dir)
    stop = threading.Event()
    failures: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                for episode in store.episodes("acme"):
                    assert episode.span_count >= 1
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for seq, body in enumerate(agent_batches(0) * 3, start=1):
            leave_in_wal(settings.paths.traces_dir, seq, [trace_record(body, "acme", T0 + seq)])
            flush(settings.paths.traces_dir, seq, [trace_record(body, "acme", T0 + seq)])
            segments.wal.write_checkpoint(segments.wal.wal_dir(settings.paths.traces_dir), seq)
        directory = settings.paths.traces_dir / "spans" / "tenant=acme"
        for hour_dir in directory.iterdir():
            files = sorted(hour_dir.glob("*.parquet"))
            segments.compact_files(settings.paths.traces_dir, "spans", hour_dir, files)
    finally:
        stop.set()
        thread.join()
    assert failures == []
    assert store.episode("acme", AGENT_TRACE).span_count == 6
    assert store.skipped_segments == []


def test_empty_store(settings: Settings) -> None:
    store = TraceStore(settings.paths.traces_dir)
    assert store.tenants() == [] and store.episodes(None) == [] and store.episode("acme", AGENT_TRACE) is None
    assert store.spans("acme", AGENT_TRACE) == [] and not store.has_trace("acme", AGENT_TRACE)
    with pytest.raises(ValueError, match="limit"):
        store.episodes("acme", limit=-1)


def test_parse_since() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert parse_since("1h", now) == now - timedelta(hours=1)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("2026-11-23T05:00:00") == datetime(2026, 11, 23, 5, tzinfo=UTC)
    assert parse_since("2026-11-23T05:00:00Z") == datetime(2026, 11, 23, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="since"):
        parse_since("yesterday")
