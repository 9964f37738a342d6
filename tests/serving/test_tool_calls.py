"""Tool calls parsed back from generated text in the trainer's chat-template format."""

from __future__ import annotations

import json

import pytest
from tracewheel.serving.tool_calls import may_become_tool_call, parse_tool_calls
from tracewheel.trainer.model import load_tokenizer


def test_round_trip_through_the_training_template(tiny_model_path) -> None:
    """What the template renders for an assistant tool call parses back to the same call."""
    tokenizer = load_tokenizer(tiny_model_path)
    call = {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    messages = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "Checking.", "tool_calls": [call, call]},
    ]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False)
    answer = rendered.split("<|im_start|>assistant\n", 1)[1].removesuffix("\n")
    parsed = parse_tool_calls(answer)
    assert parsed.content == "Checking."
    assert not parsed.parse_error
    assert [c["function"]["name"] for c in parsed.tool_calls] == ["get_weather", "get_weather"]
    assert [json.loads(c["function"]["arguments"]) for c in parsed.tool_calls] == [{"city": "Paris"}] * 2
    assert parsed.tool_calls[0]["id"] != parsed.tool_calls[1]["id"]
    assert all(c["type"] == "function" and c["id"].startswith("call_") for c in parsed.tool_calls)


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "f", "arguments": {"x": \n</tool_call>',  # bad JSON
        '<tool_call>\n{"arguments": {}}\n</tool_call>',  # no name
        '<tool_call>\n{"name": "f", "arguments": [1]}\n</tool_call>',  # arguments not an object
        'Sure.\n<tool_call>\n{"name": "f", "argu',  # never closed
    ],
)
def test_a_started_call_that_does_not_parse_is_an_error(text: str) -> None:
    parsed = parse_tool_calls(text)
    assert parsed.parse_error
    assert parsed.tool_calls == []
    assert "<tool_call>" not in parsed.content


def test_plain_text_and_string_arguments() -> None:
    assert parse_tool_calls("Paris is sunny.<|im_end|>").model_dump() == {
        "content": "Paris is sunny.",
        "tool_calls": [],
        "parse_error": False,
    }
    parsed = parse_tool_calls('<tool_call>{"name": "f", "arguments": "{\\"x\\": 2}"}</tool_call>')
    assert json.loads(parsed.tool_calls[0]["function"]["arguments"]) == {"x": 2}
    assert not parsed.parse_error


def test_streaming_holds_back_what_may_be_a_call() -> None:
    assert may_become_tool_call("Let me <tool")
    assert may_become_tool_call('ok <tool_call>\n{"name"')
    assert not may_become_tool_call('<tool_call>{"name": "f"}</tool_call> done')
    assert not may_become_tool_call("plain text")
