"""collector/http_receiver.py through a real collector subprocess: formats, auth, limits, errors, disk full."""

from __future__ import annotations

import gzip
import resource
import signal

import httpx
import orjson
import pytest
from _collector_harness import (
    SAMPLES,
    CollectorProcess,
    make_trace_request,
    sample_paths,
    span_ids,
    wait_for,
)
from google.rpc import status_pb2
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tracewheel.collector.tenants import create_tenant

LIMIT = 1024 * 1024


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    proc = CollectorProcess(
        tmp_path_factory.mktemp("home"), env={"TRACEWHEEL_COLLECTOR__MAX_BODY_BYTES": str(LIMIT)}
    )
    proc.add_tenant("acme")
    proc.start()
    yield proc
    proc.stop()


def _stored(col, ids: set[str]) -> set[str]:
    return {r["span_id"] for r in col.spans("acme")} & ids


def test_real_sdk_exporter_with_standard_env_vars(col, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.http_url)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {col.keys['acme']}")
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-agent"}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(compression=Compression.Gzip)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent") as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        with tracer.start_as_current_span("chat gpt-4o-mini") as child:
            child.set_attribute("gen_ai.input.messages", '[{"role":"user","parts":[]}]')
    provider.shutdown()
    trace_id = f"{root.get_span_context().trace_id:032x}"
    rows = [r for r in col.spans("acme") if r["trace_id"] == trace_id]
    assert sorted(r["name"] for r in rows) == ["chat gpt-4o-mini", "invoke_agent"]
    child_row = next(r for r in rows if r["name"].startswith("chat"))
    assert child_row["parent_span_id"] == f"{root.get_span_context().span_id:016x}"
    assert child_row["service_name"] == "sdk-agent"


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_real_captures_as_otlp_json_plain_and_gzip(col, path):
    body = path.read_bytes()
    ids = {
        s["spanId"]
        for rs in orjson.loads(body)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for s in ss["spans"]
    }
    r = col.post("/v1/traces", body, col.keys["acme"], content_type="application/json")
    assert r.status_code == 200 and r.json() == {}
    r = col.post(
        "/v1/traces", gzip.compress(body), col.keys["acme"], "application/json", content_encoding="gzip"
    )
    assert r.status_code == 200
    assert _stored(col, ids) == ids


def test_protobuf_partial_success_keeps_valid_spans(col):
    request = make_trace_request(3)
    bad = (
        request.resource_spans[0]
        .scope_spans[0]
        .spans.add(trace_id=bytes(16), span_id=b"\x01" * 8, name="x", start_time_unix_nano=1)
    )
    r = col.post("/v1/traces", request.SerializeToString(), col.keys["acme"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-protobuf"
    response = ExportTraceServiceResponse.FromString(r.content)
    assert response.partial_success.rejected_spans == 1
    assert "invalid trace_id" in response.partial_success.error_message
    good = span_ids(request) - {bad.span_id.hex()}
    assert _stored(col, span_ids(request)) == good


def test_json_partial_success_shape(col):
    doc = orjson.loads((SAMPLES / "traceloop_default.otlp.json").read_bytes())
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = "not-hex"
    r = col.post("/v1/traces", orjson.dumps(doc), col.keys["acme"], content_type="application/json")
    assert r.status_code == 200
    assert r.json()["partialSuccess"]["rejectedSpans"] == "1"


@pytest.mark.parametrize("auth", [None, "Bearer tw_unknown", "Bearer", "Basic abc"])
def test_missing_or_unknown_key_is_401_and_nothing_is_stored(col, auth):
    request = make_trace_request(2)
    headers = {} if auth is None else {"authorization": auth}
    r = col.post("/v1/traces", request.SerializeToString(), None, **headers)
    assert r.status_code == 401
    assert status_pb2.Status.FromString(r.content).code == 16
    assert _stored(col, span_ids(request)) == set()


def test_healthz_needs_no_auth_and_routes_are_checked(col):
    assert httpx.get(f"{col.http_url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{col.http_url}/v1/traces").status_code == 405
    assert httpx.post(f"{col.http_url}/v2/nope").status_code == 404


def test_bad_input_is_rejected_and_the_server_keeps_serving(col):
    key = col.keys["acme"]
    assert col.post("/v1/traces", b"\x0a\xff\xff\xff\xff\x0f", key).status_code == 400
    assert col.post("/v1/traces", b"{oops", key, content_type="application/json").status_code == 400
    assert (
        col.post("/v1/traces", b"junk", key, "application/x-protobuf", content_encoding="gzip").status_code
        == 400
    )
    assert col.post("/v1/traces", b"{}", key, content_type="text/plain").status_code == 415
    assert (
        col.post("/v1/traces", b"{}", key, content_type="application/json", content_encoding="br").status_code
        == 415
    )
    truncated = gzip.compress(make_trace_request(1).SerializeToString())[:-12]
    assert col.post("/v1/traces", truncated, key, content_encoding="gzip").status_code == 400
    request = make_trace_request(1)
    assert col.post("/v1/traces", request.SerializeToString(), key).status_code == 200
    assert _stored(col, span_ids(request)) == span_ids(request)


def test_oversized_bodies_and_gzip_bombs_get_413(col):
    key = col.keys["acme"]
    assert col.post("/v1/traces", b"\x00" * (LIMIT + 1), key).status_code == 413
    bomb = gzip.compress(b"\x00" * (200 * LIMIT), compresslevel=9)  # 200 MiB inflated, ~200 KiB on the wire
    assert len(bomb) < LIMIT
    assert col.post("/v1/traces", bomb, key, content_encoding="gzip").status_code == 413
    # Chunked upload without Content-Length is capped while streaming too.
    r = httpx.post(
        f"{col.http_url}/v1/traces",
        content=iter([b"\x00" * 65536] * 40),
        headers={"authorization": f"Bearer {key}", "content-type": "application/x-protobuf"},
    )
    assert r.status_code == 413
    assert httpx.get(f"{col.http_url}/healthz").status_code == 200


def test_logs_endpoint_stores_log_records(col):
    doc = {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
                "scopeLogs": [
                    {
                        "logRecords": [
                            {
                                "timeUnixNano": "1795388606024029569",
                                "traceId": "4e84f7626d8091d5f0f7030424c51cab",
                                "spanId": "aec4f6b97536bc50",
                                "eventName": "gen_ai.client.inference.operation.details",
                                "body": {"stringValue": "hello"},
                            }
                        ]
                    }
                ],
            }
        ]
    }
    r = col.post("/v1/logs", orjson.dumps(doc), col.keys["acme"], content_type="application/json")
    assert r.status_code == 200
    rows = col.table("logs").to_pylist()
    assert [(r["tenant"], r["event_name"], r["body"], r["span_id"]) for r in rows] == [
        ("acme", "gen_ai.client.inference.operation.details", '"hello"', "aec4f6b97536bc50")
    ]


def test_tenant_created_while_running_is_accepted(col):
    key = create_tenant(col.home / "tenants.json", "latecomer").api_key
    request = make_trace_request(1)
    assert col.post("/v1/traces", request.SerializeToString(), key).status_code == 200
    assert {r["span_id"] for r in col.spans("latecomer")} == span_ids(request)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing us
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_answers_503_with_retry_after_and_never_acks_a_drop(tmp_path):
    """A real write failure from the kernel (RLIMIT_FSIZE -> EFBIG on the WAL), not a mock."""
    home = tmp_path / "home"
    home.mkdir()
    proc = CollectorProcess(
        home, env={"TRACEWHEEL_COLLECTOR__FLUSH_INTERVAL_S": "3600"}, preexec_fn=_limit_file_size(256 * 1024)
    )
    key = proc.add_tenant("acme")
    proc.start()
    acked: set[str] = set()
    refused = 0
    try:
        for _ in range(60):
            request = make_trace_request(20, extra_attrs={"pad": "x" * 400})
            r = proc.post("/v1/traces", request.SerializeToString(), key)
            assert r.status_code in (200, 503), r.text
            if r.status_code == 200:
                acked |= span_ids(request)
            else:
                refused += 1
                assert r.headers["retry-after"] == "2"
        assert refused > 0 and acked
        assert httpx.get(f"{proc.http_url}/healthz").status_code == 200
    finally:
        proc.kill()
    # Restart without the limit: every acknowledged span is there.
    proc = CollectorProcess(home)
    proc.start()
    try:
        assert wait_for(lambda: acked <= {r["span_id"] for r in proc.spans("acme")})
    finally:
        proc.stop()


def test_queue_over_its_bound_answers_503(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    proc = CollectorProcess(
        home,
        env={
            "TRACEWHEEL_COLLECTOR__FLUSH_INTERVAL_S": "3600",
            "TRACEWHEEL_COLLECTOR__MAX_QUEUE_BYTES": "65536",
        },
    )
    key = proc.add_tenant("acme")
    proc.start()
    try:
        statuses = [
            proc.post(
                "/v1/traces", make_trace_request(10, extra_attrs={"pad": "x" * 500}).SerializeToString(), key
            )
            for _ in range(30)
        ]
        codes = [r.status_code for r in statuses]
        assert 200 in codes and 503 in codes and set(codes) <= {200, 503}
        assert all(r.headers.get("retry-after") for r in statuses if r.status_code == 503)
    finally:
        proc.stop()


def test_a_second_collector_on_the_same_home_is_refused(col):
    import subprocess
    import sys

    second = subprocess.run(
        [sys.executable, "-m", "tracewheel", "collector", "--http-port", "0", "--grpc-port", "0"],
        env=col.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "another collector" in second.stderr
    assert httpx.get(f"{col.http_url}/healthz").status_code == 200


def test_a_dead_flusher_is_restarted(col):
    import os
    import signal as sig

    import psutil

    (flusher,) = [
        p
        for p in psutil.Process(col.proc.pid).children()
        if "tracewheel.collector.flusher" in " ".join(p.cmdline())
    ]
    os.kill(flusher.pid, sig.SIGKILL)
    request = make_trace_request(2)
    assert col.post("/v1/traces", request.SerializeToString(), col.keys["acme"]).status_code == 200
    # The new flusher picks the spans up from the WAL into Parquet.
    assert wait_for(
        lambda: (
            span_ids(request)
            <= {r["span_id"] for f in col.traces_dir.glob("spans/tenant=acme/*/*.parquet") for r in _read(f)}
        ),
        timeout=20,
    )


def _read(path):
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).read(columns=["span_id"]).to_pylist()
