"""OTel GenAI readers: the current conventions (v1.37 attributes, also what OpenLLMetry writes today), the
``gen_ai.client.inference.operation.details`` log record, and the deprecated per-message events.
"""

from __future__ import annotations

from typing import Any

from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Message
from tracewheel.collector.normalize_common import (
    Step,
    as_int,
    as_str,
    finish_reason,
    json_text,
    load_json,
    openai_messages,
    otel_messages,
    split_system,
    str_list,
    system_text,
    text_content,
    tool_definitions,
)
from tracewheel.collector.normalize_payloads import read_tool_result

_LLM_OPS = {sc.OP_CHAT, sc.OP_TEXT_COMPLETION, sc.OP_GENERATE_CONTENT}
_AGENT_OPS = {sc.OP_INVOKE_AGENT, sc.OP_CREATE_AGENT}


def operation_kind(attrs: dict[str, Any]) -> str | None:
    op = attrs.get(sc.GEN_AI_OPERATION_NAME)
    if op in _LLM_OPS:
        return "llm"
    if op == sc.OP_EXECUTE_TOOL:
        return "tool"
    if op in _AGENT_OPS:
        return "agent"
    return None


def read_attributes(attrs: dict[str, Any], step: Step) -> None:
    """Current OTel GenAI attributes (span attributes, or a details log record's attributes)."""
    step.fill("kind", operation_kind(attrs))
    found = (step.undecoded, step.unread_results)
    if step.input_messages is None:
        system, inputs = split_system(
            otel_messages(attrs.get(sc.GEN_AI_INPUT_MESSAGES), step.span_id, *found)
        )
        step.fill("system_instructions", system)
        step.fill("input_messages", inputs)
    step.fill("system_instructions", system_text(attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS)))
    if step.output_messages is None:
        step.fill(
            "output_messages", otel_messages(attrs.get(sc.GEN_AI_OUTPUT_MESSAGES), step.span_id, *found)
        )
    # v1.26-era whole-prompt attributes (OpenAI-shape JSON text), still sent by some older SDKs.
    if step.input_messages is None:
        system, inputs = split_system(openai_messages(attrs.get(sc.GEN_AI_PROMPT), step.span_id, *found))
        step.fill("system_instructions", system)
        step.fill("input_messages", inputs)
    if step.output_messages is None:
        step.fill("output_messages", openai_messages(attrs.get(sc.GEN_AI_COMPLETION), step.span_id, *found))
    step.fill("tools", tool_definitions(attrs.get(sc.GEN_AI_TOOL_DEFINITIONS)))
    step.fill("request_model", as_str(attrs.get(sc.GEN_AI_REQUEST_MODEL)))
    step.fill("response_model", as_str(attrs.get(sc.GEN_AI_RESPONSE_MODEL)))
    step.fill("provider", as_str(attrs.get(sc.GEN_AI_PROVIDER_NAME)))
    step.fill("provider", as_str(attrs.get(sc.GEN_AI_SYSTEM)))
    step.fill("input_tokens", as_int(attrs.get(sc.GEN_AI_USAGE_INPUT_TOKENS)))
    step.fill("input_tokens", as_int(attrs.get(sc.GEN_AI_USAGE_PROMPT_TOKENS)))
    step.fill("output_tokens", as_int(attrs.get(sc.GEN_AI_USAGE_OUTPUT_TOKENS)))
    step.fill("output_tokens", as_int(attrs.get(sc.GEN_AI_USAGE_COMPLETION_TOKENS)))
    reasons = [
        r for r in (finish_reason(v) for v in str_list(attrs.get(sc.GEN_AI_RESPONSE_FINISH_REASONS))) if r
    ]
    step.fill("finish_reasons", reasons)
    step.fill("tool_name", as_str(attrs.get(sc.GEN_AI_TOOL_NAME)))
    step.fill("tool_call_id", as_str(attrs.get(sc.GEN_AI_TOOL_CALL_ID)))
    step.fill("tool_arguments", json_text(load_json(attrs.get(sc.GEN_AI_TOOL_CALL_ARGUMENTS))))
    # pydantic-ai's data-format versions 2-4 name the tool span's arguments and result without the gen_ai prefix.
    step.fill("tool_arguments", json_text(load_json(attrs.get(sc.PYDANTIC_AI_TOOL_ARGUMENTS))))
    for key in (sc.GEN_AI_TOOL_CALL_RESULT, sc.PYDANTIC_AI_TOOL_RESPONSE):
        if key in attrs and step.tool_result is None:
            reasons: list[str] = []
            step.fill(
                "tool_result", read_tool_result(attrs[key], f"tool result on span {step.name!r}", reasons)
            )
            step.undecoded.extend(reasons)
    step.fill("agent_name", as_str(attrs.get(sc.GEN_AI_AGENT_NAME)))
    step.fill("conversation_id", as_str(attrs.get(sc.GEN_AI_CONVERSATION_ID)))


def read_details_record(attrs: dict[str, Any], body: Any, step: Step) -> None:
    """The ``gen_ai.client.inference.operation.details`` log record: content in attributes (util-genai 1.1b0) or
    in a map body (other emitters)."""
    merged = dict(body) if isinstance(body, dict) else {}
    merged.update(attrs)
    read_attributes(merged, step)


# --- deprecated per-message events (log records or span events) ------------------------------------------------

_EVENT_ROLES = {
    sc.EVENT_SYSTEM_MESSAGE: "system",
    sc.EVENT_USER_MESSAGE: "user",
    sc.EVENT_ASSISTANT_MESSAGE: "assistant",
    sc.EVENT_TOOL_MESSAGE: "tool",
}
DEPRECATED_EVENTS = frozenset(
    {*_EVENT_ROLES, sc.EVENT_CHOICE, sc.EVENT_CONTENT_PROMPT, sc.EVENT_CONTENT_COMPLETION}
)


def span_event_body(event: dict[str, Any]) -> Any:
    """A span event's payload: a JSON body attribute when present, else its attributes."""
    attrs = event.get("attributes") if isinstance(event.get("attributes"), dict) else {}
    body = load_json(attrs.get(sc.EVENT_BODY_ATTRIBUTE))
    return body if isinstance(body, dict) else attrs


def read_events(events: list[tuple[str, Any]], step: Step) -> None:
    """Deprecated GenAI events of one call, in time order: messages become its input, choices its output."""
    inputs: list[Message] = []
    outputs: list[Message] = []
    found = (step.undecoded, step.unread_results)
    for name, body in events:
        if name == sc.EVENT_CONTENT_PROMPT and isinstance(body, dict):
            inputs.extend(openai_messages(body.get(sc.GEN_AI_PROMPT), step.span_id, *found) or [])
        elif name == sc.EVENT_CONTENT_COMPLETION and isinstance(body, dict):
            outputs.extend(openai_messages(body.get(sc.GEN_AI_COMPLETION), step.span_id, *found) or [])
        elif name in _EVENT_ROLES:
            payload = dict(body) if isinstance(body, dict) else {sc.KEY_CONTENT: text_content(body)}
            payload.setdefault(sc.KEY_ROLE, _EVENT_ROLES[name])
            if _EVENT_ROLES[name] == "tool" and sc.KEY_TOOL_CALL_ID not in payload:
                payload[sc.KEY_TOOL_CALL_ID] = payload.get(sc.KEY_ID)
            inputs.extend(openai_messages([payload], step.span_id, *found) or [])
        elif name == sc.EVENT_CHOICE and isinstance(body, dict):
            message = dict(body.get("message")) if isinstance(body.get("message"), dict) else {}
            message.setdefault(sc.KEY_ROLE, "assistant")
            message.setdefault(sc.KEY_FINISH_REASON, body.get(sc.KEY_FINISH_REASON))
            outputs.extend(openai_messages([message], step.span_id, *found) or [])
    if inputs or outputs:
        step.fill("kind", "llm")
    system, rest = split_system(inputs)
    step.fill("system_instructions", system)
    step.fill("input_messages", rest)
    step.fill("output_messages", outputs)
    step.fill("finish_reasons", [m.finish_reason for m in outputs if m.finish_reason])
