"""OpenLLMetry (Traceloop) reader for its older, indexed attributes: ``gen_ai.prompt.{i}.*``,
``gen_ai.completion.{i}.*``, ``llm.request.functions.{i}.*``, ``llm.usage.*`` and the ``traceloop.*`` workflow
decorators. (Current OpenLLMetry writes ``gen_ai.input.messages`` etc., read by ``normalize_otel``.)"""

from __future__ import annotations

from typing import Any

from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Message
from tracewheel.collector.normalize_common import (
    Step,
    as_int,
    as_str,
    json_text,
    load_json,
    openai_messages,
    split_system,
    tool_definition,
    unflatten,
)
from tracewheel.collector.normalize_payloads import read_tool_result

_TRACELOOP_KINDS = {"tool": "tool", "agent": "agent", "workflow": "agent"}


def _messages(attrs: dict[str, Any], prefix: str, step: Step) -> list[Message] | None:
    items = [i for i in unflatten(attrs, prefix) if isinstance(i, dict)]
    # OpenLLMetry writes tool calls flat (``tool_calls.{j}.name``); openai_messages reads both shapes.
    return openai_messages(items, step.span_id, step.undecoded, step.unread_results) if items else None


def _traceloop_io(attrs: dict[str, Any], step: Step) -> None:
    name = as_str(attrs.get(sc.TRACELOOP_ENTITY_NAME))
    raw_in = load_json(attrs.get(sc.TRACELOOP_ENTITY_INPUT))
    raw_out = load_json(attrs.get(sc.TRACELOOP_ENTITY_OUTPUT))
    if step.kind == "tool":
        step.fill("tool_name", name)
        # The decorator records ``{"args": [...], "kwargs": {...}}``; the kwargs are the call's arguments.
        if isinstance(raw_in, dict) and isinstance(raw_in.get("kwargs"), dict) and raw_in["kwargs"]:
            step.fill("tool_arguments", json_text(raw_in["kwargs"]))
        else:
            step.fill("tool_arguments", json_text(raw_in))
        reasons: list[str] = []
        step.fill("tool_result", read_tool_result(raw_out, f"tool result on span {step.name!r}", reasons))
        step.undecoded.extend(reasons)
    elif step.kind == "agent":
        step.fill("agent_label", name)


def read_attributes(attrs: dict[str, Any], step: Step) -> None:
    if attrs.get(sc.LLM_REQUEST_TYPE) in ("chat", "completion"):
        step.fill("kind", "llm")
    step.fill("kind", _TRACELOOP_KINDS.get(str(attrs.get(sc.TRACELOOP_SPAN_KIND, ""))))
    system, inputs = split_system(_messages(attrs, sc.OPENLLMETRY_PROMPT_PREFIX, step))
    step.fill("system_instructions", system)
    step.fill("input_messages", inputs)
    outputs = _messages(attrs, sc.OPENLLMETRY_COMPLETION_PREFIX, step)
    step.fill("output_messages", outputs)
    if outputs:
        step.fill("kind", "llm")
        step.fill("finish_reasons", [m.finish_reason for m in outputs if m.finish_reason])
    tools = []
    for item in unflatten(attrs, sc.OPENLLMETRY_FUNCTIONS_PREFIX):
        definition = tool_definition(item)
        if definition is not None:
            tools.append(definition)
    step.fill("tools", tools)
    step.fill("input_tokens", as_int(attrs.get(sc.LLM_USAGE_PROMPT_TOKENS)))
    step.fill("output_tokens", as_int(attrs.get(sc.LLM_USAGE_COMPLETION_TOKENS)))
    _traceloop_io(attrs, step)
