"""normalize_trace on the recorded samples of every family, the logs join, deprecated events, OpenLLMetry's indexed
attributes, OpenInference agent/tool spans, a multi-step agent run sent in shuffled batches, and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _trace_fixtures import (
    AGENT_ADAPTER,
    AGENT_FINAL,
    AGENT_ROLES,
    AGENT_TRACE,
    CHAT1,
    CHAT2,
    CHAT3,
    JSON,
    ROOT,
    T0,
    agent_batches,
    agent_spans,
    log_record,
    log_rows_of,
    logs_body,
    rows_by_trace,
    sample_body,
    sample_flat,
    sample_logs_body,
    span,
    trace_body,
)
from tracewheel.collector.episode import Episode
from tracewheel.collector.normalize import message_key, normalize_trace
from tracewheel.collector.otlp import parse_trace_request, span_rows

FAMILY_SAMPLES = [
    "otel-v2_latest_span_and_event",
    "otel-v2_spanonly_no_optin",
    "openinference_default",
    "traceloop_default",
]
TOKENS_IN = ("gen_ai.usage.input_tokens", "llm.token_count.prompt")
TOKENS_OUT = ("gen_ai.usage.output_tokens", "llm.token_count.completion")


def _episodes(label: str) -> dict[str, Episode]:
    out = {}
    for trace_id, rows in rows_by_trace(sample_body(label)).items():
        episode = normalize_trace(rows)
        assert episode is not None
        out[trace_id] = episode
    return out


def _first(attrs: dict[str, Any], keys: tuple[str, ...]) -> int:
    return next(int(attrs[k]) for k in keys if k in attrs)


@pytest.mark.parametrize("label", FAMILY_SAMPLES)
def test_every_family_sample_gives_the_conversation_the_client_saw(label: str) -> None:
    flat = sample_flat(label)
    expected_call = flat["client_results"]["tool_call"]
    episodes = _episodes(label)
    assert len(episodes) == len({s["trace_id"] for s in flat["spans"]})
    for s in flat["spans"]:
        episode = episodes[s["trace_id"]]
        assert episode.tenant == "acme" and episode.episode_id == s["trace_id"]
        assert episode.usage.input_tokens == _first(s["attributes"], TOKENS_IN)
        assert episode.usage.output_tokens == _first(s["attributes"], TOKENS_OUT)
        assert episode.model == s["attributes"].get(
            "gen_ai.response.model", s["attributes"].get("llm.model_name")
        )
        assert episode.provider == "openai"
        assert episode.span_count == 1 and episode.status == "ok"
        assert [m.role for m in episode.messages if m.role != "system"][0] == "user"
        assert episode.user_task == episode.messages[1 if episode.system_instructions else 0].content

    # The plain chat: system instructions are split out and lead the messages.
    chat = next(e for e in episodes.values() if e.system_instructions)
    assert chat.system_instructions == "You are a terse assistant."
    assert [m.role for m in chat.messages] == ["system", "user", "assistant"]
    assert chat.final_answer == flat["client_results"]["chat"]
    assert chat.finish_reasons == ["stop"]

    # The round trip: call -> result -> answer, with the call exactly as the client received it.
    trip = next(e for e in episodes.values() if any(m.role == "tool" for m in e.messages))
    assert [m.role for m in trip.messages] == ["user", "assistant", "tool", "assistant"]
    call = trip.messages[1].tool_calls[0]
    assert call.id == expected_call["id"] and call.function.name == expected_call["function"]["name"]
    assert json.loads(call.function.arguments) == json.loads(expected_call["function"]["arguments"])
    assert trip.messages[2].tool_call_id == expected_call["id"]
    assert json.loads(trip.messages[2].content) == {"temp_c": 21, "sky": "sunny"}
    assert trip.final_answer == flat["client_results"]["final"]

    # The turn that only asked for the tool ends without an answer.
    asked = next(e for e in episodes.values() if e.finish_reasons == ["tool_calls"])
    assert asked.final_answer is None and asked.messages[-1].tool_calls


@pytest.mark.parametrize("label", ["openinference_default", "traceloop_default"])
def test_tools_offered_are_in_openai_function_shape(label: str) -> None:
    trip = next(e for e in _episodes(label).values() if any(m.role == "tool" for m in e.messages))
    assert trip.tools == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]


def test_content_from_the_details_log_record_joins_its_span() -> None:
    label = "otel-v2_latest_span_and_event"
    with_content = _episodes(label)
    # EVENT_ONLY capture: the spans carry no content; it comes as log records over /v1/logs.
    doc = json.loads(sample_body(label))
    for s in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        s["attributes"] = [
            a for a in s["attributes"] if a["key"] not in ("gen_ai.input.messages", "gen_ai.output.messages")
        ]
    bare = rows_by_trace(json.dumps(doc).encode())
    logs = log_rows_of(sample_logs_body(label))
    assert all("gen_ai.input.messages" not in r["attributes"] for rows in bare.values() for r in rows)
    for trace_id, rows in bare.items():
        without_logs = normalize_trace(rows)
        assert without_logs is not None and without_logs.messages == []
        joined = normalize_trace(rows, [r for r in logs if r["trace_id"] == trace_id])
        assert joined is not None
        assert joined.messages == with_content[trace_id].messages
        assert joined.last_received_at == with_content[trace_id].last_received_at


def test_details_as_a_span_event() -> None:
    label = "otel-v2_latest_span_and_event"
    flat = sample_flat(label)
    record = flat["log_records"][0]
    trace_id = next(s["trace_id"] for s in flat["spans"] if s["span_id"] == record["span_id"])
    bare = {k: v for k, v in record["attributes"].items() if "messages" not in k}
    body = trace_body(
        "svc",
        [
            span(
                trace_id,
                record["span_id"],
                "chat gpt-4o-mini",
                T0,
                T0 + 9,
                bare,
                events=[{"name": record["event_name"], "attributes": record["attributes"]}],
            )
        ],
    )
    episode = normalize_trace(span_rows(parse_trace_request(body, JSON), "acme", T0))
    assert episode is not None
    assert episode.messages == _episodes(label)[trace_id].messages


def test_log_records_of_unknown_spans_are_ignored() -> None:
    rows = next(iter(rows_by_trace(sample_body("traceloop_default")).values()))
    stray = log_rows_of(
        logs_body(
            "x",
            [
                log_record(
                    rows[0]["trace_id"],
                    "00000000000000aa",
                    "gen_ai.client.inference.operation.details",
                    {"gen_ai.input.messages": [{"role": "user", "parts": []}]},
                )
            ],
        )
    )
    assert normalize_trace(rows, stray) == normalize_trace(rows)


def test_deprecated_events_as_log_records_and_span_events() -> None:
    trace = "0123456789abcdef0123456789abcdef"
    first, second = "00000000000000a1", "00000000000000a2"
    spans = [
        span(
            trace,
            first,
            "chat gpt-4o",
            T0,
            T0 + 10,
            {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.prompt_tokens": 7},
        ),
        span(
            trace,
            second,
            "chat gpt-4o",
            T0 + 20,
            T0 + 30,
            {"gen_ai.system": "openai"},
            events=[
                {"name": "gen_ai.user.message", "attributes": {"content": "Weather in Oslo?"}},
                {
                    "name": "gen_ai.assistant.message",
                    "attributes": {
                        "event.body": json.dumps(
                            {
                                "tool_calls": [
                                    {
                                        "id": "c1",
                                        "type": "function",
                                        "function": {"name": "weather", "arguments": '{"city":"Oslo"}'},
                                    }
                                ]
                            }
                        )
                    },
                },
                {"name": "gen_ai.tool.message", "attributes": {"id": "c1", "content": "snow"}},
                {
                    "name": "gen_ai.choice",
                    "attributes": {
                        "event.body": json.dumps(
                            {"index": 0, "finish_reason": "stop", "message": {"content": "It snows in Oslo."}}
                        )
                    },
                },
            ],
        ),
    ]
    records = [
        log_record(
            trace,
            first,
            "gen_ai.system.message",
            {"gen_ai.system": "openai"},
            {"content": "Be short."},
            T0 + 1,
        ),
        log_record(
            trace,
            first,
            "gen_ai.user.message",
            {"gen_ai.system": "openai"},
            {"content": "Weather in Oslo?"},
            T0 + 2,
        ),
        log_record(
            trace,
            first,
            "gen_ai.choice",
            {"gen_ai.system": "openai"},
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "weather", "arguments": {"city": "Oslo"}},
                        }
                    ],
                },
            },
            T0 + 3,
        ),
    ]
    rows = span_rows(parse_trace_request(trace_body("old-app", spans), JSON), "acme", T0)
    episode = normalize_trace(rows, log_rows_of(logs_body("old-app", records)))
    assert episode is not None
    assert episode.system_instructions == "Be short."
    assert [(m.role, m.content) for m in episode.messages] == [
        ("system", "Be short."),
        ("user", "Weather in Oslo?"),
        ("assistant", None),
        ("tool", "snow"),
        ("assistant", "It snows in Oslo."),
    ]
    assert episode.messages[2].tool_calls[0].function.name == "weather"
    assert json.loads(episode.messages[2].tool_calls[0].function.arguments) == {"city": "Oslo"}
    assert episode.messages[3].tool_call_id == "c1"
    assert episode.provider == "openai" and episode.usage.input_tokens == 7
    assert episode.finish_reasons == ["tool_calls", "stop"]


def test_openllmetry_indexed_attributes() -> None:
    trace, sid = "0123456789abcdef0123456789abcde0", "00000000000000b1"
    attrs = {
        "llm.request.type": "chat",
        "gen_ai.system": "OpenAI",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "Be short.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "Add 2 and 3.",
        "gen_ai.prompt.2.role": "assistant",
        "gen_ai.prompt.2.tool_calls.0.id": "c9",
        "gen_ai.prompt.2.tool_calls.0.name": "add",
        "gen_ai.prompt.2.tool_calls.0.arguments": '{"a":2,"b":3}',
        "gen_ai.prompt.3.role": "tool",
        "gen_ai.prompt.3.tool_call_id": "c9",
        "gen_ai.prompt.3.content": "5",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": "5",
        "gen_ai.completion.0.finish_reason": "stop",
        "llm.request.functions.0.name": "add",
        "llm.request.functions.0.description": "Adds",
        "llm.request.functions.0.parameters": json.dumps(
            {"type": "object", "properties": {"a": {"type": "number"}}}
        ),
        "llm.usage.prompt_tokens": 30,
        "llm.usage.completion_tokens": 2,
    }
    rows = span_rows(
        parse_trace_request(trace_body("ll", [span(trace, sid, "openai.chat", T0, T0 + 5, attrs)]), JSON),
        "acme",
        T0,
    )
    episode = normalize_trace(rows)
    assert episode is not None
    assert [m.role for m in episode.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert episode.messages[2].tool_calls[0].id == "c9" and episode.messages[3].content == "5"
    assert episode.final_answer == "5" and episode.finish_reasons == ["stop"]
    assert episode.tools == [
        {
            "type": "function",
            "function": {
                "name": "add",
                "description": "Adds",
                "parameters": {"type": "object", "properties": {"a": {"type": "number"}}},
            },
        }
    ]
    assert episode.usage.model_dump() == {"input_tokens": 30, "output_tokens": 2}


def test_openinference_agent_tool_and_hidden_messages() -> None:
    trace = "0123456789abcdef0123456789abcd00"
    agent, llm1, tool, llm2 = "00000000000000c1", "00000000000000c2", "00000000000000c3", "00000000000000c4"
    request = {
        "model": "m",
        "messages": [{"role": "user", "content": "2+3?"}],
        "tools": [{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}],
    }
    response = {
        "model": "m-1",
        "choices": [
            {
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "t1",
                            "type": "function",
                            "function": {"name": "add", "arguments": '{"a":2,"b":3}'},
                        }
                    ],
                },
            }
        ],
    }
    spans = [
        span(
            trace,
            agent,
            "MathAgent",
            T0,
            T0 + 100,
            {
                "openinference.span.kind": "AGENT",
                "input.value": "2+3?",
                "output.value": "The answer is 5.",
                "session.id": "s-1",
                "llm.token_count.prompt": 500,
            },
        ),
        # Messages hidden (TraceConfig hide_input_messages): the request/response JSON still tells the story.
        span(
            trace,
            llm1,
            "ChatCompletion",
            T0 + 1,
            T0 + 10,
            {
                "openinference.span.kind": "LLM",
                "input.value": json.dumps(request),
                "input.mime_type": "application/json",
                "output.value": json.dumps(response),
                "llm.token_count.prompt": 20,
                "llm.token_count.completion": 5,
            },
            parent=agent,
        ),
        span(
            trace,
            tool,
            "add",
            T0 + 11,
            T0 + 12,
            {
                "openinference.span.kind": "TOOL",
                "tool.name": "add",
                "input.value": '{"a":2,"b":3}',
                "output.value": "5",
            },
            parent=agent,
        ),
        span(
            trace,
            llm2,
            "ChatCompletion",
            T0 + 13,
            T0 + 20,
            {
                "openinference.span.kind": "LLM",
                "llm.model_name": "m-1",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "2+3?",
                "llm.input_messages.1.message.role": "assistant",
                "llm.input_messages.1.message.tool_calls.0.tool_call.id": "t1",
                "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "add",
                "llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments": '{"a": 2, "b": 3}',
                "llm.input_messages.2.message.role": "tool",
                "llm.input_messages.2.message.tool_call_id": "t1",
                "llm.input_messages.2.message.contents.0.message_content.type": "text",
                "llm.input_messages.2.message.contents.0.message_content.text": "5",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "The answer is 5.",
                "llm.token_count.prompt": 30,
                "llm.token_count.completion": 6,
            },
            parent=agent,
        ),
    ]
    rows = span_rows(parse_trace_request(trace_body("oi", spans), JSON), "acme", T0)
    episode = normalize_trace(rows)
    assert episode is not None
    assert [m.role for m in episode.messages] == ["user", "assistant", "tool", "assistant"]
    assert episode.messages[2].name == "add" and episode.messages[2].tool_call_id == "t1"
    assert episode.final_answer == "The answer is 5."
    assert episode.agent_name == "MathAgent" and episode.conversation_id == "s-1"
    assert episode.usage.model_dump() == {
        "input_tokens": 50,
        "output_tokens": 11,
    }  # the agent's 500 not added
    assert [t["function"]["name"] for t in episode.tools] == ["add"]
    assert episode.finish_reasons == ["tool_calls"]
    assert episode.model == "m-1"


@pytest.mark.parametrize("seed", range(5))
def test_agent_run_in_shuffled_batches_from_two_services_is_one_ordered_episode(seed: int) -> None:
    rows = []
    for i, body in enumerate(agent_batches(seed)):
        rows += span_rows(parse_trace_request(body, JSON), "acme", T0 + i)
    episode = normalize_trace(rows)
    reference = normalize_trace(
        [
            r
            for service, spans in agent_spans().items()
            for r in span_rows(parse_trace_request(trace_body(service, spans), JSON), "acme", T0 + 3)
        ]
    )
    assert episode is not None and reference is not None
    assert episode.model_dump(exclude={"last_received_at"}) == reference.model_dump(
        exclude={"last_received_at"}
    )
    assert episode.episode_id == AGENT_TRACE and episode.span_count == 6
    assert episode.services == ["agent-api", "llm-proxy"]
    assert episode.tenant == "acme"  # tracewheel.tenant on the span is never trusted
    assert [m.role for m in episode.messages] == AGENT_ROLES
    assert [tc.id for m in episode.messages for tc in m.tool_calls or []] == ["call_1", "call_2"]
    assert [m.tool_call_id for m in episode.messages if m.role == "tool"] == ["call_1", "call_2"]
    assert len({message_key(m) for m in episode.messages}) == len(episode.messages)
    # The failed tool's span has no result; the next chat's input supplies what the model saw.
    assert episode.messages[5].content == "error: timed out"
    assert episode.final_answer == AGENT_FINAL
    # Usage sums the model calls only; the agent span's own 9999 totals are not added on top.
    chats = [s for s in agent_spans()["llm-proxy"] if s["spanId"] in (CHAT1, CHAT2, CHAT3)]
    usage = {a["key"]: 0 for s in chats for a in s["attributes"]}
    for s in chats:
        for a in s["attributes"]:
            if a["key"].startswith("gen_ai.usage."):
                usage[a["key"]] += int(a["value"]["intValue"])
    assert episode.usage.input_tokens == usage["gen_ai.usage.input_tokens"] > 0
    assert episode.usage.output_tokens == usage["gen_ai.usage.output_tokens"] > 0
    assert episode.model == "qwen-tiny-0001" and episode.agent_name == "weather-bot"
    assert episode.conversation_id == "conv-42" and episode.task == "weather" and episode.expected == "sunny"
    assert episode.errors == ["tool local_time: timed out"] and episode.status == "ok"
    assert episode.finish_reasons == ["tool_calls", "tool_calls", "stop"]
    assert [t["function"]["name"] for t in episode.tools] == ["get_weather", "local_time"]
    assert episode.system_instructions == "You are a weather bot."
    assert episode.adapter == AGENT_ADAPTER


def test_duplicate_rows_and_late_copies_do_not_duplicate() -> None:
    rows = []
    for i, body in enumerate(agent_batches(1) * 2):
        rows += span_rows(parse_trace_request(body, JSON), "acme", T0 + i)
    episode = normalize_trace(rows)
    assert episode is not None and episode.span_count == 6 and len(episode.messages) == 7


def test_feedback_and_failed_model_call() -> None:
    rows = next(iter(rows_by_trace(sample_body("traceloop_default")).values()))
    rows = [{**rows[0], "status_code": 2, "status_message": "rate limited"}]
    feedback = [
        {
            "tenant": "acme",
            "trace_id": rows[0]["trace_id"],
            "score": None,
            "thumb": "down",
            "comment": "wrong",
            "corrected_answer": "Lyon",
            "received_at_unix_nano": T0 + 5_000_000_000,
        },
        {
            "tenant": "acme",
            "trace_id": rows[0]["trace_id"],
            "score": 0.2,
            "thumb": None,
            "comment": None,
            "corrected_answer": None,
            "received_at_unix_nano": T0 + 1_000_000_000,
        },
    ]
    episode = normalize_trace(rows, feedback=feedback)
    assert episode is not None
    assert episode.status == "error" and episode.errors == ["openai.chat: rate limited"]
    assert [f.score for f in episode.feedback] == [0.2, None]
    assert episode.feedback[1].corrected_answer == "Lyon" and episode.feedback[1].thumb == "down"
    assert episode.last_received_at == episode.feedback[1].received_at


def test_nested_double_instrumentation_counts_usage_once() -> None:
    """An OpenInference LLM span inside an OTel chat span for the same call (two instrumentations at once)."""
    otel = rows_by_trace(sample_body("otel-v2_latest_span_and_event"))
    oi = rows_by_trace(sample_body("openinference_default"))
    outer = next(r for rows in otel.values() for r in rows if "tool_call_response" in r["attributes"])
    inner = next(r for rows in oi.values() for r in rows if "llm.input_messages.2" in r["attributes"])
    inner = {
        **inner,
        "trace_id": outer["trace_id"],
        "parent_span_id": outer["span_id"],
        "start_time_unix_nano": outer["start_time_unix_nano"] + 1,
    }
    episode = normalize_trace([outer, inner])
    alone = normalize_trace([outer])
    assert episode is not None and alone is not None
    assert episode.usage == alone.usage
    assert [(m.role, m.content) for m in episode.messages] == [(m.role, m.content) for m in alone.messages]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: {**r, "attributes": "{not json"},
        lambda r: {
            **r,
            "attributes": json.dumps(
                {
                    "gen_ai.input.messages": '[{"role": "user", "parts": 7}',
                    "gen_ai.output.messages": [{"parts": [{"type": "tool_call"}]}],
                    "gen_ai.tool.definitions": "{]",
                    "gen_ai.usage.input_tokens": "many",
                    "gen_ai.system_instructions": {"weird": True},
                    "llm.input_messages.x.message.role": "user",
                    "gen_ai.prompt.0.tool_calls": "oops",
                }
            ),
        },
        lambda r: {**r, "events": "[{", "status_code": None, "end_time_unix_nano": None},
        lambda r: {
            **r,
            "attributes": json.dumps([1, 2]),
            "events": json.dumps([{"name": "gen_ai.choice", "attributes": "x"}]),
        },
        lambda r: {**r, "attributes": json.dumps({"openinference.span.kind": "RERANKER", "foo.bar": 1})},
    ],
)
def test_malformed_input_still_gives_a_best_effort_episode(mutate: Any) -> None:
    rows = next(iter(rows_by_trace(sample_body("otel-v2_latest_span_and_event")).values()))
    episode = normalize_trace([mutate(rows[0])])
    assert episode is not None and episode.trace_id == rows[0]["trace_id"] and episode.span_count == 1


def test_no_spans_no_episode() -> None:
    assert (
        normalize_trace([], feedback=[{"trace_id": "ab" * 16, "thumb": "up", "received_at_unix_nano": T0}])
        is None
    )


def test_content_on_agent_and_tool_spans_only() -> None:
    """Model calls captured without content: the agent span gives the task and answer, tool spans the calls."""
    batches = []
    for service, spans in agent_spans().items():
        for s in spans:
            s["attributes"] = [
                a for a in s["attributes"] if s["spanId"] == ROOT or "messages" not in a["key"]
            ]
        batches.append(trace_body(service, spans))
    rows = [r for body in batches for r in span_rows(parse_trace_request(body, JSON), "acme", T0)]
    episode = normalize_trace(rows)
    assert episode is not None
    assert [m.role for m in episode.messages] == AGENT_ROLES
    assert episode.user_task == "Weather and local time in Paris?" and episode.final_answer == AGENT_FINAL
    restored = episode.messages[2].tool_calls[0]
    assert (restored.id, restored.function.name, json.loads(restored.function.arguments)) == (
        "call_1",
        "get_weather",
        {"city": "Paris"},
    )
    assert json.loads(episode.messages[3].content) == {"temp_c": 21, "sky": "sunny"}
    assert episode.messages[5].content is None and episode.messages[5].tool_call_id is None
