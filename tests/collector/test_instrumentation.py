"""Episodes from traces the real instrumentation packages emit: the openai client calls a tiny OpenAI-compatible
server (Starlette on a free port, canned completions incl. a tool call), instrumented by
opentelemetry-instrumentation-openai-v2 (+ util-genai) or openinference-instrumentation-openai; spans and log
records go through the OTLP protobuf encoders the OTLP exporters use, then into normalization."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest
import uvicorn
from _tool_specs import function_tool
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Episode
from tracewheel.collector.normalize import normalize_trace
from tracewheel.collector.otlp import log_rows, span_rows

WEATHER_TOOL = function_tool("get_weather", "Weather for a city", "city")


@dataclass
class FakeLLM:
    """Canned chat completions; records what it answered so tests compare against it, not against constants."""

    port: int = 0
    answers: list[dict[str, Any]] = field(default_factory=list)

    async def chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        n = len(self.answers)
        if body.get("tools") and body["messages"][-1]["role"] != "tool":
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{n}",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})},
                    }
                ],
            }
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": f"Sunny and 21 C in Paris (answer {n})."}
            finish = "stop"
        answer = {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": 1,
            "model": body["model"] + "-0001",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10 + 7 * n, "completion_tokens": 3 + n, "total_tokens": 13 + 8 * n},
        }
        self.answers.append(answer)
        return JSONResponse(answer)


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        fake.port = s.getsockname()[1]
    app = Starlette(routes=[Route("/v1/chat/completions", fake.chat, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=fake.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield fake
    server.should_exit = True
    thread.join(timeout=5)


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    spans: InMemorySpanExporter
    logs: InMemoryLogRecordExporter

    def rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """What the collector would store for these exports (same protobuf the OTLP exporters send)."""
        spans = span_rows(encode_spans(self.spans.get_finished_spans()), "acme", time.time_ns())
        records = self.logs.get_finished_logs()
        logs = log_rows(encode_logs(records), "acme", time.time_ns()) if records else []
        return spans, logs


@pytest.fixture
def telemetry() -> Telemetry:
    resource = Resource.create({"service.name": "weather-agent"})
    tp = TracerProvider(resource=resource)
    spans = InMemorySpanExporter()
    tp.add_span_processor(SimpleSpanProcessor(spans))
    lp = LoggerProvider(resource=resource)
    logs = InMemoryLogRecordExporter()
    lp.add_log_record_processor(SimpleLogRecordProcessor(logs))
    return Telemetry(tp, lp, spans, logs)


def run_agent(llm: FakeLLM, telemetry: Telemetry) -> None:
    """invoke_agent -> chat (asks for the tool) -> execute_tool -> chat (answers), like an agent framework does."""
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{llm.port}/v1", api_key="test", max_retries=0)
    tracer = telemetry.tracer_provider.get_tracer("tests.agent")
    with tracer.start_as_current_span(
        "invoke_agent weather",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
            sc.GEN_AI_AGENT_NAME: "weather",
            sc.TRACEWHEEL_TASK: "weather",
        },
    ):
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
        ]
        first = client.chat.completions.create(model="tiny", messages=messages, tools=[WEATHER_TOOL])
        call = first.choices[0].message.tool_calls[0]
        messages.append(first.choices[0].message.model_dump(exclude_none=True))
        with tracer.start_as_current_span(
            "execute_tool get_weather",
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                sc.GEN_AI_TOOL_NAME: "get_weather",
                sc.GEN_AI_TOOL_CALL_ID: call.id,
                sc.GEN_AI_TOOL_CALL_ARGUMENTS: call.function.arguments,
            },
        ) as tool_span:
            result = json.dumps({"temp_c": 21, "sky": "sunny"})
            tool_span.set_attribute(sc.GEN_AI_TOOL_CALL_RESULT, result)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        client.chat.completions.create(model="tiny", messages=messages, tools=[WEATHER_TOOL])


def _check(episode: Episode, answers: list[dict[str, Any]]) -> None:
    asked, answered = answers[-2], answers[-1]
    call = asked["choices"][0]["message"]["tool_calls"][0]
    assert [m.role for m in episode.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert episode.system_instructions == "Be brief." and episode.user_task == "Weather in Paris?"
    got = episode.messages[2].tool_calls[0]
    assert (got.id, got.function.name) == (call["id"], call["function"]["name"])
    assert json.loads(got.function.arguments) == json.loads(call["function"]["arguments"])
    assert episode.messages[3].tool_call_id == call["id"]
    assert json.loads(episode.messages[3].content) == {"temp_c": 21, "sky": "sunny"}
    assert episode.final_answer == answered["choices"][0]["message"]["content"]
    assert episode.model == answered["model"]
    assert episode.usage.input_tokens == sum(a["usage"]["prompt_tokens"] for a in (asked, answered))
    assert episode.usage.output_tokens == sum(a["usage"]["completion_tokens"] for a in (asked, answered))
    assert episode.agent_name == "weather" and episode.task == "weather"
    assert episode.finish_reasons == ["tool_calls", "stop"] and episode.span_count == 4
    assert episode.services == ["weather-agent"] and episode.status == "ok"


@pytest.mark.parametrize("capture", ["SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"])
def test_openai_v2_instrumentation(
    capture: str, llm: FakeLLM, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", capture)
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, logger_provider=telemetry.logger_provider
    )
    try:
        run_agent(llm, telemetry)
    finally:
        instrumentor.uninstrument()
    spans, logs = telemetry.rows()
    content_on_spans = any(sc.GEN_AI_INPUT_MESSAGES in r["attributes"] for r in spans)
    assert content_on_spans == (capture != "EVENT_ONLY")
    assert bool(logs) == (capture != "SPAN_ONLY")  # the details events, joined by span id
    assert {r["trace_id"] for r in spans} | {r["trace_id"] for r in logs} == {spans[0]["trace_id"]}
    episode = normalize_trace(spans, logs)
    assert episode is not None
    _check(episode, llm.answers)
    assert episode.provider == "openai"


def test_openinference_instrumentation(llm: FakeLLM, telemetry: Telemetry) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider)
    try:
        run_agent(llm, telemetry)
    finally:
        instrumentor.uninstrument()
    spans, logs = telemetry.rows()
    assert any(r["scope_name"].startswith("openinference") for r in spans) and logs == []
    episode = normalize_trace(spans, logs)
    assert episode is not None
    _check(episode, llm.answers)
    assert episode.tools == [WEATHER_TOOL]  # OpenInference records the tools offered; openai-v2 does not
