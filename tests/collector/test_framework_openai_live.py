"""Live: the openai client scenario (captures/scenarios/openai_client_scenario.py) run in this process with the
instrumentations the dev venv pins (openai-v2, OpenInference), against the fake LLM, then normalized: the same
checks as the capture replays, on what today's installed packages emit."""

from __future__ import annotations

import pytest
from _framework_capture import SCENARIOS, check_episode, episodes, live_rows

MODULE = "openai_client_scenario"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["weather", "parallel"])
@pytest.mark.parametrize("instrumentation", ["otel-v2-agent-run", "openinference-agent-run", "otel-v2"])
def test_openai_client_live(instrumentation: str, scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scenario sets these for openai-v2; registering them here restores the environment afterwards.
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    monkeypatch.setenv("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
    spans, logs = live_rows(MODULE, instrumentation, scenario)
    found = episodes(spans, logs)
    if instrumentation.endswith("-agent-run"):
        assert len(found) == 1
        check_episode(found[0], SCENARIOS[scenario], {"agent_name": "weather_agent"})
    else:  # one trace per model call: the last holds the run, the first ends on the call
        assert len(found) == 2 and found[0].final_answer is None
        check_episode(found[-1], SCENARIOS[scenario], {"agent_name": None})
