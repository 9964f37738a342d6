"""Google ADK 2.13 (its own OTel spans, LiteLLM to the fake server): the recorded captures replay into right
episodes, with the tool result ADK wraps as ``{"result": ...}`` read back as the tool's text."""

from __future__ import annotations

import json

import pytest
from _framework_capture import CAPTURES_DIR, check_episode, episodes, load_capture

CAPTURES = sorted(CAPTURES_DIR.glob("google-adk-*.json"))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_adk_capture_is_one_right_episode(path) -> None:
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)
    assert episode.usage.input_tokens > 0 and episode.model.endswith("fake-gpt")
    # What ADK recorded is its envelope; the episode holds the text inside.
    recorded = [
        json.loads(r["attributes"]).get("gen_ai.tool.call.result")
        for r in capture.spans
        if json.loads(r["attributes"]).get("gen_ai.operation.name") == "execute_tool"
    ]
    assert recorded and all(json.loads(v).keys() == {"result"} for v in recorded if v)


def test_adk_latest_semconv_sends_operation_details_records() -> None:
    capture = load_capture(CAPTURES_DIR / "google-adk-builtin-latest-2.13.0-weather.json")
    assert {r["event_name"] for r in capture.logs} == {"gen_ai.client.inference.operation.details"}
