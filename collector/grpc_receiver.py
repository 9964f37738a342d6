"""OTLP/gRPC receiver: ``TraceService/Export``, ``LogsService/Export`` and ``MetricsService/Export`` as grpcio
generic handlers.

The handlers take the raw request bytes (no deserializer) so the validated bytes go to the WAL without a
re-serialization; service and method names come from the opentelemetry-proto descriptors. gzip request
compression is handled by grpcio; ``grpc.max_receive_message_length`` caps the (decompressed) message size.
"""

from __future__ import annotations

import logging
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
from tracewheel.collector import otlp
from tracewheel.collector.ingest import Ingest
from tracewheel.collector.limits import LimitExceeded
from tracewheel.collector.metrics_ingest import MetricsIngest
from tracewheel.collector.metrics_ingest import response as metrics_response
from tracewheel.collector.wal import QueueFull, Signal, WalWriteError

logger = logging.getLogger(__name__)

_PROTOBUF = "application/x-protobuf"


def _tenant(ingest: Ingest, context: grpc.ServicerContext) -> str:
    auth = None
    for key, value in context.invocation_metadata() or ():
        if key.lower() == "authorization":
            auth = value if isinstance(value, str) else value.decode("latin-1")
            break
    tenant = ingest.resolver.resolve_header(auth)
    if tenant is None:
        context.abort(
            grpc.StatusCode.UNAUTHENTICATED,
            "missing or unknown API key (metadata authorization: Bearer <key>)",
        )
    return tenant  # type: ignore[return-value]


def _busy(context: grpc.ServicerContext, message: str, retry_after_s: int) -> None:
    # The Python and Go exporters retry RESOURCE_EXHAUSTED; OTLP says when in a google.rpc.RetryInfo detail (read
    # from the "-bin" trailer), grpc-retry-pushback-ms says it to gRPC's own retry policy.
    info = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=retry_after_s))
    context.set_trailing_metadata(
        (
            ("grpc-retry-pushback-ms", str(retry_after_s * 1000)),
            ("google.rpc.retryinfo-bin", info.SerializeToString()),
        )
    )
    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, message)


def _export(ingest: Ingest, signal: Signal, body: bytes, context: grpc.ServicerContext) -> Any:
    tenant = _tenant(ingest, context)
    try:
        prepared = ingest.prepare(signal, body, _PROTOBUF)
        future = ingest.submit(tenant, prepared)
        if future is not None:
            future.result()
            ingest.acknowledged(tenant, prepared)
    except otlp.OtlpDecodeError as exc:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
    except LimitExceeded as exc:
        _busy(context, str(exc), exc.retry_after_s)
    except QueueFull as exc:
        _busy(context, f"collector is busy ({exc}); retry later", ingest.settings.retry_after_s)
    except WalWriteError as exc:
        _busy(
            context, f"could not store the data durably ({exc}); retry later", ingest.settings.retry_after_s
        )
    v = prepared.validated
    if signal is Signal.TRACES:
        response: Any = trace_service_pb2.ExportTraceServiceResponse()
        if v.rejected:
            response.partial_success.rejected_spans = v.rejected
            response.partial_success.error_message = v.error_message
    else:
        response = logs_service_pb2.ExportLogsServiceResponse()
        if v.rejected:
            response.partial_success.rejected_log_records = v.rejected
            response.partial_success.error_message = v.error_message
    return response


def _export_metrics(metrics: MetricsIngest, body: bytes, context: grpc.ServicerContext) -> Any:
    tenant = _tenant(metrics.ingest, context)
    try:
        batch = metrics.prepare(body, _PROTOBUF)
        metrics.store(tenant, batch, len(body))
    except otlp.OtlpDecodeError as exc:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
    except LimitExceeded as exc:
        _busy(context, str(exc), exc.retry_after_s)
    except WalWriteError as exc:
        _busy(
            context,
            f"could not store the data durably ({exc}); retry later",
            metrics.ingest.settings.retry_after_s,
        )
    return metrics_response(batch)


def _metrics_handler(metrics: MetricsIngest) -> grpc.GenericRpcHandler:
    service = metrics_service_pb2.DESCRIPTOR.services_by_name["MetricsService"]

    def export(body: bytes, context: grpc.ServicerContext) -> Any:
        return _export_metrics(metrics, body, context)

    handler = grpc.unary_unary_rpc_method_handler(
        export,
        request_deserializer=None,
        response_serializer=metrics_service_pb2.ExportMetricsServiceResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(service.full_name, {"Export": handler})


def _service_handler(
    ingest: Ingest, service: Any, signal: Signal, response_type: Any
) -> grpc.GenericRpcHandler:
    method = service.methods_by_name["Export"]

    def export(body: bytes, context: grpc.ServicerContext) -> Any:
        return _export(ingest, signal, body, context)

    handler = grpc.unary_unary_rpc_method_handler(
        export, request_deserializer=None, response_serializer=response_type.SerializeToString
    )
    return grpc.method_handlers_generic_handler(service.full_name, {method.name: handler})


def create_grpc_server(
    ingest: Ingest, host: str, port: int, metrics: MetricsIngest | None = None
) -> tuple[grpc.Server, int]:
    """A started-ready (not yet started) gRPC server bound to ``host:port``; returns it and the bound port.
    ``metrics``: where ``MetricsService/Export`` goes (None: that service is UNIMPLEMENTED)."""
    limit = ingest.settings.max_body_bytes
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=ingest.settings.grpc_workers, thread_name_prefix="otlp-grpc"),
        # Calls past this many in flight are refused with RESOURCE_EXHAUSTED instead of queueing without bound.
        maximum_concurrent_rpcs=ingest.settings.grpc_max_concurrent_rpcs,
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", 4 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
            # A connection must finish its HTTP/2 handshake quickly and may not idle forever (slow clients).
            ("grpc.server_handshake_timeout_ms", int(ingest.settings.header_timeout_s * 1000)),
            ("grpc.max_connection_idle_ms", 5 * 60 * 1000),
        ],
    )
    server.add_generic_rpc_handlers(
        (
            _service_handler(
                ingest,
                trace_service_pb2.DESCRIPTOR.services_by_name["TraceService"],
                Signal.TRACES,
                trace_service_pb2.ExportTraceServiceResponse,
            ),
            _service_handler(
                ingest,
                logs_service_pb2.DESCRIPTOR.services_by_name["LogsService"],
                Signal.LOGS,
                logs_service_pb2.ExportLogsServiceResponse,
            ),
            *([_metrics_handler(metrics)] if metrics is not None else []),
        )
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"could not bind the gRPC receiver to {host}:{port}")
    return server, bound
