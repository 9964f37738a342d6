"""``/v1/metrics`` and ``MetricsService``: the real OTel SDK (MeterProvider, the GenAI instruments util-genai makes)
and the real OTLP metric exporters, HTTP and gRPC, sending to a running collector; ``tracewheel usage --json``
reads back what was stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from _collector_harness import CollectorProcess, running_collector
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as HttpExporter
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    MetricExporter,
    MetricExportResult,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.util.genai.instruments import create_duration_histogram, create_token_histogram
from typer.testing import CliRunner

from tracewheel.cli.main import app

# `python -m tracewheel.collector`: the same server without the CLI's imports, started in a third of the time.
FAST = ("tracewheel.collector",)
DELTA = {Histogram: AggregationTemporality.DELTA, Counter: AggregationTemporality.DELTA}


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    with running_collector(tmp_path_factory.mktemp("home"), ["acme", "globex"], entry=FAST) as proc:
        yield proc


def _http(collector: CollectorProcess, tenant: str, **kwargs: Any) -> HttpExporter:
    return HttpExporter(
        endpoint=f"{collector.http_url}/v1/metrics",
        headers={"authorization": f"Bearer {collector.keys.get(tenant, 'tw_wrong')}"},
        **kwargs,
    )


def _grpc(collector: CollectorProcess, tenant: str, **kwargs: Any) -> GrpcExporter:
    return GrpcExporter(
        endpoint=collector.grpc_target,
        insecure=True,
        headers={"authorization": f"Bearer {collector.keys.get(tenant, 'tw_wrong')}"},
        **kwargs,
    )


def _provider(exporter: MetricExporter, service: str) -> tuple[MeterProvider, PeriodicExportingMetricReader]:
    # A long interval: the test decides when to export (force_flush), as the SDK's timer would.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    return MeterProvider([reader], resource=Resource.create({"service.name": service})), reader


def _call(tokens: Any, durations: Any, model: str, prompt: int, completion: int, seconds: float) -> None:
    """What a GenAI instrumentation records for one chat call (openai-v2's attributes)."""
    common = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.provider.name": "openai",
    }
    durations.record(seconds, attributes=common)
    tokens.record(prompt, attributes={**common, "gen_ai.token.type": "input"})
    tokens.record(completion, attributes={**common, "gen_ai.token.type": "output"})


def _usage(home: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, Any]:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    result = CliRunner().invoke(app, ["usage", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_http_and_grpc_exporters_usage_per_model(
    collector: CollectorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HTTP, gzip, cumulative (the SDK's default): exported twice, the second export repeats the first call's totals.
    provider, reader = _provider(_http(collector, "acme", compression=HttpCompression.Gzip), "agent-http")
    meter = provider.get_meter("opentelemetry.instrumentation.openai_v2")
    tokens, durations = create_token_histogram(meter), create_duration_histogram(meter)
    other = meter.create_counter("http.client.request.count")
    _call(tokens, durations, "gpt-a", 100, 10, 0.30)
    other.add(1, {"http.request.method": "POST"})
    assert reader.force_flush()
    _call(tokens, durations, "gpt-a", 300, 30, 0.50)
    _call(tokens, durations, "gpt-a", 200, 20, 5.0)
    assert reader.force_flush()
    provider.shutdown()
    # gRPC, gzip, delta temporality, another model and a failed call.
    provider, reader = _provider(
        _grpc(collector, "acme", preferred_temporality=DELTA, compression=grpc.Compression.Gzip), "agent-grpc"
    )
    meter = provider.get_meter("opentelemetry.instrumentation.openai_v2")
    tokens, durations = create_token_histogram(meter), create_duration_histogram(meter)
    _call(tokens, durations, "gpt-b", 50, 5, 0.05)
    durations.record(0.02, {"gen_ai.request.model": "gpt-b", "error.type": "RateLimitError"})
    meter.create_histogram("db.client.operation.duration").record(0.1)
    assert reader.force_flush()
    provider.shutdown()

    (acme,) = _usage(collector.home, monkeypatch, "--tenant", "acme")["tenants"]
    by_model = {g["key"]: g for g in acme["groups"]}
    a, b = by_model["gpt-a"], by_model["gpt-b"]
    assert (a["input_tokens"], a["output_tokens"], a["calls"], a["errors"]) == (600, 60, 3, 0)
    assert (b["input_tokens"], b["output_tokens"], b["calls"], b["errors"]) == (50, 5, 2, 1)
    # Durations 0.3, 0.5, 5.0 in the doubling buckets (0.16, 0.32], (0.32, 0.64], (2.56, 5.12]: p50 falls in the
    # middle one, p95 in the top one, clamped to the max seen.
    assert 0.32 <= a["duration_p50_s"] <= 0.64 and 2.56 <= a["duration_p95_s"] <= 5.0
    assert 0.01 <= b["duration_p50_s"] <= 0.08
    assert acme["total"]["input_tokens"] == 650 and acme["total"]["calls"] == 5
    # Other metrics: acknowledged, counted per name (the cumulative counter went out with both flushes and the
    # shutdown), not stored.
    assert acme["dropped_by_metric"] == {"db.client.operation.duration": 1, "http.client.request.count": 3}
    assert acme["dropped_points"] == 4
    # Per tenant: the operator's view lists each tenant apart; no other tenant sees acme's models.
    everyone = _usage(collector.home, monkeypatch)["tenants"]
    assert [t["total"] for t in everyone if t["tenant"] == "acme"] == [acme["total"]]
    assert not any(
        g["key"].startswith("gpt-") for t in everyone if t["tenant"] != "acme" for g in t["groups"]
    )
    by_day = _usage(collector.home, monkeypatch, "--tenant", "acme", "--by", "day")["tenants"][0]
    assert [g["input_tokens"] for g in by_day["groups"]] == [650]


def _metrics_data(service: str = "agent") -> Any:
    reader = InMemoryMetricReader()
    provider = MeterProvider([reader], resource=Resource.create({"service.name": service}))
    tokens = create_token_histogram(provider.get_meter("tests"))
    tokens.record(7, {"gen_ai.request.model": "m", "gen_ai.token.type": "input"})
    return reader.get_metrics_data()


def test_wrong_key_is_refused_on_both_transports(collector: CollectorProcess) -> None:
    data = _metrics_data()
    assert _http(collector, "nobody").export(data) is MetricExportResult.FAILURE
    assert _grpc(collector, "nobody").export(data) is MetricExportResult.FAILURE
    request = ExportMetricsServiceRequest().SerializeToString()
    assert collector.post("/v1/metrics", request, key=None).status_code == 401
    assert collector.post("/v1/metrics", request, key="tw_wrong").status_code == 401
    with grpc.insecure_channel(collector.grpc_target) as channel:
        export = channel.unary_unary("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export")
        with pytest.raises(grpc.RpcError) as refused:
            export(request, metadata=[("authorization", "Bearer tw_wrong")])
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as malformed:
            export(b"\xff\xff\xff", metadata=[("authorization", f"Bearer {collector.keys['globex']}")])
        assert malformed.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_bad_bodies_get_a_400_with_a_reason_and_json_works(collector: CollectorProcess) -> None:
    key = collector.keys["globex"]
    bad = collector.post("/v1/metrics", b"\xff\xff\xff", key=key)
    assert bad.status_code == 400 and bad.content  # a google.rpc.Status with the reason
    bad = collector.post("/v1/metrics", b'{"resourceMetrics": 3}', key=key, content_type="application/json")
    assert bad.status_code == 400 and "OTLP/JSON" in bad.json()["message"]
    assert collector.post("/v1/metrics", b"x", key=key, content_type="text/plain").status_code == 415
    point = {
        "timeUnixNano": "1700000000000000000",
        "count": "1",
        "sum": 42,
        "bucketCounts": ["0", "1"],
        "explicitBounds": [16],
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "m-json"}},
            {"key": "gen_ai.token.type", "value": {"stringValue": "input"}},
        ],
        "exemplars": [
            {"traceId": "4e84f7626d8091d5f0f7030424c51cab", "spanId": "00f067aa0ba902b7", "asInt": "1"}
        ],
    }
    late = {**point, "timeUnixNano": "18446744073709551615"}
    body = {
        "resourceMetrics": [
            {
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "gen_ai.client.token.usage",
                                "histogram": {"aggregationTemporality": 1, "dataPoints": [point, late]},
                            }
                        ]
                    }
                ]
            }
        ]
    }
    ok = collector.post("/v1/metrics", json.dumps(body).encode(), key=key, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["partialSuccess"]["rejectedDataPoints"] == "1"
    assert collector.post("/healthz", b"", key=None).status_code == 200  # still serving
    response = ExportMetricsServiceResponse()
    response.ParseFromString(
        collector.post("/v1/metrics", ExportMetricsServiceRequest().SerializeToString(), key=key).content
    )
    assert response.partial_success.rejected_data_points == 0
