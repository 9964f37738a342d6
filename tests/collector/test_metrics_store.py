"""The metrics store and the usage it gives: durable appends (an acknowledged export survives a SIGKILL of the
collector, a torn last line is cut off), cumulative series read as deltas, percentiles from buckets, time windows.
Points come from the real SDK through the OTLP encoder the exporters use."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from _collector_harness import running_collector
from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import encode_metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.util.genai.instruments import create_duration_histogram, create_token_histogram
from tracewheel.collector.metrics import MAX_DROPPED_NAMES, extract
from tracewheel.collector.metrics_store import MetricsLog, purge_tenant, read_records
from tracewheel.collector.metrics_usage import quantile, to_deltas, usage
from tracewheel.collector.wal import WalLocked

# `python -m tracewheel.collector`: the same server without the CLI's imports, started in a third of the time.
FAST = ("tracewheel.collector",)


def _reader(views: tuple[View, ...] = (), **kwargs: Any) -> tuple[MeterProvider, InMemoryMetricReader]:
    reader = InMemoryMetricReader(**kwargs)
    return MeterProvider([reader], views=views), reader


def _batch(reader: InMemoryMetricReader) -> Any:
    return extract(encode_metrics(reader.get_metrics_data()))


def test_appended_batches_read_back_and_a_torn_tail_is_cut(tmp_path: Path) -> None:
    provider, reader = _reader()
    tokens = create_token_histogram(provider.get_meter("t"))
    tokens.record(10, {"gen_ai.request.model": "m", "gen_ai.token.type": "prompt"})
    batch = _batch(reader)
    assert [(p["model"], p["token_type"], p["sum"]) for p in batch.points] == [("m", "input", 10)]
    log = MetricsLog(tmp_path)
    with pytest.raises(WalLocked):
        MetricsLog(tmp_path)  # one writer per home
    log.append("acme", 1_700_000_000 * 10**9, batch)
    log.close()
    (path,) = (tmp_path / "tenant=acme").glob("*.jsonl")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with path.open("ab") as f:
        f.write(b'{"received_at_unix_nano": 1, "poi')  # a crash in the middle of a write
    assert len(list(read_records(tmp_path, "acme"))) == 1  # readers skip it
    log = MetricsLog(tmp_path)
    log.append("acme", 1_700_000_001 * 10**9, batch)
    log.close()
    assert [r.received_at_unix_nano for r in read_records(tmp_path)] == [
        1_700_000_000 * 10**9,
        1_700_000_001 * 10**9,
    ]
    assert purge_tenant(tmp_path, "acme") and list(read_records(tmp_path)) == []


def test_an_acknowledged_metric_survives_a_kill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider, reader = _reader()
    tokens = create_token_histogram(provider.get_meter("t"))
    tokens.record(123, {"gen_ai.request.model": "m", "gen_ai.token.type": "input"})
    body = encode_metrics(reader.get_metrics_data()).SerializeToString()
    with running_collector(tmp_path / "home", ["acme"], entry=FAST) as collector:
        assert collector.post("/v1/metrics", body, key=collector.keys["acme"]).status_code == 200
        collector.kill()  # SIGKILL right after the answer: no shutdown hook runs
    (got,) = usage(tmp_path / "home" / "metrics", "acme")
    assert got.total.input_tokens == 123 and got.total.calls == 1


def _cumulative_exports() -> list[dict[str, Any]]:
    """Three exports of one cumulative series (0.3 s; then 0.5 s; then nothing new), as stored points."""
    provider, reader = _reader()
    durations = create_duration_histogram(provider.get_meter("t"))
    points = []
    for value in (0.3, 0.5, None):
        if value is not None:
            durations.record(value, {"gen_ai.request.model": "m"})
        points += _batch(reader).points
    return points


def test_cumulative_series_become_deltas_and_retries_count_once() -> None:
    points = _cumulative_exports()
    assert [p["count"] for p in points] == [1, 2, 2] and {p["temporality"] for p in points} == {"cumulative"}
    deltas = to_deltas(points + points[:2])  # a retried export stores the same points again
    assert [p["count"] for p in deltas] == [1, 1]
    assert [round(p["sum"], 6) for p in deltas] == [0.3, 0.5]


def test_delta_and_exponential_histograms_and_ms_units() -> None:
    provider, reader = _reader(
        preferred_temporality={Histogram: AggregationTemporality.DELTA},
        views=(View(instrument_name="gen_ai.*", aggregation=ExponentialBucketHistogramAggregation()),),
    )
    meter = provider.get_meter("t")
    durations = meter.create_histogram("gen_ai.server.request.duration", unit="ms")
    for ms in (100, 200, 300, 400, 5000):
        durations.record(ms, {"gen_ai.response.model": "served"})
    (point,) = _batch(reader).points
    assert point["temporality"] == "delta" and point["model"] == "served"
    assert point["sum"] == pytest.approx(6.0) and point["max"] == pytest.approx(5.0)
    assert 0.2 <= quantile([point], 0.5) <= 0.32  # the exponential bucket around 0.3 s
    assert quantile([point], 1.0) == pytest.approx(5.0)


def test_quantile_spreads_values_inside_buckets() -> None:
    point = {
        "count": 10,
        "sum": 55.0,
        "min": 1.0,
        "max": 10.0,
        "bounds": [0.0, 5.0, 10.0],
        "buckets": [0, 5, 5, 0],
    }
    assert quantile([point], 0.5) == pytest.approx(5.0)
    assert quantile([point], 0.25) == pytest.approx(3.0)  # (1, 5] holds 5 values, evenly: 2.5 of them below 3
    assert quantile([], 0.5) is None


def test_usage_windows_and_groups(tmp_path: Path) -> None:
    provider, reader = _reader(preferred_temporality={Histogram: AggregationTemporality.DELTA})
    tokens = create_token_histogram(provider.get_meter("t"))
    log = MetricsLog(tmp_path)
    for model, n in (("a", 1), ("b", 2), ("a", 4)):
        tokens.record(n, {"gen_ai.request.model": model, "gen_ai.token.type": "input"})
        tokens.record(
            10 * n,
            {
                "gen_ai.response.model": f"{model}-0613",
                "gen_ai.request.model": model,
                "gen_ai.token.type": "output",
            },
        )
        log.append("acme", _now_ns(), _batch(reader))
    log.close()
    (got,) = usage(tmp_path, "acme")
    # Grouped by the model asked for, not the dated snapshot that answered.
    assert {g.key: (g.input_tokens, g.output_tokens) for g in got.groups} == {"a": (5, 50), "b": (2, 20)}
    assert got.total.calls == 3  # no durations: the input-token records count the calls
    (later,) = usage(tmp_path, "acme", since=datetime.now(UTC) + timedelta(hours=1))
    assert later.total.input_tokens == 0 and later.groups == []


def _now_ns() -> int:
    return int(datetime.now(UTC).timestamp() * 1e9) + os.getpid() % 7


def test_micrometer_shapes_a_token_counter_and_a_duration_summary() -> None:
    # Spring AI (Micrometer) exports token usage as a monotonic counter and timers as summaries.
    provider, reader = _reader()
    counter = provider.get_meter("t").create_counter("gen_ai.client.token.usage")
    points = []
    for n in (30, 12):
        counter.add(n, {"gen_ai.request.model": "m", "gen_ai.token.type": "input"})
        points += _batch(reader).points
    assert [p["sum"] for p in points] == [30, 42] and points[0]["count"] is None
    request = ExportMetricsServiceRequest()
    metric = (
        request.resource_metrics.add()
        .scope_metrics.add()
        .metrics.add(name="gen_ai.client.operation.duration", unit="ms")
    )
    for count, total in ((2, 600.0), (4, 1000.0)):
        metric.summary.data_points.add(
            time_unix_nano=1_700_000_000 * 10**9 + count, start_time_unix_nano=1, count=count, sum=total
        ).attributes.add(key="gen_ai.request.model").value.string_value = "m"
    points += extract(request).points
    deltas = to_deltas(points)
    assert sorted((p["kind"], p["count"], p["sum"]) for p in deltas) == [
        ("duration", 2, pytest.approx(0.4)),
        ("duration", 2, pytest.approx(0.6)),
        ("token_usage", None, 12),
        ("token_usage", None, 30),
    ]
    assert quantile([d for d in deltas if d["kind"] == "duration"], 0.5) == pytest.approx(0.3, abs=0.11)


def test_what_a_request_can_make_the_store_keep_is_bounded() -> None:
    provider, reader = _reader()
    meter = provider.get_meter("t")
    for i in range(MAX_DROPPED_NAMES + 10):
        meter.create_counter(f"spam.{i:03d}").add(1)
    meter.create_counter("busy").add(1, {"a": 1})
    meter.create_counter("busy").add(1, {"a": 2})
    create_token_histogram(meter).record(
        1, {"gen_ai.request.model": "m" * 10_000, "gen_ai.token.type": "input"}
    )
    batch = _batch(reader)
    assert len(batch.dropped) == MAX_DROPPED_NAMES and batch.dropped["busy"] == 2
    assert sum(batch.dropped.values()) == MAX_DROPPED_NAMES + 12
    (point,) = batch.points
    assert len(point["model"]) == 256
