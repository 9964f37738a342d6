"""The whole canary path: the official ``openai`` client instrumented by opentelemetry-instrumentation-openai-v2 →
the tracewheel server (tiny model, a champion and a candidate LoRA adapter with random weights, its own spans
exported to the collector named by the standard ``OTEL_EXPORTER_OTLP_*`` variables) → the client's and the
server's spans in a running collector → episodes that say which adapter answered → thumbs through the collector's
feedback API → the server's canary monitor promotes the candidate (its users are happy, the champion's are not).

Two ways to run the server: the app ``tracewheel serve`` runs, in this process on the shared test engine (fast), and
``tracewheel serve`` itself in its own process (``slow``: a fresh process imports torch and loads the model)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
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

from tracewheel.config import Settings, load_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))
from _collector_harness import CollectorProcess, free_port, running_collector, wait_for  # noqa: E402

MIN_SAMPLES = 10
PER_ARM = 12  # with every candidate thumb up and every champion thumb down, 10 pairs already exclude 0
DECISION_S = 30  # from the last feedback to the monitor's decision (it checks every 0.2 s)
CHECK_SECONDS = "0.2"


@pytest.fixture
def client_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[TracerProvider]:
    """The agent's side: its own tracer provider, the openai client instrumented by openai-v2."""
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


@dataclass
class Setup:
    settings: Settings
    collector: CollectorProcess
    key: str
    champion: str
    candidate: str


@contextmanager
def canary_home(home: Path, random_adapters: dict[str, Path]) -> Iterator[Setup]:
    """A running collector, tenant acme with a champion and a candidate, the candidate's canary at a 50 % share."""
    with running_collector(home, ["acme"]) as collector:
        settings = load_settings({"TRACEWHEEL_HOME": str(home)}, config_file=None)
        champion = register_adapter(settings, "acme", random_adapters["ad0"], champion=True)
        candidate = register_adapter(settings, "acme", random_adapters["ad1"])
        canary.start_canary(
            settings.paths, ServingSettings(canary_min_samples=MIN_SAMPLES), "acme", candidate, share=0.5
        )
        yield Setup(settings, collector, collector.keys["acme"], champion, candidate)


@contextmanager
def tracewheel_serve(home: Path, model: Path, collector_url: str) -> Iterator[str]:
    """``tracewheel serve`` as a user runs it; yields its base URL (``.../v1``)."""
    port = free_port()
    env = {
        **os.environ,
        "TRACEWHEEL_HOME": str(home),
        "TRACEWHEEL_LOG_LEVEL": "WARNING",
        "TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS": CHECK_SECONDS,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,  # the server's own spans go to the collector
        "OTEL_BSP_SCHEDULE_DELAY": "50",
        "OMP_NUM_THREADS": "1",
    }
    command = [sys.executable, "-m", "tracewheel", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = home / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*command, "--model", str(model)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:

            def healthy() -> bool:
                assert proc.poll() is None, log_path.read_text()
                try:
                    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False

            # Startup is importing torch and loading the model: seconds on an idle machine, more on a busy one.
            assert wait_for(healthy, timeout=180, interval=0.1), log_path.read_text()
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _episodes_with_adapter(store: TraceStore, trace_ids: set[str], timeout: float = 30) -> dict[str, Episode]:
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


def drive_canary(setup: Setup, url: str, tracing: TracerProvider) -> None:
    """Users on both sides ask; each episode gets the thumb its arm deserves; the monitor must decide."""
    paths, key, candidate = setup.settings.paths, setup.key, setup.candidate
    tracing.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(
                endpoint=f"{setup.collector.http_url}/v1/traces", headers={"authorization": f"Bearer {key}"}
            )
        )
    )
    tracer = tracing.get_tracer("tests.canary-e2e")
    # Routing is sticky per user: pick users that land on each side, so both arms get enough traffic.
    state = canary.active_state(paths, "acme")
    users = [f"user-{i}" for i in range(200)]
    expected = {u: candidate if canary.in_canary_share(state, u) else setup.champion for u in users}
    chosen = [u for u in users if expected[u] == candidate][:PER_ARM]
    chosen += [u for u in users if expected[u] == setup.champion][:PER_ARM]
    client = openai.OpenAI(base_url=url, api_key=key, max_retries=0)

    def ask(user: str) -> str:
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

    with ThreadPoolExecutor(4) as pool:
        trace_ids = dict(zip(pool.map(ask, chosen), chosen, strict=True))
    store = TraceStore(paths.traces_dir)
    episodes = _episodes_with_adapter(store, set(trace_ids))
    with httpx.Client(timeout=10) as http:
        for trace_id, episode in episodes.items():
            assert episode.adapter == expected[trace_ids[trace_id]]  # the arm the sticky hash chose
            # Each episode is one model call: the client's and the server's span of it merged into one turn.
            assert [m.role for m in episode.messages] == ["user", "assistant"], episode.messages
            answer = http.post(
                f"{setup.collector.http_url}/v1/feedback",
                json={"trace_id": trace_id, "thumb": "up" if episode.adapter == candidate else "down"},
                headers={"authorization": f"Bearer {key}"},
            )
            assert answer.status_code == 200, answer.text
    assert wait_for(lambda: canary.active_state(paths, "acme") is None, timeout=DECISION_S, interval=0.05)

    # The server's span of each arm says which adapter answered and whether it was the canary's share.
    one_each = {e.adapter: e.trace_id for e in episodes.values()}
    seen = {
        (s["attributes"]["tracewheel.adapter"], s["attributes"]["tracewheel.canary"])
        for trace_id in one_each.values()
        for s in store.spans("acme", trace_id)
        if "tracewheel.adapter" in s["attributes"]
    }
    assert seen == {(candidate, True), (setup.champion, False)}


def check_promoted(setup: Setup) -> None:
    paths, candidate = setup.settings.paths, setup.candidate
    state = canary.read_state(paths, "acme")
    assert state.status == CanaryStatus.PROMOTED, state
    assert state.evidence.lower > 0 and state.evidence.n_candidate >= MIN_SAMPLES
    assert registry.champion(paths.adapters_dir, "acme").adapter_id == candidate
    assert registry.get(paths.adapters_dir, "acme", setup.champion).status == "retired"
    decision = canary.read_jsonl(canary.decisions_path(paths, "acme"))[-1]
    assert (decision["event"], decision["by"]) == ("promote", "monitor")
    assert decision["evidence"]["mean_candidate"] == 1.0 and decision["evidence"]["mean_champion"] == 0.0
    assert canary.route_main_model(paths, "acme", "anyone") == (candidate, False)


def test_canary_promotes_on_served_feedback(
    tmp_path: Path,
    engine: PeftEngine,
    random_adapters: dict[str, Path],
    client_tracing: TracerProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = time.monotonic()
    with canary_home(tmp_path / "home", random_adapters) as setup:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", setup.collector.http_url)
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        settings = setup.settings.model_copy(
            update={"serving": setup.settings.serving.model_copy(update={"canary_check_seconds": 0.2})}
        )
        with running_server(create_app(settings, backend=PeftBackend(engine))) as url:
            drive_canary(setup, url, client_tracing)
    check_promoted(setup)
    assert time.monotonic() - started < 60


@pytest.mark.slow
def test_canary_promotes_on_served_feedback_through_tracewheel_serve(
    tmp_path: Path, tiny_model_path: Path, random_adapters: dict[str, Path], client_tracing: TracerProvider
) -> None:
    home = tmp_path / "home"
    with (
        canary_home(home, random_adapters) as setup,
        tracewheel_serve(home, tiny_model_path, setup.collector.http_url) as url,
    ):
        drive_canary(setup, url, client_tracing)
    check_promoted(setup)
