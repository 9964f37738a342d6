"""Live: scenario modules (tests/collector/captures/scenarios/) run in this process with the frameworks and
instrumentations the dev venv pins, against the fake LLM, then normalized: the capture replays' checks on what
today's installed packages emit. Frameworks that cannot share the dev venv's pins are covered by their captures."""

from __future__ import annotations

import json

import pytest
from _framework_capture import AGENT_NAME, SCENARIOS, check_episode, episodes, live_rows

CASES = [
    ("openai_client_scenario", "otel-v2-agent-run"),
    ("openai_client_scenario", "openinference-agent-run"),
    ("openai_client_scenario", "otel-v2"),
    ("pydantic_ai_scenario", "builtin"),
    ("pydantic_ai_scenario", "builtin-v2"),
    ("langgraph_scenario", "openinference"),
    ("langgraph_scenario", "openinference-create-agent"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("module", "instrumentation"), CASES)
def test_framework_live(module: str, instrumentation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = "parallel"  # the weather run's checks and more: two calls paired with their results by id
    # Scenarios set these for openai-v2; registering them here restores the environment afterwards.
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    spans, logs = live_rows(module, instrumentation, scenario)
    found = episodes(spans, logs)
    if instrumentation == "otel-v2":  # model calls only, no root span: the last trace holds the run
        assert len(found) == 2 and found[0].final_answer is None
        check_episode(found[-1], SCENARIOS[scenario], {"agent_name": None})
    else:
        assert len(found) == 1
        check_episode(found[0], SCENARIOS[scenario], {"agent_name": AGENT_NAME})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "instrumentation"),
    [("pydantic_ai_scenario", "builtin"), ("langgraph_scenario", "openinference")],
)
def test_agent_run_around_a_framework_that_owns_its_root_span(
    module: str, instrumentation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tracewheel.instrument.agent_run`` around a framework's run: still one episode, with the task and the
    expected answer (a JSON string on the wire) the framework itself has no place for."""
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    expected = {"type": "normalized", "answer": "18°C and sunny"}
    spans, logs = live_rows(
        module, instrumentation, "weather", root={"task": "weather", "expected": expected}
    )
    (episode,) = episodes(spans, logs)
    check_episode(episode, SCENARIOS["weather"], {"agent_name": AGENT_NAME})
    assert episode.task == "weather" and json.loads(episode.expected) == expected
