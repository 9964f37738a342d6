"""The server's own spans: one SERVER span per chat completion, in the current OTel GenAI conventions.

The app owns its ``TracerProvider`` (never the global one: a process may run several apps, and tests capture
spans with an in-memory exporter handed to ``create_app``). Export is OTLP/HTTP, configured by the standard
``OTEL_EXPORTER_OTLP_*`` variables and only when an endpoint is set. Each span goes to the collector with the API key
of the tenant whose request it records, so it lands in that tenant's traces; when the operator set an
``authorization`` header in ``OTEL_EXPORTER_OTLP_HEADERS`` (or ``..._TRACES_HEADERS``), that one credential is used
for every span instead (a single-tenant deployment).

A request carrying a W3C ``traceparent`` gets a span in the client's trace, as a child of the client's span; the
collector then merges the client's and the server's span of one model call into one turn.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from tracewheel.collector import semconv as sc
from tracewheel.serving.protocol import ChatCompletionRequest, ChatMessage

logger = logging.getLogger(__name__)

PROVIDER = "tracewheel"
SERVICE_NAME = "tracewheel-serve"
TRACEWHEEL_CANARY = "tracewheel.canary"
"""Whether the request was the canary candidate's share of the main alias."""
_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_HEADER_VARS = ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
_PROPAGATOR = TraceContextTextMapPropagator()


def otlp_configured(environ: Mapping[str, str] = os.environ) -> bool:
    return any(environ.get(v) for v in _ENDPOINT_VARS)


def _env_has_authorization(environ: Mapping[str, str] = os.environ) -> bool:
    for var in _HEADER_VARS:
        for pair in environ.get(var, "").split(","):
            if pair.partition("=")[0].strip().lower() == "authorization":
                return True
    return False


class _PerTenantExport(SpanProcessor):
    """Batches each tenant's spans to an OTLP exporter carrying that tenant's key."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._processors: dict[str, BatchSpanProcessor] = {}
        self._lock = threading.Lock()

    def remember(self, tenant: str, api_key: str) -> None:
        self._keys[tenant] = api_key

    def _processor(self, tenant: str) -> BatchSpanProcessor | None:
        key = self._keys.get(tenant)
        if key is None:
            return None
        with self._lock:
            processor = self._processors.get(key)
            if processor is None:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                processor = BatchSpanProcessor(OTLPSpanExporter(headers={"authorization": f"Bearer {key}"}))
                self._processors[key] = processor
            return processor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        tenant = (span.attributes or {}).get(sc.TRACEWHEEL_TENANT)
        processor = self._processor(str(tenant)) if tenant else None
        if processor is not None:
            processor.on_end(span)

    def shutdown(self) -> None:
        for processor in list(self._processors.values()):
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in list(self._processors.values()))


class ServerTracing:
    """The app's tracer provider and the GenAI attributes of its chat spans."""

    def __init__(self, exporter: SpanExporter | None = None, environ: Mapping[str, str] = os.environ) -> None:
        self.provider = TracerProvider(resource=Resource.create({sc.SERVICE_NAME: SERVICE_NAME}))
        self._per_tenant: _PerTenantExport | None = None
        if exporter is not None:
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        if otlp_configured(environ):
            if _env_has_authorization(environ):
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                self.provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            else:
                self._per_tenant = _PerTenantExport()
                self.provider.add_span_processor(self._per_tenant)
        self.tracer: Tracer = self.provider.get_tracer("tracewheel.serving")

    def remember_key(self, tenant: str, api_key: str) -> None:
        """The key this tenant's spans are exported with (the one its latest request used)."""
        if self._per_tenant is not None:
            self._per_tenant.remember(tenant, api_key)

    def start_chat_span(self, headers: Mapping[str, str], model: str) -> Span:
        parent = _PROPAGATOR.extract(carrier=dict(headers))
        span = self.tracer.start_span(f"chat {model}", context=parent, kind=SpanKind.SERVER)
        assert isinstance(span, Span)
        return span

    def shutdown(self) -> None:
        self.provider.shutdown()


# --- GenAI attributes ---------------------------------------------------------------------------------------------


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _call_parts(tool_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            sc.KEY_TYPE: sc.PART_TOOL_CALL,
            sc.KEY_ID: call.get("id"),
            sc.KEY_NAME: call["function"]["name"],
            sc.KEY_ARGUMENTS: _arguments(call["function"].get("arguments")),
        }
        for call in tool_calls
    ]


def _input_message(message: ChatMessage) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if message.role == "tool":
        parts.append(
            {
                sc.KEY_TYPE: sc.PART_TOOL_CALL_RESPONSE,
                sc.KEY_ID: message.tool_call_id,
                sc.KEY_RESPONSE: _text(message.content),
            }
        )
    else:
        if _text(message.content):
            parts.append({sc.KEY_TYPE: sc.PART_TEXT, sc.KEY_CONTENT: _text(message.content)})
        if message.tool_calls:
            parts.extend(_call_parts([c.model_dump() for c in message.tool_calls]))
    return {sc.KEY_ROLE: message.role, sc.KEY_PARTS: parts}


def request_attributes(
    request: ChatCompletionRequest, *, tenant: str, adapter: str, canary: bool
) -> dict[str, Any]:
    system = [m for m in request.messages if m.role in ("system", "developer")]
    others = [m for m in request.messages if m.role not in ("system", "developer")]
    attributes: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: PROVIDER,
        sc.GEN_AI_REQUEST_MODEL: request.model,
        sc.GEN_AI_INPUT_MESSAGES: json.dumps([_input_message(m) for m in others], ensure_ascii=False),
        sc.TRACEWHEEL_ADAPTER: adapter,
        sc.TRACEWHEEL_TENANT: tenant,
        TRACEWHEEL_CANARY: canary,
    }
    if system:
        instructions = [{sc.KEY_TYPE: sc.PART_TEXT, sc.KEY_CONTENT: _text(m.content)} for m in system]
        attributes[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = json.dumps(instructions, ensure_ascii=False)
    if request.tools:
        definitions = [
            {"type": "function", **t.function.model_dump(exclude_none=True)} for t in request.tools
        ]
        attributes[sc.GEN_AI_TOOL_DEFINITIONS] = json.dumps(definitions, ensure_ascii=False)
    if request.user:
        attributes[sc.USER_ID] = request.user
    return attributes


def output_message(
    content: str | None, tool_calls: list[dict[str, Any]] | None, finish: str
) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if content:
        parts.append({sc.KEY_TYPE: sc.PART_TEXT, sc.KEY_CONTENT: content})
    parts.extend(_call_parts(tool_calls or []))
    return {sc.KEY_ROLE: "assistant", sc.KEY_PARTS: parts, sc.KEY_FINISH_REASON: finish}


def finish_span(
    span: Span,
    *,
    model: str,
    outputs: list[dict[str, Any]],
    input_tokens: int | None,
    output_tokens: int | None,
    error: Exception | None = None,
) -> None:
    span.set_attribute(sc.GEN_AI_RESPONSE_MODEL, model)
    if outputs:
        span.set_attribute(sc.GEN_AI_OUTPUT_MESSAGES, json.dumps(outputs, ensure_ascii=False))
        span.set_attribute(sc.GEN_AI_RESPONSE_FINISH_REASONS, [o[sc.KEY_FINISH_REASON] for o in outputs])
    if input_tokens is not None:
        span.set_attribute(sc.GEN_AI_USAGE_INPUT_TOKENS, input_tokens)
    if output_tokens is not None:
        span.set_attribute(sc.GEN_AI_USAGE_OUTPUT_TOKENS, output_tokens)
    if error is not None:
        span.set_attribute(sc.ERROR_TYPE, type(error).__name__)
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, str(error)))
    span.end()
