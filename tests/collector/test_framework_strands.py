"""Strands Agents 1.62 (its own OTel spans): the default deprecated events carry Bedrock Converse content blocks
(``text`` / ``toolUse`` / ``toolResult``), the latest conventions carry operation-details span events; both replay
into right episodes, and the event-loop cycle spans add no turns of their own."""

from __future__ import annotations

import pytest
from _framework_capture import CAPTURES_DIR, check_episode, episodes, load_capture
from tracewheel.collector.episode import Message
from tracewheel.collector.unwrap_frameworks import expand_converse
from tracewheel.curator.integrity import check_integrity

CAPTURES = sorted(CAPTURES_DIR.glob("strands-*.json"))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_strands_capture_is_one_right_episode(path) -> None:
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)
    assert not check_integrity(episode).held_back, check_integrity(episode).describe()
    assert episode.system_instructions and not episode.system_instructions.startswith("[")
    assert episode.usage.input_tokens == 50 * len({r["trace_id"] for r in capture.spans})


def test_converse_blocks_expand_to_openai_messages() -> None:
    content = '[{"text": "checking"}, {"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Oslo"}}}]'
    results = '[{"toolResult": {"toolUseId": "t1", "status": "success", "content": [{"json": {"c": -3}}]}}]'
    problems: list[str] = []
    out = expand_converse(
        [Message(role="assistant", content=content), Message(role="user", content=results)], problems
    )
    assert [(m.role, m.content) for m in out] == [("assistant", "checking"), ("tool", '{"c": -3}')]
    assert out[0].tool_calls[0].id == "t1" and out[1].tool_call_id == "t1" and not problems


def test_converse_image_result_is_reported_not_trained_on() -> None:
    problems: list[str] = []
    image = '[{"toolResult": {"toolUseId": "t1", "content": [{"image": {"format": "png"}}]}}]'
    (out,) = expand_converse([Message(role="user", content=image)], problems)
    assert out.content is None and problems == [
        "tool result of call t1: a Converse toolResult holds a 'image' block (not text)"
    ]
