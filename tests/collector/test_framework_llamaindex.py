"""LlamaIndex 0.14 FunctionAgent with openinference-instrumentation-llama-index: tool results recorded as a
serialized ``ToolOutput`` become the text the model was sent; the agent's name comes from the workflow."""

from __future__ import annotations

import json

import pytest
from _framework_capture import CAPTURES_DIR, check_episode, episodes, load_capture
from tracewheel.collector.unwrap_frameworks import Unreadable, call_arguments, tool_output_text
from tracewheel.curator.integrity import check_integrity

CAPTURES = sorted(CAPTURES_DIR.glob("llama-index-*.json"))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_llama_index_capture_is_one_right_episode(path) -> None:
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)
    assert not check_integrity(episode).held_back, check_integrity(episode).describe()
    tool_outputs = [
        json.loads(r["attributes"]).get("output.value")
        for r in capture.spans
        if r["name"] == "FunctionTool.acall"
    ]
    assert tool_outputs and all('"blocks"' in v for v in tool_outputs)  # recorded wrapped, read unwrapped


def test_tool_output_shapes() -> None:
    wrapped = {
        "blocks": [{"block_type": "text", "text": "a"}, {"text": "b"}],
        "tool_name": "t",
        "is_error": False,
    }
    assert tool_output_text(json.dumps(wrapped)) == "a\nb"
    older = {
        "content": "c",
        "tool_name": "t",
        "raw_input": {"kwargs": {}},
        "raw_output": "c",
        "is_error": False,
    }
    assert tool_output_text(older) == "c"  # ToolOutput before content blocks
    assert tool_output_text('{"temp": 3}') is None and tool_output_text("plain") is None
    with pytest.raises(Unreadable, match="image"):
        tool_output_text({"blocks": [{"block_type": "image", "url": "x"}], "tool_name": "t"})
    assert call_arguments('{"kwargs": {"city": "Paris"}}') == '{"city": "Paris"}'
    assert call_arguments('{"args": [1], "kwargs": {}}') is None


def test_a_tool_output_holding_no_text_is_undecoded_not_trained_on() -> None:
    capture = load_capture(CAPTURES_DIR / "llama-index-openinference-0.14.25-weather.json")
    spans = []
    for row in capture.spans:
        attrs = json.loads(row["attributes"])
        if attrs.get("openinference.span.kind") == "TOOL":
            output = json.loads(attrs["output.value"])
            output["blocks"] = [{"block_type": "image", "url": "https://example.com/map.png"}]
            attrs["output.value"] = json.dumps(output)
            row = {**row, "attributes": json.dumps(attrs)}
        spans.append(row)
    (episode,) = episodes(spans, capture.logs)
    assert any("ToolOutput holds a 'image' block" in reason for reason in episode.undecoded), (
        episode.undecoded
    )


def test_react_text_reads_as_tool_calls() -> None:
    """The ReAct text convention (LlamaIndex ReActAgent, CrewAI, LangChain ReAct agents), whichever framework."""
    from tracewheel.collector.episode import Message
    from tracewheel.collector.normalize_frameworks import _react_messages

    history = [
        Message(role="user", content="Weather in Oslo?"),
        Message(
            role="assistant",
            content="Thought: look it up\nAction: get_weather\nAction Input: {'city': 'Oslo'}",
        ),
        Message(role="user", content="Observation: -3°C"),
    ]
    inputs, ordinal = _react_messages(history, 0)
    outputs, _ = _react_messages(
        [Message(role="assistant", content="Thought: done\nFinal Answer: Cold.")], ordinal
    )
    assert [(m.role, m.content, m.tool_call_id) for m in inputs] == [
        ("user", "Weather in Oslo?", None),
        ("assistant", "Thought: look it up", None),
        ("tool", "-3°C", "react_0"),
    ]
    assert (
        inputs[1].tool_calls[0].id == "react_0"
        and inputs[1].tool_calls[0].function.arguments == '{"city": "Oslo"}'
    )
    assert outputs[0].content == "Cold." and ordinal == 1
