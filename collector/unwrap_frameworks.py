"""Framework serializations of messages and tool results, read back as what the model saw.

Shape-based, so any emitter of the same shape benefits:

* **Converse content blocks** (AWS Bedrock's message format; Strands Agents records its messages this way in the
  deprecated per-message events): ``[{"text": ...}, {"toolUse": {toolUseId, name, input}},
  {"toolResult": {toolUseId, status, content: [{"text"} | {"json"}]}}]``.
* **LlamaIndex ``ToolOutput``** (``model_dump`` JSON on its tool spans): ``{"blocks": [{"text": ...}],
  "tool_name": ..., "raw_output": ..., "is_error": ...}``; the model is sent the text of its blocks.
* **``kwargs`` envelopes** of tool arguments (OpenInference's ``input.value`` of a Python callable:
  ``{"args": [], "kwargs": {...}}``).

Every function is total: what is not the shape comes back ``None`` (callers keep the value as it is); what is the
shape but holds no text (an image block) raises ``Unreadable`` with the reason.
"""

from __future__ import annotations

import json
from typing import Any, Final

from tracewheel.collector.episode import FunctionCall, Message, ToolCall
from tracewheel.collector.normalize_common import json_text, load_json

# Keys of a Converse content block (one per block).
_CONVERSE_KEYS: Final = frozenset(
    {
        "text",
        "toolUse",
        "toolResult",
        "image",
        "document",
        "video",
        "json",
        "reasoningContent",
        "cachePoint",
        "citationsContent",
        "guardContent",
    }
)
_CONVERSE_CORE: Final = frozenset({"text", "toolUse", "toolResult"})
# Converse blocks that add nothing to a text row and lose nothing by being dropped.
_CONVERSE_SILENT: Final = frozenset({"reasoningContent", "cachePoint"})
# Keys of a Python call's arguments as OpenInference records them (``input.value``).
_CALL_KEYS: Final = frozenset({"args", "kwargs", "sanitize_inputs_outputs"})


class Unreadable(ValueError):
    """A recognised serialization whose content is not text."""


def converse_blocks(value: Any) -> list[dict[str, Any]] | None:
    """``value`` (a list or its JSON text) when it is a list of Converse content blocks, else ``None``."""
    loaded = load_json(value)
    if not isinstance(loaded, list) or not loaded:
        return None
    if not all(isinstance(b, dict) and len(b) == 1 and next(iter(b)) in _CONVERSE_KEYS for b in loaded):
        return None
    if not any(next(iter(b)) in _CONVERSE_CORE for b in loaded):
        return None
    return loaded


def _converse_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif isinstance(block, dict) and "json" in block:
            texts.append(json_text(block["json"]) or "")
        else:
            kind = next(iter(block), "?") if isinstance(block, dict) else type(block).__name__
            raise Unreadable(f"a Converse toolResult holds a {kind!r} block (not text)")
    return "\n".join(texts)


def converse_messages(
    role: str, blocks: list[dict[str, Any]], span_id: str | None, problems: list[str]
) -> list[Message]:
    """One Converse message (its role and blocks) in the OpenAI shape: text and tool calls in one message,
    each ``toolResult`` a ``tool`` message of its own."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for block in blocks:
        ((kind, body),) = block.items()
        if kind == "text" and isinstance(body, str):
            texts.append(body)
        elif kind == "toolUse" and isinstance(body, dict) and isinstance(body.get("name"), str):
            arguments = json_text(body.get("input") if body.get("input") is not None else {}) or "{}"
            calls.append(
                ToolCall(
                    id=body.get("toolUseId"), function=FunctionCall(name=body["name"], arguments=arguments)
                )
            )
        elif kind == "toolResult" and isinstance(body, dict):
            call_id = body.get("toolUseId")
            try:
                content: str | None = _converse_result_text(body.get("content"))
            except Unreadable as exc:
                problems.append(f"tool result of call {call_id or '?'}: {exc}")
                content = None
            results.append(Message(role="tool", content=content, tool_call_id=call_id, span_id=span_id))
        elif kind not in _CONVERSE_SILENT:
            problems.append(f"a {role} message holds a Converse {kind!r} block (not text)")
    out: list[Message] = []
    if texts or calls:
        chat_role = "assistant" if calls else role
        if chat_role in ("system", "user", "assistant"):
            out.append(
                Message(
                    role=chat_role,  # type: ignore[arg-type]
                    content="\n".join(texts) if texts else None,
                    tool_calls=calls or None,
                    span_id=span_id,
                )
            )
    return results + out


def expand_converse(messages: list[Message] | None, problems: list[str]) -> list[Message] | None:
    """Messages whose content is Converse blocks, expanded; other messages unchanged."""
    if not messages:
        return messages
    out: list[Message] = []
    for message in messages:
        blocks = converse_blocks(message.content) if not message.tool_calls else None
        if blocks is None:
            out.append(message)
            continue
        if message.role == "tool" and not any("toolResult" in b for b in blocks):
            # A tool message's own content as blocks: its text is the result.
            try:
                content: str | None = _converse_result_text(blocks)
            except Unreadable as exc:
                problems.append(f"tool result of call {message.tool_call_id or '?'}: {exc}")
                content = None
            out.append(message.model_copy(update={"content": content}))
            continue
        expanded = converse_messages(message.role, blocks, message.span_id, problems)
        if message.finish_reason and expanded:
            expanded[-1] = expanded[-1].model_copy(update={"finish_reason": message.finish_reason})
        if message.role == "tool" and message.tool_call_id:
            expanded = [
                m.model_copy(update={"tool_call_id": m.tool_call_id or message.tool_call_id})
                for m in expanded
            ]
        out.extend(expanded)
    return out


def tool_output_text(value: Any) -> str | None:
    """A tool result recorded as a framework object, as the text the model was sent; ``None`` when ``value`` is
    not such an object. Raises ``Unreadable`` when it is one but holds no text."""
    loaded = load_json(value)
    if isinstance(loaded, dict) and isinstance(loaded.get("blocks"), list):
        if "tool_name" in loaded or "raw_output" in loaded or "is_error" in loaded:  # LlamaIndex ToolOutput
            texts = []
            for block in loaded["blocks"]:
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    texts.append(block["text"])
                else:
                    kind = block.get("block_type", "?") if isinstance(block, dict) else "?"
                    raise Unreadable(f"a LlamaIndex ToolOutput holds a {kind!r} block (not text)")
            return "\n".join(texts)
    if (
        isinstance(loaded, dict)
        and isinstance(loaded.get("content"), str)
        and "tool_name" in loaded
        and ("raw_output" in loaded or "raw_input" in loaded)
    ):
        return loaded["content"]  # LlamaIndex ToolOutput before content blocks (0.12 and earlier)
    blocks = converse_blocks(loaded)
    if blocks is not None and all("text" in b or "json" in b for b in blocks):
        return _converse_result_text(blocks)
    if isinstance(loaded, dict) and set(loaded) == {"toolResult"} and isinstance(loaded["toolResult"], dict):
        return _converse_result_text(loaded["toolResult"].get("content"))
    return None


def call_arguments(value: Any) -> str | None:
    """Tool arguments recorded as a Python call (``{"args": [], "kwargs": {...}}``) as the JSON object the model
    sent; ``None`` when not that shape."""
    loaded = load_json(value)
    if (
        isinstance(loaded, dict)
        and isinstance(loaded.get("kwargs"), dict)
        and set(loaded) <= _CALL_KEYS
        and not loaded.get("args")
    ):
        return json.dumps(loaded["kwargs"], ensure_ascii=False)
    return None


# --- Gemini contents (google-genai ``Content``: ADK's legacy llm_request / llm_response, its events) -------------

_GEMINI_ROLES: Final = {
    "user": "user",
    "model": "assistant",
    "assistant": "assistant",
    "function": "user",
    "tool": "user",
    "system": "system",
}
_GEMINI_PART_KEYS: Final = frozenset(
    {
        "text",
        "function_call",
        "functionCall",
        "function_response",
        "functionResponse",
        "inline_data",
        "inlineData",
        "file_data",
        "fileData",
        "executable_code",
        "executableCode",
        "code_execution_result",
        "codeExecutionResult",
        "thought",
        "thought_signature",
        "thoughtSignature",
    }
)
_GEMINI_MEDIA: Final = ("inline_data", "inlineData", "file_data", "fileData")


def _set(part: dict[str, Any]) -> dict[str, Any]:
    """A part without its null fields (pydantic dumps of google-genai parts list every field)."""
    return {k: v for k, v in part.items() if v is not None}


def gemini_content(value: Any) -> dict[str, Any] | None:
    """``value`` (a dict or its JSON text) when it is a google-genai ``Content`` (``{role?, parts:[...]}`` whose
    parts are keyed ``text`` / ``function_call`` / ``function_response`` / ...), else ``None``."""
    loaded = load_json(value)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("parts"), list) or not loaded["parts"]:
        return None
    if set(loaded) - {"parts", "role"}:
        return None
    for part in loaded["parts"]:
        if not isinstance(part, dict) or "type" in part:
            return None  # OTel GenAI parts are typed; these are not
        present = set(_set(part))
        if not present or not present & _GEMINI_PART_KEYS:
            return None
    return loaded


def _gemini_response_text(response: Any) -> str | None:
    return json_text(response) if response is not None else None


def gemini_messages(content: dict[str, Any], span_id: str | None, problems: list[str]) -> list[Message]:
    """One google-genai ``Content`` in the OpenAI shape: text and function calls in one message, each function
    response a ``tool`` message (its ``response`` object as JSON text)."""
    role = _GEMINI_ROLES.get(str(content.get("role") or "user"), "user")
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for raw in content["parts"]:
        part = _set(raw)
        call = part.get("function_call") or part.get("functionCall")
        response = part.get("function_response") or part.get("functionResponse")
        if part.get("thought") is True:
            continue  # reasoning, not part of the answer
        if isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(call, dict) and isinstance(call.get("name"), str):
            arguments = json_text(call.get("args") if call.get("args") is not None else {}) or "{}"
            calls.append(
                ToolCall(id=call.get("id"), function=FunctionCall(name=call["name"], arguments=arguments))
            )
        elif isinstance(response, dict):
            results.append(
                Message(
                    role="tool",
                    content=_gemini_response_text(response.get("response")),
                    tool_call_id=response.get("id"),
                    name=response.get("name") if isinstance(response.get("name"), str) else None,
                    span_id=span_id,
                )
            )
        elif any(k in part for k in _GEMINI_MEDIA):
            problems.append(f"a {role} message holds a media part (not text)")
        elif set(part) - {"thought_signature", "thoughtSignature"}:
            problems.append(f"a {role} message holds a part {sorted(part)} (not text)")
    out: list[Message] = list(results)
    if texts or calls:
        out.append(
            Message(
                role="assistant" if calls else role,  # type: ignore[arg-type]
                content="\n".join(texts) if texts else None,
                tool_calls=calls or None,
                span_id=span_id,
            )
        )
    return out


def expand_gemini(messages: list[Message] | None, problems: list[str]) -> list[Message] | None:
    """Messages whose content is a google-genai ``Content`` (as JSON text), expanded; others unchanged."""
    if not messages:
        return messages
    out: list[Message] = []
    for message in messages:
        content = gemini_content(message.content) if not message.tool_calls else None
        if content is None:
            out.append(message)
            continue
        role = content.get("role") or message.role
        out.extend(gemini_messages({**content, "role": role}, message.span_id, problems))
    return out
