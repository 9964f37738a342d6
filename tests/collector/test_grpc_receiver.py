"""collector/grpc_receiver.py through a real collector subprocess and the real gRPC exporters."""

from __future__ import annotations

import grpc
import pytest
from _collector_harness import CollectorProcess, make_trace_request, span_ids
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    proc = CollectorProcess(tmp_path_factory.mktemp("home"))
    proc.add_tenant("acme")
    proc.start()
    yield proc
    proc.stop()


def _stub(col, service=trace_service_pb2_grpc.TraceServiceStub):
    channel = grpc.insecure_channel(col.grpc_target)
    return channel, service(channel)


def test_sdk_grpc_exporter_with_gzip_and_bearer_metadata(col, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{col.grpc_target}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {col.keys['acme']}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(insecure=True)))
    with provider.get_tracer("t").start_as_current_span("execute_tool get_weather") as span:
        span.set_attribute("tracewheel.tenant", "globex")  # never trusted
    provider.shutdown()
    sid = f"{span.get_span_context().span_id:016x}"
    rows = [r for r in col.spans() if r["span_id"] == sid]
    assert [(r["tenant"], r["name"]) for r in rows] == [("acme", "execute_tool get_weather")]


def test_sdk_grpc_log_exporter(col, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {col.keys['acme']}")
    provider = LoggerProvider()
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"http://{col.grpc_target}", insecure=True))
    )
    provider.get_logger("t").emit(event_name="gen_ai.client.inference.operation.details", body={"k": "v"})
    provider.shutdown()
    rows = col.table("logs").to_pylist()
    assert [(r["tenant"], r["event_name"], r["body"]) for r in rows] == [
        ("acme", "gen_ai.client.inference.operation.details", '{"k":"v"}')
    ]


def test_unauthenticated_and_nothing_stored(col):
    channel, stub = _stub(col)
    request = make_trace_request(2)
    for metadata in [(), (("authorization", "Bearer tw_nope"),)]:
        with pytest.raises(grpc.RpcError) as info:
            stub.Export(request, metadata=metadata, timeout=10)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    channel.close()
    assert span_ids(request).isdisjoint(r["span_id"] for r in col.spans())


def test_partial_success_and_invalid_argument(col):
    channel, stub = _stub(col)
    metadata = (("authorization", f"Bearer {col.keys['acme']}"),)
    request = make_trace_request(2)
    request.resource_spans[0].scope_spans[0].spans.add(trace_id=b"\x01" * 16, span_id=b"\x01" * 3, name="bad")
    response = stub.Export(request, metadata=metadata, timeout=10, compression=grpc.Compression.Gzip)
    assert response.partial_success.rejected_spans == 1
    assert "invalid span_id" in response.partial_success.error_message

    raw = channel.unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        request_serializer=None,
        response_deserializer=None,
    )
    with pytest.raises(grpc.RpcError) as info:
        raw(b"\x0a\xff\xff\xff\xff\x0f", metadata=metadata, timeout=10)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # Still serving.
    assert (
        stub.Export(make_trace_request(1), metadata=metadata, timeout=10).partial_success.rejected_spans == 0
    )
    logs = logs_service_pb2_grpc.LogsServiceStub(channel)
    assert logs.Export(logs_service_pb2.ExportLogsServiceRequest(), metadata=metadata, timeout=10) is not None
    channel.close()


def test_oversized_and_gzip_bomb_messages_are_refused(col):
    channel, stub = _stub(col)
    metadata = (("authorization", f"Bearer {col.keys['acme']}"),)
    request = make_trace_request(1, extra_attrs={"pad": "\0" * (33 * 1024 * 1024)})  # over max_body_bytes
    for compression in (None, grpc.Compression.Gzip):  # gzip: ~33 KiB on the wire, 33 MiB inflated
        with pytest.raises(grpc.RpcError) as info:
            stub.Export(request, metadata=metadata, timeout=30, compression=compression)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (
        stub.Export(make_trace_request(1), metadata=metadata, timeout=10).partial_success.rejected_spans == 0
    )
    channel.close()
