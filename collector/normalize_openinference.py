"""OpenInference (Arize Phoenix) reader: indexed ``llm.*_messages``, ``llm.tools``, TOOL/AGENT spans, and the
``input.value`` / ``output.value`` request/response JSON as a fallback when messages are hidden."""

from __future__ import annotations

from typing import Any

from tracewheel.collector import normalize_common as common
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Message
from tracewheel.collector.normalize_payloads import envelope_call_id, read_tool_result

_KINDS = {sc.OI_KIND_LLM: "llm", sc.OI_KIND_TOOL: "tool", sc.OI_KIND_AGENT: "agent"}


def _contents(contents: list[Any], problems: list[str]) -> list[dict[str, Any]]:
    """``message.contents.{k}.message_content.{type,text,image}`` as OpenAI content parts (non-text reported)."""
    parts = []
    for c in contents:
        node = c.get(sc.OI_MESSAGE_CONTENT) if isinstance(c, dict) else None
        if not isinstance(node, dict):
            continue
        kind = node.get(sc.KEY_TYPE) or sc.PART_TEXT
        if kind == sc.PART_TEXT and isinstance(node.get(sc.OI_TEXT), str):
            parts.append({"type": "text", "text": node[sc.OI_TEXT]})
        else:
            problems.append(f"a message holds a {kind} content part")
    return parts


def _as_openai(item: Any, problems: list[str]) -> dict[str, Any] | None:
    """One ``llm.*_messages.{i}`` node -> an OpenAI-shape message dict."""
    if not isinstance(item, dict) or not isinstance(item.get(sc.OI_MESSAGE), dict):
        return None
    msg = item[sc.OI_MESSAGE]
    content = msg.get(sc.KEY_CONTENT)
    if content is None and isinstance(msg.get(sc.OI_CONTENTS), list):
        content = common.text_content(_contents(msg[sc.OI_CONTENTS], problems))
    calls = []
    for tc in msg.get(sc.KEY_TOOL_CALLS) or []:
        call = tc.get(sc.OI_TOOL_CALL) if isinstance(tc, dict) else None
        if not isinstance(call, dict):
            continue
        fn = call.get(sc.OI_FUNCTION) if isinstance(call.get(sc.OI_FUNCTION), dict) else {}
        calls.append({sc.KEY_ID: call.get(sc.KEY_ID), "function": fn})
    return {
        sc.KEY_ROLE: msg.get(sc.KEY_ROLE),
        sc.KEY_CONTENT: content,
        sc.KEY_TOOL_CALLS: calls,
        sc.KEY_TOOL_CALL_ID: msg.get(sc.KEY_TOOL_CALL_ID),
        sc.KEY_NAME: msg.get(sc.KEY_NAME),
    }


def _messages(attrs: dict[str, Any], prefix: str, step: common.Step) -> list[Message] | None:
    items = [
        m for m in (_as_openai(i, step.undecoded) for i in common.unflatten(attrs, prefix)) if m is not None
    ]
    return common.openai_messages(items, step.span_id, step.undecoded, step.unread_results) if items else None


def _request_response(attrs: dict[str, Any], step: common.Step) -> None:
    """``input.value`` / ``output.value`` holding an OpenAI request/response (when messages are hidden)."""
    request = common.load_json(attrs.get(sc.INPUT_VALUE))
    if isinstance(request, dict):
        if step.input_messages is None and isinstance(request.get("messages"), list):
            system, rest = common.split_system(common.openai_messages(request["messages"], step.span_id))
            step.fill("system_instructions", system)
            step.fill("input_messages", rest)
        step.fill("tools", common.tool_definitions(request.get("tools")))
        step.fill("request_model", common.as_str(request.get("model")))
    response = common.load_json(attrs.get(sc.OUTPUT_VALUE))
    if isinstance(response, dict) and isinstance(response.get("choices"), list):
        outputs: list[Message] = []
        for choice in response["choices"]:
            if isinstance(choice, dict) and isinstance(choice.get("message"), dict):
                message = dict(choice["message"])
                message.setdefault(sc.KEY_FINISH_REASON, choice.get(sc.KEY_FINISH_REASON))
                outputs.extend(common.openai_messages([message], step.span_id) or [])
                break  # the first choice is the one the agent continued with
        step.fill("output_messages", outputs)
        step.fill("finish_reasons", [m.finish_reason for m in outputs if m.finish_reason])
        step.fill("response_model", common.as_str(response.get("model")))


def _agent_io(attrs: dict[str, Any], step: common.Step) -> None:
    """AGENT span: its input is the task, its output the answer (plain text or chat JSON)."""
    raw_in = attrs.get(sc.INPUT_VALUE)
    loaded = common.load_json(raw_in)
    if isinstance(loaded, dict) and isinstance(loaded.get("messages"), list):
        system, rest = common.split_system(common.openai_messages(loaded["messages"], step.span_id))
        step.fill("system_instructions", system)
        step.fill("input_messages", rest)
    elif isinstance(raw_in, str) and raw_in:
        step.fill("input_messages", [Message(role="user", content=raw_in, span_id=step.span_id)])
    raw_out = attrs.get(sc.OUTPUT_VALUE)
    if isinstance(raw_out, str) and raw_out:
        step.fill("output_messages", [Message(role="assistant", content=raw_out, span_id=step.span_id)])


def read_attributes(attrs: dict[str, Any], step: common.Step) -> None:
    kind = _KINDS.get(str(attrs.get(sc.OPENINFERENCE_SPAN_KIND, "")).upper())
    if kind is None and sc.OPENINFERENCE_SPAN_KIND in attrs:
        kind = "other"
    step.fill("kind", kind)
    system, inputs = common.split_system(_messages(attrs, sc.LLM_INPUT_MESSAGES, step))
    step.fill("system_instructions", system)
    step.fill("input_messages", inputs)
    step.fill("output_messages", _messages(attrs, sc.LLM_OUTPUT_MESSAGES, step))
    tools = []
    for item in common.unflatten(attrs, sc.LLM_TOOLS):
        node = item.get(sc.OI_TOOL) if isinstance(item, dict) else None
        if isinstance(node, dict):
            definition = common.tool_definition(node.get(sc.OI_JSON_SCHEMA))
            if definition is not None:
                tools.append(definition)
    step.fill("tools", tools)
    step.fill("response_model", common.as_str(attrs.get(sc.LLM_MODEL_NAME)))
    step.fill("provider", common.as_str(attrs.get(sc.LLM_PROVIDER)))
    step.fill("provider", common.as_str(attrs.get(sc.LLM_SYSTEM)))
    step.fill("input_tokens", common.as_int(attrs.get(sc.LLM_TOKEN_COUNT_PROMPT)))
    step.fill("output_tokens", common.as_int(attrs.get(sc.LLM_TOKEN_COUNT_COMPLETION)))
    reason = common.finish_reason(attrs.get(sc.LLM_FINISH_REASON))
    step.fill("finish_reasons", [reason] if reason else [])
    step.fill("conversation_id", common.as_str(attrs.get(sc.SESSION_ID)))
    step.fill("agent_name", common.as_str(attrs.get(sc.AGENT_NAME)))
    if step.kind == "llm":
        _request_response(attrs, step)
    elif step.kind == "tool":
        step.fill("tool_name", common.as_str(attrs.get(sc.TOOL_NAME)))
        step.fill("tool_call_id", common.as_str(attrs.get(sc.TOOL_CALL_ID)))
        step.fill(
            "tool_arguments", common.json_text(common.load_json(attrs.get(sc.TOOL_CALL_FUNCTION_ARGUMENTS)))
        )
        step.fill("tool_arguments", common.json_text(attrs.get(sc.INPUT_VALUE)))
        # LangChain's instrumentation records the ToolMessage it built (serialized); the model saw its content.
        reasons: list[str] = []
        result = read_tool_result(attrs.get(sc.OUTPUT_VALUE), f"tool result on span {step.name!r}", reasons)
        step.fill("tool_result", result)
        step.fill("tool_call_id", envelope_call_id(attrs.get(sc.OUTPUT_VALUE)))
        step.undecoded.extend(reasons)
    elif step.kind == "agent":
        step.fill("agent_label", step.name)
        _agent_io(attrs, step)
    step.fill("agent_label", common.as_str(attrs.get(sc.GRAPH_NODE_ID)))
