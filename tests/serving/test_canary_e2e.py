"""The whole canary path: the official ``openai`` client instrumented by opentelemetry-instrumentation-openai-v2 →
the tracewheel server (tiny model, a champion and a candidate LoRA adapter with random weights) → the client's and
the server's spans in a running collector → episodes that say which adapter answered → thumbs through the
collector's feedback API → the server's canary monitor promotes the candidate (its users are happy, the champion's
are not)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from _serving_harness import register_adapter, running_server
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tracewheel.collector.episode import Episode
from tracewheel.collector.store import TraceStore
from tracewheel.serving import canary
from tracewheel.serving.app import create_app
from tracewheel.serving.canary import CanaryStatus
from tracewheel.serving.engine import PeftEngine
from tracewheel.serving.peft_backend import PeftBackend
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer import registry

from tracewheel.config import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))
from _collector_harness import running_collector  # noqa: E402

MIN_SAMPLES = 10
PER_ARM = 12  # with every candidate thumb up and every champion thumb down, 10 pairs already exclude 0
DEADLINE_S = 45


@pytest.fixture
def instrumented_client_telemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[TracerProvider]:
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    provider = TracerProvider(resource=Resource.create({"service.name": "canary-e2e-agent"}))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield provider
    finally:
        instrumentor.uninstrument()
        provider.shutdown()


def _episodes_with_adapter(store: TraceStore, trace_ids: set[str], timeout: float) -> dict[str, Episode]:
    """Wait until every trace is an episode that names its adapter (client and server spans both arrived)."""
    deadline = time.monotonic() + timeout
    while True:
        found = {e.trace_id: e for e in store.episodes("acme") if e.trace_id in trace_ids and e.adapter}
        if len(found) == len(trace_ids):
            return found
        assert time.monotonic() < deadline, (
            f"{len(trace_ids) - len(found)} traces have no episode with an adapter"
        )
        time.sleep(0.1)


def test_client_to_server_to_collector_to_feedback_to_promotion(
    tmp_path: Path,
    engine: PeftEngine,
    random_adapters: dict[str, Path],
    instrumented_client_telemetry: TracerProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    home = tmp_path / "home"
    with running_collector(home, ["acme"]) as collector:
        key = collector.keys["acme"]
        settings = load_settings(
            {"TRACEWHEEL_HOME": str(home), "TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS": "0.2"},
            config_file=None,
        )
        champion = register_adapter(settings, "acme", random_adapters["ad0"], champion=True)
        candidate = register_adapter(settings, "acme", random_adapters["ad1"])
        canary.start_canary(
            settings.paths, ServingSettings(canary_min_samples=MIN_SAMPLES), "acme", candidate, share=0.5
        )
        # The server exports its spans to the collector named by the standard variables, with the tenant's key.
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_url)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        client_spans = OTLPSpanExporter(
            endpoint=f"{collector.http_url}/v1/traces", headers={"authorization": f"Bearer {key}"}
        )
        instrumented_client_telemetry.add_span_processor(SimpleSpanProcessor(client_spans))
        tracer = instrumented_client_telemetry.get_tracer("tests.canary-e2e")
        store = TraceStore(settings.paths.traces_dir)
        app = create_app(settings, backend=PeftBackend(engine))
        # Routing is sticky per user: pick users that land on each side, so both arms get enough traffic.
        state = canary.active_state(settings.paths, "acme")
        users = [f"user-{i}" for i in range(200)]
        expected = {u: candidate if canary.in_canary_share(state, u) else champion for u in users}
        chosen = [u for u in users if expected[u] == candidate][:PER_ARM]
        chosen += [u for u in users if expected[u] == champion][:PER_ARM]

        def ask(client: openai.OpenAI, user: str) -> str:
            # The agent's run is the root span; its traceparent makes the server's span join the trace.
            with tracer.start_as_current_span("invoke_agent canary-e2e") as root:
                headers: dict[str, str] = {}
                inject(headers)
                client.chat.completions.create(
                    model="tracewheel",
                    messages=[{"role": "user", "content": "What is 2+2?"}],
                    max_tokens=3,
                    user=user,
                    extra_headers=headers,
                )
            return format(root.get_span_context().trace_id, "032x")

        with running_server(app) as url, httpx.Client(timeout=10) as http:
            client = openai.OpenAI(base_url=url, api_key=key, max_retries=0)
            with ThreadPoolExecutor(4) as pool:
                trace_ids = dict(zip(pool.map(lambda u: ask(client, u), chosen), chosen, strict=True))
            episodes = _episodes_with_adapter(
                store, set(trace_ids), timeout=DEADLINE_S - (time.monotonic() - started)
            )
            for trace_id, episode in episodes.items():
                assert episode.adapter == expected[trace_ids[trace_id]]  # the arm the sticky hash chose
                thumb = "up" if episode.adapter == candidate else "down"
                answer = http.post(
                    f"{collector.http_url}/v1/feedback",
                    json={"trace_id": trace_id, "thumb": thumb},
                    headers={"authorization": f"Bearer {key}"},
                )
                assert answer.status_code == 200, answer.text
            while canary.active_state(settings.paths, "acme") is not None:
                assert time.monotonic() - started < DEADLINE_S, "the monitor decided nothing"
                time.sleep(0.05)

    state = canary.read_state(settings.paths, "acme")
    assert state.status == CanaryStatus.PROMOTED, state
    assert state.evidence.lower > 0 and state.evidence.n_candidate >= MIN_SAMPLES
    assert registry.champion(settings.paths.adapters_dir, "acme").adapter_id == candidate
    decision = canary.read_jsonl(canary.decisions_path(settings.paths, "acme"))[-1]
    assert (decision["event"], decision["by"]) == ("promote", "monitor")
    assert decision["evidence"]["mean_candidate"] == 1.0 and decision["evidence"]["mean_champion"] == 0.0
    assert canary.route_main_model(settings.paths, "acme", "anyone") == (candidate, False)
    # The server's span of each arm says which adapter answered and whether it was the canary's share.
    one_each = {e.adapter: e.trace_id for e in episodes.values()}
    seen = {
        (s["attributes"]["tracewheel.adapter"], s["attributes"]["tracewheel.canary"])
        for trace_id in one_each.values()
        for s in store.spans("acme", trace_id)
        if "tracewheel.adapter" in s["attributes"]
    }
    assert seen == {(candidate, True), (champion, False)}
    # Each episode is one model call: the client's and the server's span of it merged into one turn.
    for episode in episodes.values():
        assert [m.role for m in episode.messages] == ["user", "assistant"], episode.messages
    assert time.monotonic() - started < 60
