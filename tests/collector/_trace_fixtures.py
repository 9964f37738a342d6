"""Trace fixtures for the normalization/store/CLI tests: the recorded OTLP samples, OTLP/JSON builders for
handmade spans and log records, and helpers that put requests into the store the way the collector does
(WAL records -> ``segments.flush_segment`` Parquet, or left in the WAL as acknowledged-but-unflushed)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from tracewheel.collector import segments, wal
from tracewheel.collector.otlp import log_rows, parse_logs_request, parse_trace_request, span_rows
from tracewheel.collector.wal import Signal, WalRecord

SAMPLES = Path("/work/shared/otel-samples")
JSON = "application/json"
T0 = 1_795_388_603_000_000_000  # 2026-11-22T23:03:23Z, the samples' own capture time


def any_value(value: Any) -> dict[str, Any]:
    """A plain value as an OTLP/JSON AnyValue."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": any_value(v)} for k, v in value.items()]}}
    if value is None:
        return {}
    return {"stringValue": str(value)}


def kvs(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": any_value(v)} for k, v in attrs.items()]


def span(
    trace_id: str,
    span_id: str,
    name: str,
    start: int,
    end: int,
    attrs: dict[str, Any],
    parent: str | None = None,
    status: tuple[int, str] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        "attributes": kvs(attrs),
    }
    if parent:
        out["parentSpanId"] = parent
    if status:
        out["status"] = {"code": status[0], "message": status[1]}
    if events:
        out["events"] = [
            {
                "name": e["name"],
                "timeUnixNano": str(e.get("time", start)),
                "attributes": kvs(e.get("attributes", {})),
            }
            for e in events
        ]
    return out


def trace_body(service: str, spans: list[dict[str, Any]], scope: str = "tests.handmade") -> bytes:
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": kvs({"service.name": service})},
                "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
            }
        ]
    }
    return json.dumps(doc).encode()


def log_record(
    trace_id: str | None,
    span_id: str | None,
    event_name: str,
    attrs: dict[str, Any],
    body: Any = None,
    time: int = T0,
) -> dict[str, Any]:
    out: dict[str, Any] = {"timeUnixNano": str(time), "eventName": event_name, "attributes": kvs(attrs)}
    if trace_id:
        out["traceId"] = trace_id
    if span_id:
        out["spanId"] = span_id
    if body is not None:
        out["body"] = any_value(body)
    return out


def logs_body(service: str, records: list[dict[str, Any]], scope: str = "tests.handmade") -> bytes:
    doc = {
        "resourceLogs": [
            {
                "resource": {"attributes": kvs({"service.name": service})},
                "scopeLogs": [{"scope": {"name": scope}, "logRecords": records}],
            }
        ]
    }
    return json.dumps(doc).encode()


# --- the recorded samples ----------------------------------------------------------------------------------------


def sample_body(label: str) -> bytes:
    """The OTLP/JSON export of one sample (``openinference_default``, ``traceloop_default``, ...)."""
    path = SAMPLES / f"{label}.otlp.json"
    if path.exists():
        return path.read_bytes()
    # Only the flattened form was captured for this one: rebuild the wire form from it.
    flat = json.loads((SAMPLES / f"{label}.json").read_text())
    spans = [
        span(
            s["trace_id"],
            s["span_id"],
            s["name"],
            T0 + i * 1000,
            T0 + i * 1000 + 500,
            s["attributes"],
            parent=s["parent_span_id"],
        )
        for i, s in enumerate(flat["spans"])
    ]
    return trace_body("sample-" + label, spans, scope=flat["spans"][0]["scope"])


def sample_logs_body(label: str) -> bytes:
    """The sample's captured log records (the details events) as an OTLP/JSON logs export."""
    flat = json.loads((SAMPLES / f"{label}.json").read_text())
    trace_of = {s["span_id"]: s["trace_id"] for s in flat["spans"]}
    records = [
        log_record(trace_of[r["span_id"]], r["span_id"], r["event_name"], r["attributes"], r.get("body"))
        for r in flat["log_records"]
    ]
    return logs_body("feas-genai", records, scope="opentelemetry.util.genai.handler")


def sample_flat(label: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{label}.json").read_text())


def rows_by_trace(body: bytes, tenant: str = "acme", received: int = T0) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in span_rows(parse_trace_request(body, JSON), tenant, received):
        out[row["trace_id"]].append(row)
    return dict(out)


def log_rows_of(body: bytes, tenant: str = "acme", received: int = T0) -> list[dict[str, Any]]:
    return log_rows(parse_logs_request(body, JSON), tenant, received)


# --- a multi-step agent run -------------------------------------------------------------------------------------

AGENT_TRACE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
ROOT, CHAT1, TOOL1, CHAT2, TOOL2, CHAT3 = (f"{i:016x}" for i in range(0x1001, 0x1007))
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
AGENT_ADAPTER = "acme-sft-0003"
AGENT_FINAL = "It is sunny and 21 C in Paris; I could not get the local time."
# The roles of the agent run's messages in order: two tool round trips between system/user and the final answer.
AGENT_ROLES = ["system", "user", "assistant", "tool", "assistant", "tool", "assistant"]
TIME_TOOL = {"type": "function", "name": "local_time", "parameters": {"type": "object", "properties": {}}}


def _text(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


def _call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "parts": [{"type": "tool_call", "id": call_id, "name": name, "arguments": args}],
    }


def _result(call_id: str, response: Any) -> dict[str, Any]:
    return {"role": "tool", "parts": [{"type": "tool_call_response", "id": call_id, "response": response}]}


def agent_spans() -> dict[str, list[dict[str, Any]]]:
    """invoke_agent -> chat -> execute_tool -> chat -> execute_tool (fails) -> chat, spread over two services.

    Every chat span's input repeats the whole history so far, as real instrumentations do.
    """
    ms = 1_000_000
    t, user = AGENT_TRACE, _text("user", "Weather and local time in Paris?")
    call1 = _call("call_1", "get_weather", {"city": "Paris"})
    res1 = _result("call_1", {"temp_c": 21, "sky": "sunny"})
    call2 = _call("call_2", "local_time", {})
    res2 = _result("call_2", "error: timed out")
    final = AGENT_FINAL
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "qwen-tiny",
        "gen_ai.provider.name": "openai",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "You are a weather bot."}]),
        "gen_ai.tool.definitions": json.dumps([WEATHER_TOOL, TIME_TOOL]),
        "tracewheel.adapter": AGENT_ADAPTER,
    }
    agent_svc = [
        span(
            t,
            ROOT,
            "invoke_agent weather-bot",
            T0,
            T0 + 100 * ms,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "weather-bot",
                "gen_ai.conversation.id": "conv-42",
                "gen_ai.usage.input_tokens": 9999,
                "gen_ai.usage.output_tokens": 9999,
                "tracewheel.task": "weather",
                "tracewheel.expected": "sunny",
                "tracewheel.tenant": "evil-other-tenant",
                "gen_ai.input.messages": json.dumps([user]),
                "gen_ai.output.messages": json.dumps([_text("assistant", final)]),
            },
        ),
        span(
            t,
            TOOL1,
            "execute_tool get_weather",
            T0 + 31 * ms,
            T0 + 40 * ms,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "call_1",
                "gen_ai.tool.call.arguments": {"city": "Paris"},
                "gen_ai.tool.call.result": json.dumps({"temp_c": 21, "sky": "sunny"}),
            },
            parent=ROOT,
        ),
        span(
            t,
            TOOL2,
            "execute_tool local_time",
            T0 + 61 * ms,
            T0 + 70 * ms,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "local_time",
                "error.type": "TimeoutError",
            },
            parent=ROOT,
            status=(2, "timed out"),
            events=[{"name": "exception", "attributes": {"exception.type": "TimeoutError"}}],
        ),
    ]
    llm_svc = [
        span(
            t,
            CHAT1,
            "chat qwen-tiny",
            T0 + 1 * ms,
            T0 + 30 * ms,
            {
                **chat,
                "gen_ai.input.messages": json.dumps([user]),
                "gen_ai.output.messages": json.dumps([{**call1, "finish_reason": "tool_calls"}]),
                "gen_ai.response.finish_reasons": ["tool_calls"],
                "gen_ai.usage.input_tokens": 50,
                "gen_ai.usage.output_tokens": 10,
            },
            parent=ROOT,
        ),
        span(
            t,
            CHAT2,
            "chat qwen-tiny",
            T0 + 41 * ms,
            T0 + 60 * ms,
            {
                **chat,
                "gen_ai.input.messages": json.dumps([user, call1, res1]),
                "gen_ai.output.messages": json.dumps([{**call2, "finish_reason": "tool_calls"}]),
                "gen_ai.response.finish_reasons": ["tool_calls"],
                "gen_ai.usage.input_tokens": 80,
                "gen_ai.usage.output_tokens": 8,
            },
            parent=ROOT,
        ),
        span(
            t,
            CHAT3,
            "chat qwen-tiny",
            T0 + 71 * ms,
            T0 + 99 * ms,
            {
                **chat,
                "gen_ai.input.messages": json.dumps([user, call1, res1, call2, res2]),
                "gen_ai.output.messages": json.dumps(
                    [{**_text("assistant", final), "finish_reason": "stop"}]
                ),
                "gen_ai.response.finish_reasons": ["stop"],
                "gen_ai.response.model": "qwen-tiny-0001",
                "gen_ai.usage.input_tokens": 120,
                "gen_ai.usage.output_tokens": 20,
            },
            parent=ROOT,
        ),
    ]
    return {"agent-api": agent_svc, "llm-proxy": llm_svc}


def agent_batches(seed: int, batches: int = 4) -> list[bytes]:
    """The agent run's six spans shuffled into ``batches`` OTLP/JSON exports, each from one service."""
    rng = random.Random(seed)
    items = [(service, s) for service, spans in agent_spans().items() for s in spans]
    rng.shuffle(items)
    out = []
    for i in range(batches):
        chunk = items[i::batches]
        by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for service, s in chunk:
            by_service[service].append(s)
        for service, spans in by_service.items():
            out.append(trace_body(service, spans))
    rng.shuffle(out)
    return out


# --- putting data into a store ------------------------------------------------------------------------------------


def trace_record(body: bytes, tenant: str, received: int) -> WalRecord:
    return WalRecord(Signal.TRACES, tenant, received, parse_trace_request(body, JSON).SerializeToString())


def logs_record(body: bytes, tenant: str, received: int) -> WalRecord:
    return WalRecord(Signal.LOGS, tenant, received, parse_logs_request(body, JSON).SerializeToString())


def feedback_record(tenant: str, received: int, **item: Any) -> WalRecord:
    doc = {
        "trace_id": item.pop("trace_id"),
        "score": None,
        "thumb": None,
        "comment": None,
        "corrected_answer": None,
        **item,
    }
    return WalRecord(Signal.FEEDBACK, tenant, received, json.dumps(doc).encode())


def flush(traces_dir: Path, seq: int, records: list[WalRecord]) -> list[Path]:
    """Write records as Parquet segments exactly as the collector's flusher does."""
    return segments.flush_segment(traces_dir, seq, records)


def leave_in_wal(traces_dir: Path, seq: int, records: list[WalRecord]) -> Path:
    """Write records as an acknowledged, not yet flushed WAL segment (what a running collector holds)."""
    directory = wal.wal_dir(traces_dir)
    directory.mkdir(parents=True, exist_ok=True)
    path = wal.segment_path(directory, seq)
    with open(path, "ab") as f:
        for r in records:
            f.write(wal.encode_record(r.signal, r.tenant, r.received_at_unix_nano, r.payload))
    return path
