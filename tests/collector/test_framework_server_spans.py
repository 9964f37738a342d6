"""Client and server spans of one model call are one turn (contracts: "The server's own spans").

The agent side is the real ``openai`` client instrumented by openai-v2 or OpenInference, with the W3C
``traceparent`` injected into each request as an HTTP client instrumentation does; the serving side is played by
the fake LLM's observer, which emits the SERVER ``chat`` span tracewheel's server emits (real OTel SDK, current
GenAI conventions, ``tracewheel.adapter``) as a child of the extracted context. The episode must hold each turn
once, count tokens once, and name the adapter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from _fake_llm import serving
from _framework_capture import SCENARIOS, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME, Telemetry, episodes
from _tool_specs import function_tool
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from tracewheel.collector import semconv as sc

from tracewheel.instrument import agent_run

OTLP_SERVER = 2  # OTLP's SpanKind number
TOOL = function_tool(TOOL_NAME, TOOL_DESCRIPTION, "city")


def _parts(message: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat message as a current-convention GenAI message (what the serving side records)."""
    parts: list[dict[str, Any]] = []
    if message.get("role") == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message["tool_call_id"], "response": message["content"]}
        )
    elif message.get("content"):
        parts.append({"type": "text", "content": message["content"]})
    for call in message.get("tool_calls") or []:
        fn = call["function"]
        parts.append(
            {"type": "tool_call", "id": call["id"], "name": fn["name"], "arguments": fn["arguments"]}
        )
    return {"role": message["role"], "parts": parts}


def server_observer(telemetry: Telemetry, adapter: str) -> Any:
    tracer = telemetry.tracer_provider.get_tracer("tracewheel.serving")

    def observe(headers: dict[str, str], body: dict[str, Any], completion: dict[str, Any]) -> None:
        choice = completion["choices"][0]
        output = {**_parts(choice["message"]), "finish_reason": choice["finish_reason"]}
        attributes = {
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_PROVIDER_NAME: "tracewheel",
            sc.GEN_AI_REQUEST_MODEL: body["model"],
            sc.GEN_AI_RESPONSE_MODEL: completion["model"],
            sc.GEN_AI_USAGE_INPUT_TOKENS: completion["usage"]["prompt_tokens"],
            sc.GEN_AI_USAGE_OUTPUT_TOKENS: completion["usage"]["completion_tokens"],
            sc.GEN_AI_RESPONSE_FINISH_REASONS: [choice["finish_reason"]],
            sc.GEN_AI_INPUT_MESSAGES: json.dumps([_parts(m) for m in body["messages"]]),
            sc.GEN_AI_OUTPUT_MESSAGES: json.dumps([output]),
            sc.GEN_AI_TOOL_DEFINITIONS: json.dumps(body.get("tools") or []),
            sc.TRACEWHEEL_ADAPTER: adapter,
            sc.TRACEWHEEL_TENANT: "acme",
            "tracewheel.canary": False,
        }
        parent = propagate.extract({k.lower(): v for k, v in headers.items()})
        with tracer.start_as_current_span(
            f"chat {body['model']}", context=parent, kind=SpanKind.SERVER, attributes=attributes
        ):
            pass

    return observe


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield Telemetry(service="weather-agent")


def _instrument(family: str, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch) -> Any:
    if family == "no-client-span":  # an agent with no model-call instrumentation: the server's spans alone
        return None
    if family.startswith("otel-v2"):
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        # Without content capture (openai-v2's default) the client spans hold no messages: the server's do.
        capture = "NO_CONTENT" if family.endswith("no-content") else "SPAN_ONLY"
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", capture)
        monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
        instrumentor = OpenAIInstrumentor()
    else:
        from openinference.instrumentation.openai import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, logger_provider=telemetry.logger_provider
    )
    return instrumentor


def _run(base_url: str, user: str, results: dict[str, str]) -> str:
    """A hand-written agent loop whose HTTP client propagates the active span (as httpx instrumentation does)."""

    def inject(request: Any) -> None:
        propagate.inject(request.headers)

    http = httpx2.Client(event_hooks={"request": [inject]})
    client = openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0, http_client=http)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": user},
    ]
    while True:
        message = (
            client.chat.completions.create(model="tracewheel", messages=messages, tools=[TOOL])
            .choices[0]
            .message
        )
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            city = json.loads(call.function.arguments)["city"]
            messages.append({"role": "tool", "tool_call_id": call.id, "content": results[city]})


@pytest.mark.parametrize("family", ["otel-v2", "otel-v2-no-content", "openinference", "no-client-span"])
def test_client_and_server_chat_spans_are_one_turn_and_name_the_adapter(
    family: str, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = SCENARIOS["parallel"]
    instrumentor = _instrument(family, telemetry, monkeypatch)
    try:
        with serving(scenario.script()) as llm:
            llm.observer = server_observer(telemetry, adapter="ad-7f3a")
            with agent_run("weather_agent", task="weather", tracer_provider=telemetry.tracer_provider):
                answer = _run(llm.base_url, scenario.user, scenario.results)
    finally:
        if instrumentor is not None:
            instrumentor.uninstrument()
    assert answer == scenario.final_answer
    traces, logs = telemetry.requests()
    from tracewheel.collector.otlp import span_rows

    spans = span_rows(traces, "acme", 1)
    servers = [r for r in spans if r["kind"] == OTLP_SERVER]
    assert len(servers) == 2 and len({r["trace_id"] for r in spans}) == 1
    by_id = {r["span_id"]: r for r in spans}
    clients = [json.loads(by_id[r["parent_span_id"]]["attributes"]) for r in servers]
    # Each server span sits under the client's chat span (CLIENT in openai-v2, INTERNAL LLM in OpenInference).
    assert family == "no-client-span" or all(
        c.get(sc.GEN_AI_OPERATION_NAME) == "chat" or c.get(sc.OPENINFERENCE_SPAN_KIND) == "LLM"
        for c in clients
    )
    (episode,) = episodes(spans, [])
    roles = [m.role for m in episode.messages]
    assert roles == ["system", "user", "assistant", "tool", "tool", "assistant"], roles
    assert episode.final_answer == scenario.final_answer
    assert [m.tool_call_id for m in episode.messages if m.role == "tool"] == [
        "call_parallel_0",
        "call_parallel_1",
    ]
    assert episode.adapter == "ad-7f3a"
    assert episode.agent_name == "weather_agent" and episode.task == "weather"
    # Each call counted once (the server's copy of the usage is not added to the client's).
    assert episode.usage.input_tokens == sum(r["usage"]["prompt_tokens"] for r in _completions(llm))
    assert episode.finish_reasons == ["tool_calls", "stop"]
    assert not episode.undecoded


def _completions(llm: Any) -> list[dict[str, Any]]:
    from _fake_llm import completion

    return [completion(llm, body, n) for n, body in enumerate(llm.requests)]
