"""Shapes frameworks put tool results and message parts in, across the three convention families: envelopes
are unwrapped to the text the model saw, a tool's own JSON stays its JSON, and whatever cannot be read is named in
``Episode.undecoded`` (collector/normalize_payloads.py, normalize_common.py, normalize.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tracewheel.collector import semconv as sc
from tracewheel.collector.normalize import normalize_trace
from tracewheel.collector.normalize_payloads import Unreadable, serialized_message, tool_result_text

TEXT = "18°C and sunny"
LC_DUMPD = {
    "lc": 1,
    "type": "constructor",
    "id": ["langchain", "schema", "messages", "ToolMessage"],
    "kwargs": {"content": TEXT, "tool_call_id": "c1", "type": "tool"},
}
LC_DICT = {"type": "tool", "data": {"content": TEXT, "tool_call_id": "c1", "name": "get_weather"}}
LC_DUMP = {"content": TEXT, "type": "tool", "tool_call_id": "c1", "name": "get_weather", "status": "success"}
BLOCKS = [{"type": "text", "text": "18°C"}, {"type": "text", "text": "and sunny"}]
MCP = {"content": [{"type": "text", "text": TEXT}], "isError": False}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (TEXT, TEXT),
        (json.dumps(TEXT), TEXT),  # a decorator's json.dumps of the returned text
        (LC_DUMPD, TEXT),
        (json.dumps(LC_DUMPD), TEXT),
        (LC_DICT, TEXT),
        (LC_DUMP, TEXT),
        ({**LC_DICT, "data": {**LC_DICT["data"], "content": BLOCKS}}, "18°C\nand sunny"),
        (BLOCKS, "18°C\nand sunny"),
        (json.dumps(MCP), TEXT),
        ('{"temp_c": 18, "sky": "sunny"}', '{"temp_c": 18, "sky": "sunny"}'),  # the tool's own JSON
        ({"temp_c": 18}, '{"temp_c": 18}'),
        ([1, 2], "[1, 2]"),
        (None, None),
    ],
)
def test_tool_results_are_the_text_the_model_saw(value: Any, text: str | None) -> None:
    assert tool_result_text(value) == text


def test_a_non_text_block_is_unreadable() -> None:
    with pytest.raises(Unreadable, match="image"):
        tool_result_text([{"type": "text", "text": "see"}, {"type": "image", "source": {"data": "..."}}])


def test_an_assistant_message_written_as_text_is_read_as_a_message() -> None:
    as_repr = (
        "{'role': 'assistant', 'content': None, 'tool_calls': [{'id': 'c1', 'function': {'name': 'f'}}]}"
    )
    assert serialized_message(as_repr)["tool_calls"][0]["id"] == "c1"
    assert serialized_message('{"role": "assistant", "content": "hi"}')["content"] == "hi"
    item = (
        "ResponseFunctionToolCall(arguments='{\"city\": \"Paris\"}', call_id='call_1', name='get_weather', "
        "type='function_call', id='fc_1', status='completed')"
    )
    assert serialized_message(item)["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        }
    ]
    assert serialized_message("{'role': 'user', 'content': 'hi'}") is None
    assert serialized_message("{'role': 'assistant', '__import__': os.system('x')}") is None  # not a literal
    assert serialized_message("It is sunny.") is None


# --- whole spans through normalize_trace ------------------------------------------------------------------------

CALL = {"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}


def _span(span_id: str, start: int, attrs: dict[str, Any], parent: str | None = "00") -> dict[str, Any]:
    return {
        "trace_id": "ab" * 16,
        "span_id": span_id,
        "parent_span_id": parent,
        "name": span_id,
        "start_time_unix_nano": start,
        "end_time_unix_nano": start + 1,
        "attributes": json.dumps(attrs),
        "events": "[]",
    }


def _otel_chat(span_id: str, start: int, inputs: list[Any], outputs: list[Any]) -> dict[str, Any]:
    return _span(
        span_id,
        start,
        {
            sc.GEN_AI_OPERATION_NAME: "chat",
            sc.GEN_AI_INPUT_MESSAGES: json.dumps(inputs),
            sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(outputs),
        },
    )


def _otel_run(response_part: dict[str, Any], role: str = "tool") -> Any:
    user = {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    calls = {"role": "assistant", "parts": [CALL]}
    answer = {"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}], "finish_reason": "stop"}
    spans = [
        _span(
            "00", 0, {sc.GEN_AI_OPERATION_NAME: "invoke_agent", sc.GEN_AI_AGENT_NAME: "weather"}, parent=None
        ),
        _otel_chat("01", 1, [user], [calls]),
        _otel_chat("02", 3, [user, calls, {"role": role, "parts": [response_part]}], [answer]),
    ]
    return normalize_trace(spans)


@pytest.mark.parametrize("key", ["response", "result", "output"])
@pytest.mark.parametrize("role", ["tool", "user"])
@pytest.mark.parametrize("value", [TEXT, LC_DICT, json.dumps(LC_DUMPD), BLOCKS])
def test_tool_call_response_parts_under_any_key_role_or_envelope(key: str, role: str, value: Any) -> None:
    episode = _otel_run({"type": "tool_call_response", "id": "c1", key: value}, role=role)
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "assistant"]
    assert episode.messages[2].content == (TEXT if value is not BLOCKS else "18°C\nand sunny")
    assert episode.messages[2].tool_call_id == "c1" and not episode.undecoded


def test_a_tool_result_nobody_can_read_is_undecoded_never_blank() -> None:
    episode = _otel_run({"type": "tool_call_response", "id": "c1", "payload": {"x": 1}})
    assert episode.messages[2].content is None
    assert any("c1" in reason and "payload" in reason for reason in episode.undecoded), episode.undecoded


def test_media_and_unknown_parts_are_undecoded_reasoning_is_not() -> None:
    user = {
        "role": "user",
        "parts": [
            {"type": "text", "content": "What is in this picture?"},
            {"type": "blob", "modality": "image", "mime_type": "image/png", "content": "aGk="},
        ],
    }
    answer = {
        "role": "assistant",
        "parts": [
            {"type": "reasoning", "content": "Let me look."},
            {"type": "text", "content": "A cat."},
            {"type": "hologram", "content": "?"},
        ],
    }
    episode = normalize_trace([_otel_chat("01", 1, [user], [answer])])
    assert episode.final_answer == "A cat."
    assert any("blob" in r and "image/png" in r for r in episode.undecoded)
    assert any("'hologram'" in r for r in episode.undecoded)
    assert not any("reasoning" in r for r in episode.undecoded)


def test_openinference_tool_span_envelope_and_image_content() -> None:
    llm = {
        sc.OPENINFERENCE_SPAN_KIND: "LLM",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.type": "text",
        "llm.input_messages.0.message.contents.0.message_content.text": "Weather here?",
        "llm.input_messages.0.message.contents.1.message_content.type": "image",
        "llm.input_messages.0.message.contents.1.message_content.image.image.url": "data:...",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "c1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
    }
    tool = {
        sc.OPENINFERENCE_SPAN_KIND: "TOOL",
        "tool.name": "get_weather",
        "input.value": "Paris",
        "output.value": json.dumps(LC_DICT),
    }
    episode = normalize_trace([_span("01", 1, llm, parent=None), _span("02", 2, tool, parent=None)])
    assert episode.messages[0].content == "Weather here?"
    assert (episode.messages[2].tool_call_id, episode.messages[2].content) == ("c1", TEXT)
    assert any("image" in r for r in episode.undecoded)


def test_openllmetry_indexed_tool_message_in_an_envelope() -> None:
    attrs = {
        "llm.request.type": "chat",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": "Weather in Paris?",
        "gen_ai.prompt.1.role": "assistant",
        "gen_ai.prompt.1.tool_calls.0.id": "c1",
        "gen_ai.prompt.1.tool_calls.0.name": "get_weather",
        "gen_ai.prompt.1.tool_calls.0.arguments": '{"city": "Paris"}',
        "gen_ai.prompt.2.role": "tool",
        "gen_ai.prompt.2.tool_call_id": "c1",
        "gen_ai.prompt.2.content": json.dumps(LC_DUMPD),
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "Sunny.",
    }
    episode = normalize_trace([_span("01", 1, attrs, parent=None)])
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "assistant"]
    assert episode.messages[2].content == TEXT and not episode.undecoded


@pytest.mark.parametrize(
    ("attrs", "name"),
    [
        ({sc.OPENINFERENCE_SPAN_KIND: "AGENT"}, None),  # a span named "agent" (a graph node)
        ({sc.OPENINFERENCE_SPAN_KIND: "AGENT", sc.AGENT_NAME: "planner"}, "planner"),
        ({sc.OPENINFERENCE_SPAN_KIND: "AGENT", sc.GRAPH_NODE_ID: "tools"}, None),
        ({sc.GEN_AI_OPERATION_NAME: "invoke_agent", sc.GEN_AI_AGENT_NAME: "LangGraph"}, None),
    ],
)
def test_agent_names_are_never_graph_node_names(attrs: dict[str, Any], name: str | None) -> None:
    span = _span("01", 1, attrs, parent=None)
    span["name"] = "agent"
    assert normalize_trace([span]).agent_name == name


def _prompt_run(prompt: list[dict[str, Any]], completion: list[dict[str, Any]]) -> Any:
    """A v1.26-style span: the whole prompt and completion as JSON text of messages."""
    attrs = {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROMPT: json.dumps(prompt),
        sc.GEN_AI_COMPLETION: json.dumps(completion),
    }
    return normalize_trace([_span("01", 1, attrs, parent=None)])


def test_anthropic_content_blocks_become_calls_and_results() -> None:
    episode = _prompt_run(
        [
            {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "I should call the tool."},
                    {"type": "tool_use", "id": "tu_1", "name": "get_weather", "input": {"city": "Paris"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "tu_1",
                        "content": [{"type": "text", "text": TEXT}],
                    }
                ],
            },
        ],
        [{"role": "assistant", "content": [{"type": "text", "text": "Sunny."}]}],
    )
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "assistant"]
    call = episode.messages[1].tool_calls[0]
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "tu_1",
        "get_weather",
        {"city": "Paris"},
    )
    assert (episode.messages[2].tool_call_id, episode.messages[2].content) == ("tu_1", TEXT)
    assert episode.final_answer == "Sunny." and not episode.undecoded


def test_responses_api_items_become_one_turn_of_calls_and_their_results() -> None:
    episode = _prompt_run(
        [
            {"role": "user", "content": "Weather in Paris and London?"},
            {
                "type": "function_call",
                "call_id": "c1",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
            {
                "type": "function_call",
                "call_id": "c2",
                "name": "get_weather",
                "arguments": '{"city": "London"}',
            },
            {"type": "function_call_output", "call_id": "c1", "output": TEXT},
            {"type": "function_call_output", "call_id": "c2", "output": "12°C"},
        ],
        [{"role": "assistant", "content": [{"type": "output_text", "text": "Sunny, then rain."}]}],
    )
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "tool", "assistant"]
    assert [c.id for c in episode.messages[1].tool_calls] == ["c1", "c2"]
    assert [m.content for m in episode.messages[2:4]] == [TEXT, "12°C"]
    assert episode.final_answer == "Sunny, then rain."


def test_call_ids_a_server_reuses_turn_after_turn_keep_each_result_with_its_turn() -> None:
    """Some OpenAI-compatible servers number calls per response ("call_0" every turn)."""
    user = {"role": "user", "parts": [{"type": "text", "content": "Paris, then London?"}]}
    paris = {"role": "assistant", "parts": [{**CALL, "id": "call_0"}]}
    london = {"role": "assistant", "parts": [{**CALL, "id": "call_0", "arguments": {"city": "London"}}]}
    result_a = {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_0", "response": "A"}]}
    result_b = {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_0", "response": "B"}]}
    answer = {"role": "assistant", "parts": [{"type": "text", "content": "A, then B."}]}

    def tool(span_id: str, start: int, city: str, result: str) -> dict[str, Any]:
        attrs = {
            sc.GEN_AI_OPERATION_NAME: "execute_tool",
            sc.GEN_AI_TOOL_NAME: "get_weather",
            sc.GEN_AI_TOOL_CALL_ID: "call_0",
            sc.GEN_AI_TOOL_CALL_ARGUMENTS: json.dumps({"city": city}),
            sc.GEN_AI_TOOL_CALL_RESULT: result,
        }
        return _span(span_id, start, attrs)

    episode = normalize_trace(
        [
            _otel_chat("01", 1, [user], [paris]),
            tool("02", 2, "Paris", "A"),
            _otel_chat("03", 3, [user, paris, result_a], [london]),
            tool("04", 4, "London", "B"),
            _otel_chat("05", 5, [user, paris, result_a, london, result_b], [answer]),
        ]
    )
    assert [(m.role, m.content) for m in episode.messages] == [
        ("user", "Paris, then London?"),
        ("assistant", None),
        ("tool", "A"),
        ("assistant", None),
        ("tool", "B"),
        ("assistant", "A, then B."),
    ]
