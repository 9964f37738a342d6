"""The shared conversions: indexed attributes, message shapes, tool definitions; and that nothing in normalization
raises on arbitrary attribute values."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Message
from tracewheel.collector.normalize import merge_messages, normalize_trace
from tracewheel.collector.normalize_common import (
    load_json,
    openai_messages,
    otel_messages,
    system_text,
    tool_definition,
    unflatten,
)


def test_unflatten_rebuilds_nested_lists_in_index_order() -> None:
    attrs = {
        "p.10.message.role": "tool",
        "p.2.message.role": "user",
        "p.2.message.tool_calls.0.tool_call.id": "a",
        "p.2.message.tool_calls.1.tool_call.id": "b",
        "other.0.x": 1,
        "p": "not a node",
    }
    assert unflatten(attrs, "p") == [
        {"message": {"role": "user", "tool_calls": [{"tool_call": {"id": "a"}}, {"tool_call": {"id": "b"}}]}},
        {"message": {"role": "tool"}},
    ]
    assert unflatten({"p.x.y": 1}, "p") == []


def test_otel_parts_become_openai_messages() -> None:
    raw = [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Let me check."},
                {"type": "reasoning", "content": "hidden"},
                {"type": "tool_call", "id": "1", "name": "f", "arguments": {"x": 1}},
                {"type": "tool_call", "id": "2", "name": "g", "arguments": '{"y":2}'},
            ],
            "finish_reason": "tool_call",
        },
        {
            "role": "tool",
            "parts": [
                {"type": "tool_call_response", "id": "1", "response": {"ok": True}},
                {"type": "tool_call_response", "id": "2", "response": "fine"},
            ],
        },
    ]
    messages = otel_messages(json.dumps(raw), "s1")
    assert messages is not None
    assert [m.role for m in messages] == ["assistant", "tool", "tool"]
    assert messages[0].content == "Let me check." and messages[0].finish_reason == "tool_calls"
    assert [json.loads(c.function.arguments) for c in messages[0].tool_calls] == [{"x": 1}, {"y": 2}]
    assert [(m.tool_call_id, m.content) for m in messages[1:]] == [("1", '{"ok": true}'), ("2", "fine")]
    assert all(m.span_id == "s1" for m in messages)
    assert otel_messages("not json", None) is None


def test_openai_messages_accept_content_lists_and_flat_tool_calls() -> None:
    messages = openai_messages(
        [
            {"role": "developer", "content": [{"type": "text", "text": "Rules."}]},
            {"role": "assistant", "tool_calls": [{"id": "c", "name": "f", "arguments": "{}"}]},
            {"role": "function", "name": "f", "content": "r", "tool_call_id": "c"},
            {"role": "narrator", "content": "dropped"},
        ],
        None,
    )
    assert messages is not None
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Rules."),
        ("assistant", None),
        ("tool", "r"),
    ]
    assert messages[1].tool_calls[0].function.name == "f"


def test_tool_definitions_in_every_shape() -> None:
    expected = {
        "type": "function",
        "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
    }
    assert (
        tool_definition(
            {"type": "function", "name": "f", "description": "d", "parameters": {"type": "object"}}
        )
        == expected
    )
    assert tool_definition(json.dumps({"type": "function", "function": expected["function"]})) == expected
    assert tool_definition({"name": "f", "description": "d", "parameters": '{"type": "object"}'}) == expected
    assert tool_definition({"description": "no name"}) is None


def test_system_instructions_structured_json_or_plain() -> None:
    parts = [{"type": "text", "content": "A."}, {"type": "text", "content": "B."}]
    assert system_text(parts) == system_text(json.dumps(parts)) == "A.\nB."
    assert system_text("Just text.") == "Just text."
    assert load_json("[broken") == "[broken"


def test_merge_matches_history_and_appends_new_turns() -> None:
    user = Message(role="user", content="hi")
    call = Message(role="assistant", tool_calls=[{"id": "c", "function": {"name": "f"}}])
    result_without_content = Message(role="tool", tool_call_id="c", name="f")
    transcript = [user, call, result_without_content]
    merge_messages(
        transcript,
        [
            user,
            call,
            Message(role="tool", tool_call_id="c", content="42"),
            Message(role="assistant", content="It is 42."),
        ],
    )
    assert [(m.role, m.content) for m in transcript] == [
        ("user", "hi"),
        ("assistant", None),
        ("tool", "42"),
        ("assistant", "It is 42."),
    ]
    assert transcript[2].name == "f"


_KEYS = [
    sc.GEN_AI_INPUT_MESSAGES,
    sc.GEN_AI_OUTPUT_MESSAGES,
    sc.GEN_AI_SYSTEM_INSTRUCTIONS,
    sc.GEN_AI_TOOL_DEFINITIONS,
    sc.GEN_AI_OPERATION_NAME,
    sc.GEN_AI_TOOL_CALL_ARGUMENTS,
    sc.GEN_AI_USAGE_INPUT_TOKENS,
    sc.OPENINFERENCE_SPAN_KIND,
    sc.INPUT_VALUE,
    sc.OUTPUT_VALUE,
    "llm.input_messages.0.message.role",
    "llm.input_messages.0.message.tool_calls.0.tool_call.function.name",
    "llm.tools.0.tool.json_schema",
    "gen_ai.prompt.0.role",
    "gen_ai.completion.0.tool_calls.0.name",
    "llm.request.functions.0.parameters",
    sc.TRACELOOP_SPAN_KIND,
    sc.TRACELOOP_ENTITY_INPUT,
]
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "role",
                    "parts",
                    "type",
                    "content",
                    "id",
                    "name",
                    "arguments",
                    "response",
                    "message",
                    "tool_calls",
                    "function",
                    "choices",
                    "messages",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_VALUE = (
    _JSONISH | _JSONISH.map(json.dumps) | st.sampled_from(["chat", "execute_tool", "LLM", "TOOL", "AGENT"])
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.sampled_from(_KEYS), _VALUE, max_size=8),
    st.lists(
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(["gen_ai.choice", "gen_ai.user.message", "exception"]),
                "attributes": st.dictionaries(st.text(max_size=8), _VALUE, max_size=3),
            }
        ),
        max_size=3,
    ),
)
def test_normalize_never_raises_on_arbitrary_attribute_values(attrs: dict, events: list) -> None:
    row = {
        "tenant": "t",
        "trace_id": "ab" * 16,
        "span_id": "cd" * 8,
        "name": "x",
        "start_time_unix_nano": 1,
        "end_time_unix_nano": 2,
        "status_code": 0,
        "attributes": json.dumps(attrs),
        "events": json.dumps(events),
    }
    episode = normalize_trace([row])
    assert episode is not None and episode.span_count == 1
