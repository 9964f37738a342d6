"""smolagents 1.26 ToolCallingAgent with openinference-instrumentation-smolagents: its text-framed tool turns
(``tool-call`` / ``tool-response`` roles, ``Observation:``), the ``final_answer`` tool and the ``<agent>.run``
span name become an ordinary tool-calling episode."""

from __future__ import annotations

import json
import time

import pytest
from _fake_llm import serving
from _framework_capture import (
    CAPTURES_DIR,
    SCENARIOS,
    Telemetry,
    check_episode,
    episodes,
    load_capture,
    record,
    scenario_module,
)
from tracewheel.collector.normalize_frameworks import _smol_input
from tracewheel.collector.otlp import span_rows
from tracewheel.curator import derive
from tracewheel.curator.integrity import check_integrity

CAPTURES = sorted(CAPTURES_DIR.glob("smolagents-*.json"))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_smolagents_capture_is_one_right_episode(path) -> None:
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)
    assert not check_integrity(episode).held_back, check_integrity(episode).describe()
    assert not any(c.function.name == "final_answer" for m in episode.messages for c in m.tool_calls or [])
    assert episode.finish_reasons[-1] == "stop"


def _item(role: str, text: str) -> dict:
    return {"message": {"role": role, "contents": [{"message_content": {"type": "text", "text": text}}]}}


def test_tool_response_with_call_id_and_model_text_before_the_calls() -> None:
    """Other smolagents versions prefix ``Call id:`` and keep the model's text as its own assistant message."""
    items = [
        _item("user", "New task:\nWeather?"),
        _item("assistant", "Let me look."),
        _item(
            "tool-call",
            "Calling tools:\n[{'id': 'c1', 'type': 'function', 'function': "
            "{'name': 'get_weather', 'arguments': {'city': 'Oslo'}}}]",
        ),
        _item("tool-response", "Call id: c1\nObservation:\n-3°C"),
    ]
    problems: list[str] = []
    out = _smol_input(items, "s1", problems)
    assert [m.role for m in out] == ["user", "assistant", "tool"] and not problems
    assert out[1].content == "Let me look." and out[1].tool_calls[0].id == "c1"
    assert (out[2].tool_call_id, out[2].content) == ("c1", "-3°C")


def test_unparseable_tool_call_text_is_reported() -> None:
    problems: list[str] = []
    _smol_input([_item("tool-call", "Calling tools:\n[not python")], "s1", problems)
    assert problems == ["a smolagents tool-call message that does not parse"]  # reported, not guessed


def test_smolagents_live_run_is_one_right_episode(tmp_path) -> None:
    """The real package (a dev dependency) against the fake model, recorded and replayed in-process."""
    pytest.importorskip("smolagents")
    path = record("smolagents_scenario", "openinference", "parallel", tmp_path)
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)


def test_code_agent_live_run_reads_its_code_action_as_one_interpreter_call() -> None:
    """CodeAgent: the model's code is one ``python_interpreter`` call (what smolagents shows the model), the
    execution logs its result, the tools the code called are inside that result, ``final_answer(...)`` the answer."""
    pytest.importorskip("smolagents")
    scenario = SCENARIOS["parallel"]
    telemetry = Telemetry(service="smolagents-agent")
    with serving(scenario.script()) as llm:
        scenario_module("smolagents_scenario").run_code_agent(scenario, llm, telemetry)
    spans, _ = telemetry.requests()
    (episode,) = episodes(span_rows(spans, "acme", time.time_ns()), [])
    messages = [m for m in episode.messages if m.role != "system"]
    assert [m.role for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert messages[0].content == scenario.user and "<code>" in (messages[1].content or "")
    (call,) = messages[1].tool_calls
    assert (
        call.function.name == "python_interpreter"
        and "get_weather" in json.loads(call.function.arguments)["code"]
    )
    assert messages[2].tool_call_id == call.id
    assert all(scenario.result(city) in messages[2].content for city in scenario.cities)
    assert episode.final_answer == scenario.final_answer and episode.agent_name == "weather_agent"
    assert not episode.undecoded
    derive.check_episode(episode, 1_000_000)  # the curator can train on it: arguments are a JSON object
    assert derive.chat_messages(episode)[-1] == {"role": "assistant", "content": scenario.final_answer}
