"""Realistic GenAI span batches for the ingest benchmark (OTel GenAI semconv, content on)."""

from __future__ import annotations

import json
import os
import random

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

_WORDS = (
    "the weather in paris is sunny and the capital of france is paris so tool call result json "
    "order refund customer account balance invoice shipping address please help me with"
).split()


def _text(rng: random.Random, lo: int, hi: int) -> str:
    n = rng.randint(lo, hi)
    out: list[str] = []
    size = 0
    while size < n:
        w = rng.choice(_WORDS)
        out.append(w)
        size += len(w) + 1
    return " ".join(out)


def _kv(key: str, value: object) -> KeyValue:
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    if isinstance(value, list):
        return KeyValue(
            key=key, value=AnyValue(array_value={"values": [AnyValue(string_value=v) for v in value]})
        )
    return KeyValue(key=key, value=AnyValue(string_value=str(value)))


def genai_batch(
    n_spans: int = 512, seed: int | None = None, service: str = "bench-agent"
) -> ExportTraceServiceRequest:
    """One export request of ``n_spans`` chat spans with input/output messages of a few hundred bytes to a few KB."""
    rng = random.Random(seed)
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.extend(
        [
            _kv("service.name", service),
            _kv("telemetry.sdk.language", "python"),
            _kv("telemetry.sdk.name", "opentelemetry"),
        ]
    )
    ss = rs.scope_spans.add()
    ss.scope.name = "opentelemetry.instrumentation.openai_v2"
    now = 1_795_000_000_000_000_000
    for i in range(n_spans):
        trace_id = os.urandom(16)
        inp = [
            {"role": "system", "parts": [{"type": "text", "content": _text(rng, 40, 200)}]},
            {"role": "user", "parts": [{"type": "text", "content": _text(rng, 100, 1500)}]},
        ]
        out = [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": _text(rng, 50, 1500)}],
                "finish_reason": "stop",
            }
        ]
        span = Span(
            trace_id=trace_id,
            span_id=os.urandom(8),
            name="chat gpt-4o-mini",
            kind=Span.SPAN_KIND_CLIENT,
            start_time_unix_nano=now + i * 1000,
            end_time_unix_nano=now + i * 1000 + 250_000_000,
        )
        span.attributes.extend(
            [
                _kv("gen_ai.operation.name", "chat"),
                _kv("gen_ai.provider.name", "openai"),
                _kv("gen_ai.request.model", "gpt-4o-mini"),
                _kv("gen_ai.request.temperature", 0.2),
                _kv("gen_ai.request.max_tokens", 256),
                _kv("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
                _kv("gen_ai.response.id", f"chatcmpl-{rng.getrandbits(48):012x}"),
                _kv("gen_ai.response.finish_reasons", ["stop"]),
                _kv("gen_ai.usage.input_tokens", rng.randint(20, 900)),
                _kv("gen_ai.usage.output_tokens", rng.randint(10, 600)),
                _kv("gen_ai.conversation.id", f"conv-{rng.getrandbits(32):08x}"),
                _kv("gen_ai.input.messages", json.dumps(inp)),
                _kv("gen_ai.output.messages", json.dumps(out)),
                _kv("server.address", "api.openai.com"),
                _kv("server.port", 443),
            ]
        )
        ss.spans.append(span)
    return request
