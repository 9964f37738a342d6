"""What every family reader shares: the per-span ``Step``, tolerant JSON, indexed-attribute unflattening, and the
conversions from the message shapes in the wild (OTel parts, OpenAI dicts) to ``collector.episode.Message``.

Every function here is total: malformed input gives ``None`` / an empty list and a debug log, never an exception,
because one bad attribute must not cost the whole episode.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import FunctionCall, Message, ToolCall
from tracewheel.collector.normalize_payloads import read_tool_result, serialized_message

logger = logging.getLogger(__name__)

StepKind = Literal["llm", "tool", "agent", "other"]
_ROLES = {"system", "user", "assistant", "tool"}
# Roles other conventions use for the same thing.
_ROLE_ALIASES = {
    "developer": "system",
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "function": "tool",
}


@dataclass
class Step:
    """What one span says about the run, whichever family wrote it. Readers only fill fields still empty."""

    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int
    end_ns: int
    span_kind: int = 0  # OTLP SpanKind: 2 = SERVER
    service: str | None = None
    status_code: int = 0
    status_message: str = ""
    received_ns: int = 0
    kind: StepKind | None = None
    input_messages: list[Message] | None = None
    output_messages: list[Message] | None = None
    system_instructions: str | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)
    request_model: str | None = None
    response_model: str | None = None
    provider: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reasons: list[str] = field(default_factory=list)
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_arguments: str | None = None
    tool_result: str | None = None
    agent_name: str | None = None
    conversation_id: str | None = None
    task: str | None = None
    expected: str | None = None
    adapter: str | None = None
    error: str | None = None
    # A weaker agent name (an AGENT span's own name, a graph node id): used only when no span names the agent.
    agent_label: str | None = None
    # What this span holds that could not be read (Episode.undecoded), and, per tool-call id, why a result
    # recorded here could not be read (reported only if no other span supplies that result).
    undecoded: list[str] = field(default_factory=list)
    unread_results: dict[str, str] = field(default_factory=dict)

    def fill(self, name: str, value: Any) -> None:
        """Set ``name`` to ``value`` unless it already holds something (first family to speak wins)."""
        if value is None or value == [] or value == "":
            return
        current = getattr(self, name)
        if current is None or current == [] or current == "":
            setattr(self, name, value)


# --- scalars and JSON ------------------------------------------------------------------------------------------


def load_json(value: Any) -> Any:
    """JSON text -> value; anything else (or text that is not JSON) comes back unchanged."""
    if isinstance(value, str | bytes):
        text = value.strip() if isinstance(value, str) else value
        if text[:1] in ("[", "{", b"[", b"{"):
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                logger.debug("attribute is not valid JSON; kept as text: %.80r", value)
    return value


def json_text(value: Any) -> str | None:
    """A value as the JSON text an OpenAI message carries (strings stay as they are)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return json_text(value)


def str_list(value: Any) -> list[str]:
    """A list attribute (or its JSON text, or one string) as a list of strings."""
    value = load_json(value)
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and v != ""]
    return []


def finish_reason(value: Any) -> str | None:
    """Finish reasons as OpenAI spells them (OpenLLMetry writes ``tool_call`` for ``tool_calls``)."""
    text = as_str(value)
    if text == "tool_call":
        return "tool_calls"
    return text


def unflatten(attrs: dict[str, Any], prefix: str) -> list[Any]:
    """Indexed flat attributes back into a list: ``{"p.0.a.b": 1, "p.1.a.b": 2}`` -> ``[{"a":{"b":1}}, ...]``.

    Numeric path components become list positions (sorted; gaps closed). A key that is both a leaf and a node
    keeps the node.
    """
    lead = prefix + "."
    tree: dict[str, Any] = {}
    for key, value in attrs.items():
        if not key.startswith(lead):
            continue
        parts = key[len(lead) :].split(".")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    listed = _listify(tree)
    return listed if isinstance(listed, list) else []


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}


# --- messages --------------------------------------------------------------------------------------------------


def role(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lowered = value.strip().lower()
    lowered = _ROLE_ALIASES.get(lowered, lowered)
    return lowered if lowered in _ROLES else None


def text_content(value: Any) -> str | None:
    """Message content in any common shape (string, OpenAI content list, OTel parts) as plain text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for item in value:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, dict):
                kind = item.get(sc.KEY_TYPE)
                if kind in (None, sc.PART_TEXT, "input_text", "output_text"):
                    text = item.get("text", item.get(sc.KEY_CONTENT))
                    if isinstance(text, str):
                        texts.append(text)
        return "\n".join(texts) if texts else None
    return json_text(value)


def _tool_call(call_id: Any, name: Any, arguments: Any) -> ToolCall | None:
    if not isinstance(name, str) or not name:
        return None
    args = arguments if isinstance(arguments, str) else json_text(arguments if arguments is not None else {})
    return ToolCall(id=as_str(call_id), function=FunctionCall(name=name, arguments=args or "{}"))


def _message(**fields: Any) -> Message | None:
    try:
        return Message(**fields)
    except ValidationError as exc:
        logger.debug("skipping a message that does not fit the episode model: %s", exc.errors()[0]["msg"])
        return None


def _message_dicts(value: Any, *, single_ok: bool) -> list[tuple[dict[str, Any], str | None]] | None:
    """The message objects of a messages attribute (a list or its JSON text; one object too when ``single_ok``),
    each with its role (``None`` when not one we keep).

    ``None`` when the attribute is absent or unreadable; items that are not objects are dropped.
    """
    value = load_json(value)
    if single_ok and isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return None
    expanded = [m for raw in value if isinstance(raw, dict) for m in _openai_shape(raw)]
    return [(raw, role(raw.get(sc.KEY_ROLE))) for raw in expanded]


# Content blocks that hold the model's own reasoning: not part of a text row, nothing lost by dropping them.
_THINKING_BLOCKS = ("thinking", "redacted_thinking", "reasoning")


def _openai_shape(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """One message in another common shape as OpenAI chat messages: Responses API items (``function_call``,
    ``function_call_output``) and Anthropic-style content blocks (``tool_use`` in an assistant message,
    ``tool_result`` in a user message, each result its own ``tool`` message). Anything else as it is."""
    kind = raw.get(sc.KEY_TYPE)
    if raw.get(sc.KEY_ROLE) is None and kind == "function_call":
        call = {sc.KEY_ID: raw.get("call_id") or raw.get(sc.KEY_ID), "function": raw}
        return [{sc.KEY_ROLE: "assistant", sc.KEY_TOOL_CALLS: [call]}]
    if raw.get(sc.KEY_ROLE) is None and kind == "function_call_output":
        return [
            {sc.KEY_ROLE: "tool", sc.KEY_TOOL_CALL_ID: raw.get("call_id"), sc.KEY_CONTENT: raw.get("output")}
        ]
    content = raw.get(sc.KEY_CONTENT)
    special = ("tool_use", "tool_result", *_THINKING_BLOCKS)
    if not isinstance(content, list) or not any(
        isinstance(b, dict) and b.get(sc.KEY_TYPE) in special for b in content
    ):
        return [raw]
    rest = [b for b in content if not (isinstance(b, dict) and b.get(sc.KEY_TYPE) in _THINKING_BLOCKS)]
    calls = [
        {
            sc.KEY_ID: b.get(sc.KEY_ID),
            "function": {sc.KEY_NAME: b.get(sc.KEY_NAME), sc.KEY_ARGUMENTS: b.get("input")},
        }
        for b in rest
        if isinstance(b, dict) and b.get(sc.KEY_TYPE) == "tool_use"
    ]
    results = [
        {
            sc.KEY_ROLE: "tool",
            sc.KEY_TOOL_CALL_ID: b.get("tool_use_id"),
            sc.KEY_CONTENT: b.get(sc.KEY_CONTENT),
        }
        for b in rest
        if isinstance(b, dict) and b.get(sc.KEY_TYPE) == "tool_result"
    ]
    others = [
        b for b in rest if not (isinstance(b, dict) and b.get(sc.KEY_TYPE) in ("tool_use", "tool_result"))
    ]
    message = {**raw, sc.KEY_CONTENT: others or None}
    if calls:
        message[sc.KEY_TOOL_CALLS] = [*(raw.get(sc.KEY_TOOL_CALLS) or []), *calls]
    return results + ([message] if others or calls or not results else [])


# Keys a ``tool_call_response`` part carries its result under: ``response`` in the conventions, ``result`` in
# pydantic-ai's instrumentation (versions 2-6), ``output`` / ``content`` in other emitters.
_RESPONSE_KEYS = (sc.KEY_RESPONSE, sc.KEY_RESULT, sc.KEY_OUTPUT, sc.KEY_CONTENT)
# Part types that carry nothing a text row keeps and lose nothing by being dropped.
_SILENT_PARTS = {sc.PART_REASONING}
# Part types that carry media: a text row cannot hold what the model saw.
_MEDIA_PARTS = {
    sc.PART_BLOB,
    sc.PART_URI,
    sc.PART_FILE,
    "image",
    "image_url",
    "input_image",
    "audio",
    "input_audio",
}


def _response_part(
    part: dict[str, Any], span_id: str | None, problems: list[str], unread: dict[str, str]
) -> Message | None:
    call_id = as_str(part.get(sc.KEY_ID))
    key = next((k for k in _RESPONSE_KEYS if k in part), None)
    where = f"tool result of call {call_id or '?'}"
    content = None
    if key is None:
        unread[call_id or ""] = (
            f"{where}: a tool_call_response part without a result key (keys: {sorted(part)})"
        )
    else:
        reasons: list[str] = []
        content = read_tool_result(part.get(key), where, reasons)
        if reasons:
            unread[call_id or ""] = reasons[0]
    return _message(
        role="tool",
        content=content,
        tool_call_id=call_id,
        name=as_str(part.get(sc.KEY_NAME)),
        span_id=span_id,
    )


def otel_messages(
    value: Any,
    span_id: str | None,
    problems: list[str] | None = None,
    unread: dict[str, str] | None = None,
) -> list[Message] | None:
    """``gen_ai.input/output.messages`` (list or JSON text of ``{role, parts, finish_reason}``) -> messages.

    A ``tool_call_response`` part becomes a tool message of its own (the OpenAI shape). Parts that cannot be
    read (media, unknown types) are reported into ``problems``; unreadable tool results into ``unread`` by call
    id. ``None`` when the attribute is absent or unreadable.
    """
    problems = [] if problems is None else problems
    unread = {} if unread is None else unread
    messages = _message_dicts(value, single_ok=False)
    if messages is None:
        return None
    out: list[Message] = []
    for raw, r in messages:
        parts = raw.get(sc.KEY_PARTS)
        if not isinstance(parts, list):
            # Not part-shaped: fall back to the OpenAI shape some emitters use here.
            out.extend(openai_messages([raw], span_id, problems, unread) or [])
            continue
        texts: list[str] = []
        calls: list[ToolCall] = []
        responses: list[Message] = []
        for part in parts:
            if not isinstance(part, dict):
                continue
            kind = part.get(sc.KEY_TYPE)
            if kind == sc.PART_TEXT and isinstance(part.get(sc.KEY_CONTENT), str):
                texts.append(part[sc.KEY_CONTENT])
            elif kind == sc.PART_TOOL_CALL:
                call = _tool_call(part.get(sc.KEY_ID), part.get(sc.KEY_NAME), part.get(sc.KEY_ARGUMENTS))
                if call is not None:
                    calls.append(call)
            elif kind == sc.PART_TOOL_CALL_RESPONSE:
                msg = _response_part(part, span_id, problems, unread)
                if msg is not None:
                    responses.append(msg)
            elif kind in _SILENT_PARTS:
                continue
            elif kind in _MEDIA_PARTS:
                mime = part.get("mime_type") or part.get("modality") or "?"
                problems.append(f"a {r or raw.get(sc.KEY_ROLE)} message holds a {kind} part ({mime})")
            else:
                problems.append(f"a {r or raw.get(sc.KEY_ROLE)} message part of unknown type {kind!r}")
        if responses:
            out.extend(_with_texts(responses, texts, r, span_id))
            continue
        if r is None:
            continue
        if r == "assistant" and not calls and texts:
            serialized = [serialized_message(t) for t in texts]
            if all(m is not None for m in serialized):
                # The message (or each of its tool calls) written as text: read it as what it is.
                merged = {
                    sc.KEY_ROLE: "assistant",
                    sc.KEY_CONTENT: "\n".join(m[sc.KEY_CONTENT] for m in serialized if m[sc.KEY_CONTENT])
                    or None,
                    sc.KEY_TOOL_CALLS: [c for m in serialized for c in m[sc.KEY_TOOL_CALLS]],
                    sc.KEY_FINISH_REASON: raw.get(sc.KEY_FINISH_REASON),
                }
                out.extend(openai_messages([merged], span_id, problems, unread) or [])
                continue
        msg = _message(
            role=r,
            content="\n".join(texts) if texts else None,
            tool_calls=calls or None,
            tool_call_id=as_str(raw.get("id")) if r == "tool" else None,
            finish_reason=finish_reason(raw.get(sc.KEY_FINISH_REASON)),
            span_id=span_id,
        )
        if msg is not None:
            out.append(msg)
    return out


def _with_texts(
    responses: list[Message], texts: list[str], r: str | None, span_id: str | None
) -> list[Message]:
    """Tool results with the text parts beside them: in a ``tool`` message a text part repeats (or, for a result
    recorded without one, is) the result; in a ``user`` message it is the user's own text, kept after them."""
    if r != "user":
        if len(responses) == 1 and responses[0].content is None and texts:
            responses = [responses[0].model_copy(update={"content": "\n".join(texts)})]
        return responses
    extra = [t for t in texts if t not in {m.content for m in responses}]
    msg = _message(role="user", content="\n".join(extra), span_id=span_id) if extra else None
    return responses + ([msg] if msg is not None else [])


def _content_text(value: Any, what: str, problems: list[str]) -> str | None:
    """Message content as text; parts that are not text (images, audio) are reported."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get(sc.KEY_TYPE) not in (
                None,
                sc.PART_TEXT,
                "input_text",
                "output_text",
                *_THINKING_BLOCKS,
            ):
                problems.append(f"a {what} message holds a {item.get(sc.KEY_TYPE)} part")
    return text_content(value)


def openai_messages(
    value: Any,
    span_id: str | None,
    problems: list[str] | None = None,
    unread: dict[str, str] | None = None,
) -> list[Message] | None:
    """OpenAI chat messages (list or JSON text; ``tool_calls`` with ``function`` or flat name/arguments).

    A tool message's content is unwrapped to the text the model saw (``normalize_payloads``)."""
    problems = [] if problems is None else problems
    unread = {} if unread is None else unread
    messages = _message_dicts(value, single_ok=True)
    if messages is None:
        return None
    out: list[Message] = []
    for raw, r in messages:
        if r is None:
            continue
        calls: list[ToolCall] = []
        for tc in raw.get(sc.KEY_TOOL_CALLS) or []:
            if not isinstance(tc, dict):
                continue
            fn = tc.get("function") if isinstance(tc.get("function"), dict) else tc
            call = _tool_call(tc.get(sc.KEY_ID), fn.get(sc.KEY_NAME), fn.get(sc.KEY_ARGUMENTS))
            if call is not None:
                calls.append(call)
        call_id = as_str(raw.get(sc.KEY_TOOL_CALL_ID) or (raw.get(sc.KEY_ID) if r == "tool" else None))
        if r == "tool":
            reasons: list[str] = []
            content = read_tool_result(
                raw.get(sc.KEY_CONTENT), f"tool result of call {call_id or '?'}", reasons
            )
            if reasons:
                unread[call_id or ""] = reasons[0]
        else:
            content = _content_text(raw.get(sc.KEY_CONTENT), r, problems)
        msg = _message(
            role=r,
            content=content,
            tool_calls=calls or None,
            tool_call_id=call_id,
            name=as_str(raw.get(sc.KEY_NAME)) if r == "tool" else None,
            finish_reason=finish_reason(raw.get(sc.KEY_FINISH_REASON)),
            span_id=span_id,
        )
        if msg is not None:
            out.append(msg)
    return out


def coalesce_calls(messages: list[Message] | None) -> list[Message] | None:
    """Adjacent assistant messages that only add tool calls as one turn: Responses-API items (one
    ``function_call`` item per call) become one message each in some instrumentations' chat view, yet the model
    made those calls in one turn."""
    if not messages:
        return messages
    out: list[Message] = []
    for message in messages:
        last = out[-1] if out else None
        if (
            last is not None
            and last.role == message.role == "assistant"
            and last.tool_calls
            and message.tool_calls
            and not message.content
        ):
            out[-1] = last.model_copy(update={"tool_calls": [*last.tool_calls, *message.tool_calls]})
        else:
            out.append(message)
    return out


def system_text(value: Any) -> str | None:
    """``gen_ai.system_instructions``: parts list, its JSON text, or plain text."""
    loaded = load_json(value)
    if isinstance(loaded, dict):
        loaded = [loaded]
    if isinstance(loaded, list):
        return text_content(loaded)
    return as_str(loaded)


def split_system(messages: list[Message] | None) -> tuple[str | None, list[Message] | None]:
    """System messages out of a message list, as one text."""
    if messages is None:
        return None, None
    system = [m.content for m in messages if m.role == "system" and m.content]
    rest = [m for m in messages if m.role != "system"]
    return ("\n\n".join(system) if system else None), rest


def tool_definition(value: Any) -> dict[str, Any] | None:
    """One tool definition in any common shape -> ``{"type":"function","function":{name, description, parameters}}``."""
    value = load_json(value)
    if not isinstance(value, dict):
        return None
    fn = value.get("function") if isinstance(value.get("function"), dict) else value
    name = fn.get(sc.KEY_NAME)
    if not isinstance(name, str) or not name:
        return None
    function: dict[str, Any] = {"name": name}
    if isinstance(fn.get(sc.KEY_DESCRIPTION), str):
        function["description"] = fn[sc.KEY_DESCRIPTION]
    params = load_json(fn.get(sc.KEY_PARAMETERS))
    if isinstance(params, dict):
        function["parameters"] = params
    return {"type": "function", "function": function}


def tool_definitions(value: Any) -> list[dict[str, Any]]:
    value = load_json(value)
    if not isinstance(value, list):
        return []
    return [d for d in (tool_definition(v) for v in value) if d is not None]
