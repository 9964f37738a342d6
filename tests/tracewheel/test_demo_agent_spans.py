"""The demo's agent against a real collector and the real server app: the official ``openai`` client instrumented by
openai-v2, exporting with the standard ``OTEL_EXPORTER_OTLP_*`` variables; the server (tiny random model) exporting
its own spans. Each run must be ONE episode: the agent's root span (task, verifier spec), openai-v2's client span
and the server's span (joined by the propagated ``traceparent``) merged into one turn, PII still there before
curation, the lookup's injected page in the tool result."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from tracewheel.collector.store import TraceStore
from tracewheel.serving.app import create_app
from tracewheel.serving.engine import PeftEngine
from tracewheel.serving.peft_backend import PeftBackend
from tracewheel.trainer.model import build_tiny_model, load_model, load_tokenizer

from tracewheel.config import load_settings
from tracewheel.demo_openai_agent import OrderAgent, configure_tracing, openai_client
from tracewheel.demo_tasks import INJECTION, LOOKUP_TASK, TASK, extraction_tasks, lookup_tasks

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "collector"))
sys.path.insert(0, str(TESTS / "serving"))
from _collector_harness import running_collector  # noqa: E402
from _serving_harness import running_server  # noqa: E402


@pytest.fixture
def tiny_engine(tmp_path_factory: pytest.TempPathFactory):
    import os

    import torch

    torch.set_num_threads(1)
    cache = Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    path = build_tiny_model(cache)
    engine = PeftEngine(load_model(path), load_tokenizer(path), "tiny-llama")
    yield engine
    engine.close()


def test_each_run_is_one_episode_with_its_task_spec_and_the_server_span(
    tmp_path: Path, tiny_engine: PeftEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    extraction = next(t for t in extraction_tasks(40, seed=3) if t.pii)
    lookup = lookup_tasks(2, seed=3)[0]
    assert lookup.poisoned
    with running_collector(home, ["acme"]) as collector:
        key = collector.keys["acme"]
        # The agent's and the server's exporters, both configured by the standard variables only.
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_url)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {key}")
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        settings = load_settings(
            {"TRACEWHEEL_HOME": str(home), "TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS": "0"}, config_file=None
        )
        tracing = configure_tracing(set_global=False)
        try:
            with running_server(create_app(settings, backend=PeftBackend(tiny_engine))) as url:
                agent = OrderAgent(
                    openai_client(url, key),
                    model="tracewheel",
                    max_tokens=8,
                    tracer_provider=tracing.provider,
                )
                runs = [agent.extract(extraction), agent.lookup(lookup)]
        finally:
            tracing.shutdown()
        assert all(r.error is None for r in runs), runs

        store = TraceStore(settings.paths.traces_dir)
        wanted = {r.trace_id for r in runs}
        deadline = time.monotonic() + 30
        while True:
            episodes = {e.trace_id: e for e in store.episodes("acme")}
            if wanted <= set(episodes) and all(episodes[t].span_count >= 3 for t in wanted):
                break
            assert time.monotonic() < deadline, {t: e.span_count for t, e in episodes.items()}
            time.sleep(0.1)

    assert set(episodes) == wanted  # one episode per run: the server's spans did not make traces of their own
    ex, lk = episodes[runs[0].trace_id], episodes[runs[1].trace_id]

    assert ex.task == TASK and json.loads(ex.expected) == extraction.expected
    assert ex.conversation_id == extraction.conversation_id and ex.agent_name == "order-desk"
    # root, openai-v2's client span, the server's span: one turn, named by the server's adapter
    assert ex.span_count == 3 and {"order-desk", "tracewheel-serve"} <= set(ex.services)
    assert ex.adapter == "base"
    assert [m.role for m in ex.messages] == ["system", "user", "assistant"]
    user = ex.messages[1].content or ""
    assert extraction.pii and all(value in user for value in extraction.pii)  # redaction is the curator's job
    assert ex.usage.output_tokens > 0 and ex.usage.output_tokens <= 8  # counted once, not per span

    assert lk.task == LOOKUP_TASK and lk.span_count == 3
    tool = next(m for m in lk.messages if m.role == "tool")
    assert INJECTION in (tool.content or "")
    call = next(m for m in lk.messages if m.role == "assistant" and m.tool_calls)
    assert call.tool_calls[0].function.name == "lookup_order"
