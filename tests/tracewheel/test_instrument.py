"""``tracewheel.instrument.agent_run``: the span it makes (real OTel SDK, in-memory exporter), and end to end: the
``openai`` client instrumented by opentelemetry-instrumentation-openai-v2, two model calls, exported with the real
OTLP/HTTP exporter to a running collector, read back from the trace store as episodes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest
from _tool_specs import function_tool
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from tracewheel.collector.metrics_usage import usage
from tracewheel.collector.normalize import normalize_trace
from tracewheel.collector.otlp import parse_trace_request, span_rows
from tracewheel.collector.store import TraceStore

from tracewheel.instrument import agent_run, set_expected, set_task

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))

from _collector_harness import CollectorProcess, running_collector, wait_for  # noqa: E402

# `python -m tracewheel.collector`: the same server without the CLI's imports, started in a third of the time.
FAST = ("tracewheel.collector",)
WEATHER_TOOL = function_tool("get_weather", "Weather for a city", "city")
SPEC = {"type": "normalized", "answer": "Sunny in Paris."}


@pytest.fixture
def memory() -> tuple[TracerProvider, InMemorySpanExporter]:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def _only(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = exporter.get_finished_spans()
    return span


def test_context_manager_makes_an_invoke_agent_span(
    memory: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = memory
    with agent_run(
        "weather", task="weather", expected=SPEC, conversation_id="conv-1", tracer_provider=provider
    ) as span:
        span.set_attribute("app.user_tier", "gold")
    got = _only(exporter)
    assert got.name == "invoke_agent weather" and got.kind is SpanKind.INTERNAL
    assert got.parent is None and got.status.status_code is StatusCode.UNSET
    assert dict(got.attributes) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "weather",
        "gen_ai.conversation.id": "conv-1",
        "tracewheel.task": "weather",
        "tracewheel.expected": json.dumps(SPEC),
        "app.user_tier": "gold",
    }


@pytest.mark.parametrize(
    ("expected", "on_the_wire"),
    [
        ("Paris", "Paris"),
        ('{"type": "exact", "answer": "4"}', '{"type": "exact", "answer": "4"}'),
        (42, "42"),
    ],
)
def test_expected_is_json_text_and_a_str_is_kept(
    expected: Any, on_the_wire: str, memory: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = memory
    with agent_run("a", expected=expected, tracer_provider=provider):
        pass
    assert _only(exporter).attributes["tracewheel.expected"] == on_the_wire


def test_bad_arguments_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="agent_name"):
        agent_run("")
    with pytest.raises(TypeError, match="task"):
        agent_run("a", task=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected"):
        agent_run("a", expected={1, 2})
    with pytest.raises(TypeError, match="generator"):

        @agent_run("a")
        def steps() -> Iterator[int]:
            yield 1


def test_decorator_sync_and_async_one_span_per_call(
    memory: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = memory

    @agent_run("calc", task="arithmetic", tracer_provider=provider)
    def solve(a: int, b: int) -> int:
        set_expected({"type": "numeric", "answer": a + b, "tolerance": 0})
        return a + b

    @agent_run("calc", tracer_provider=provider)
    async def solve_async(a: int) -> int:
        await asyncio.sleep(0)
        set_task("doubling")
        return 2 * a

    assert solve(2, 3) == 5 and solve(1, 1) == 2 and solve.__name__ == "solve"
    assert asyncio.run(solve_async(4)) == 8
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["invoke_agent calc"] * 3
    assert len({s.context.span_id for s in spans}) == 3
    assert [json.loads(s.attributes["tracewheel.expected"])["answer"] for s in spans[:2]] == [5, 2]
    assert spans[2].attributes["tracewheel.task"] == "doubling"


def test_async_with_and_exceptions_are_recorded(memory: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = memory

    async def run() -> None:
        async with agent_run("a", tracer_provider=provider):
            raise KeyError("no such city")

    with pytest.raises(KeyError):
        asyncio.run(run())
    got = _only(exporter)
    assert got.status.status_code is StatusCode.ERROR and "KeyError" in got.status.description
    assert got.attributes["error.type"] == "KeyError"
    assert [e.name for e in got.events] == ["exception"]


def test_a_frameworks_own_spans_become_children(memory: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, exporter = memory
    framework = provider.get_tracer("some.framework")  # a framework starts its root in the active context
    with agent_run("weather", tracer_provider=provider):
        with framework.start_as_current_span("invoke_agent agent"):
            with framework.start_as_current_span("chat gpt"):
                pass
    chat, inner, outer = exporter.get_finished_spans()
    assert outer.parent is None and outer.name == "invoke_agent weather"
    assert inner.parent.span_id == outer.context.span_id and chat.parent.span_id == inner.context.span_id
    assert {chat.context.trace_id, inner.context.trace_id} == {outer.context.trace_id}


def test_without_an_sdk_it_is_a_no_op() -> None:
    # The API's default provider: nothing recorded, nothing raised, the function still runs.
    @agent_run("a", task="t", expected=SPEC)
    def run() -> str:
        set_expected("x")
        return "done"

    assert run() == "done"


def test_importing_it_loads_only_the_otel_api() -> None:
    # An agent process pays for the API alone: no SDK, no other tracewheel module (import-linter checks the
    # tracewheel side statically; this checks what actually loads).
    code = (
        "import sys, tracewheel.instrument; "
        "print([m for m in sys.modules if m.startswith(('opentelemetry.sdk', 'tracewheel.')) "
        "and m != 'tracewheel.instrument'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


CAPTURES = sorted((Path(__file__).parent / "agent_run_captures").glob("*.json"))


@pytest.mark.parametrize("capture", CAPTURES, ids=[p.stem for p in CAPTURES])
def test_frameworks_that_own_their_root_span_nest_inside_agent_run(capture: Path) -> None:
    """Recorded with the real frameworks (agent_run_captures/record_agent_run.py): pydantic-ai's own
    instrumentation, LangGraph and the OpenAI Agents SDK through OpenInference. Each framework names its agent
    differently ("weather-bot", "weather-graph", "weather-agent"); the run is one trace under our span and the
    episode takes the name, task and expected value from it."""
    doc = json.loads(capture.read_text())
    rows = span_rows(parse_trace_request(json.dumps(doc["traces"]).encode(), "application/json"), "acme", 1)
    assert len({r["trace_id"] for r in rows}) == 1
    roots = [r for r in rows if not r["parent_span_id"]]
    assert [r["name"] for r in roots] == ["invoke_agent weather"]
    episode = normalize_trace(rows, [])
    assert episode is not None
    assert (episode.agent_name, episode.task) == ("weather", "weather")
    assert json.loads(episode.expected) == {"type": "normalized", "answer": "Sunny."}
    assert [m.role for m in episode.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert episode.final_answer == "Sunny." and episode.status == "ok"


# --- end to end: openai-v2 + the real collector --------------------------------------------------------------


class _Chat(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint: asks for the weather tool until a tool result is in the request."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body["messages"][-1]["role"] == "tool":
            message: dict[str, Any] = {"role": "assistant", "content": "Sunny in Paris."}
            finish = "stop"
        else:
            call = {"name": "get_weather", "arguments": json.dumps({"city": "Paris"})}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": call}],
            }
            finish = "tool_calls"
        answer = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "tiny-0001",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    with running_collector(tmp_path_factory.mktemp("home"), ["acme"], entry=FAST) as proc:
        yield proc


def _two_model_calls(client: openai.OpenAI, model: str) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"sky": "sunny"}'})
    client.chat.completions.create(model=model, messages=messages, tools=[WEATHER_TOOL])


@pytest.mark.parametrize("wrapped", [True, False], ids=["agent_run", "no-root-span"])
def test_openai_v2_run_is_one_episode_only_inside_agent_run(
    wrapped: bool, llm_url: str, collector: CollectorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    service = f"weather-{'wrapped' if wrapped else 'bare'}"
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    exporter = OTLPSpanExporter(
        endpoint=f"{collector.http_url}/v1/traces",
        headers={"authorization": f"Bearer {collector.keys['acme']}"},
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = OpenAIInstrumentor()
    # openai-v2 records the GenAI metrics too: exported to /v1/metrics with the same key.
    metric_exporter = OTLPMetricExporter(
        endpoint=f"{collector.http_url}/v1/metrics",
        headers={"authorization": f"Bearer {collector.keys['acme']}"},
    )
    meters = MeterProvider(
        [PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)],
        resource=Resource.create({"service.name": service}),
    )
    instrumentor.instrument(tracer_provider=provider, meter_provider=meters)
    client = openai.OpenAI(base_url=llm_url, api_key="test", max_retries=0)
    try:
        if wrapped:
            # A framework's own agent span inside ours (LangGraph names it after a graph node): the run stays one
            # trace, and the episode takes its name, task and expected value from ours.
            framework = provider.get_tracer("some.framework")
            with agent_run("weather", task="weather", expected=SPEC, tracer_provider=provider):
                with framework.start_as_current_span(
                    "invoke_agent agent",
                    attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "agent"},
                ):
                    _two_model_calls(client, f"tiny-{service}")
        else:
            _two_model_calls(client, f"tiny-{service}")
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
        meters.shutdown()  # exports what was recorded

    store = TraceStore(collector.traces_dir)

    def episodes() -> list[Any]:
        return [e for e in store.episodes("acme") if e.services == [service]]

    assert wait_for(lambda: len(episodes()) >= (1 if wrapped else 2))
    found = episodes()
    if not wrapped:
        assert len(found) == 2  # one per model call: why the README says to add a root span
        return
    (episode,) = found
    assert episode.span_count == 4 and episode.agent_name == "weather"
    assert episode.task == "weather" and json.loads(episode.expected) == SPEC
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "assistant"]
    assert episode.final_answer == "Sunny in Paris."
    assert (episode.usage.input_tokens, episode.usage.output_tokens) == (24, 8)
    (metrics,) = usage(collector.home / "metrics", "acme")
    (ours,) = [g for g in metrics.groups if g.key == f"tiny-{service}"]
    assert (ours.input_tokens, ours.output_tokens, ours.calls) == (
        24,
        8,
        2,
    ) and ours.duration_p50_s is not None
