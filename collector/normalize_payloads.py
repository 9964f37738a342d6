"""Tool results as the text the model saw, out of the envelopes frameworks serialize them in.

Instrumentations record a tool's result however the framework holds it: LangChain's serialized ``ToolMessage``
(``{"lc":1,"type":"constructor","id":[...,"ToolMessage"],"kwargs":{"content":...}}``, its ``messages_to_dict``
form ``{"type":"tool","data":{"content":...}}``, or its ``model_dump``), content-block lists
(``[{"type":"text","text":...}]``), MCP ``CallToolResult`` (``{"content":[blocks], "isError":...}``). The model was
sent the content inside, so that is what goes into a training row. Anything that is not such an envelope is the
tool's own output and is kept as it is (a JSON result stays its JSON text).

``tool_result_text`` never raises; what it cannot turn into text is reported, so the collector can put it in
``Episode.undecoded`` instead of training on a blank or a serialization.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Final

_MAX_DEPTH: Final = 8
_TEXT_BLOCKS: Final = frozenset({"text", "input_text", "output_text"})
_MESSAGE_CLASSES: Final = frozenset(
    {"ToolMessage", "FunctionMessage", "AIMessage", "HumanMessage", "ChatMessage"}
)
# Keys a content block may carry its text under.
_BLOCK_TEXT_KEYS: Final = ("text", "content")


class Unreadable(ValueError):
    """A payload in a recognised envelope whose content is not text (an image block, ...)."""


def _loaded(value: Any) -> Any:
    """JSON text that looks like an object, an array or a string literal, decoded; anything else as it is.

    (A JSON string literal is how decorators that ``json.dumps`` every output record a tool's text result.)"""
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, str) else value
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _blocks_text(blocks: list[Any]) -> str:
    """A list of content blocks (OpenAI / Anthropic / MCP / LangChain) as one text."""
    texts = []
    for block in blocks:
        if isinstance(block, str):
            texts.append(block)
            continue
        kind = block.get("type") if isinstance(block, dict) else None
        text = next(
            (block[k] for k in _BLOCK_TEXT_KEYS if isinstance(block, dict) and isinstance(block.get(k), str)),
            None,
        )
        if kind in _TEXT_BLOCKS and text is not None:
            texts.append(text)
        else:
            raise Unreadable(f"a content block of type {kind!r} (not text)")
    return "\n".join(texts)


def _is_block_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in value)
        and any(b.get("type") in _TEXT_BLOCKS for b in value)
    )


def _envelope_content(value: dict[str, Any]) -> tuple[bool, Any]:
    """``(True, inner)`` when ``value`` is a known envelope around ``inner``; ``(False, None)`` otherwise."""
    ident = value.get("id")
    if value.get("lc") == 1 and value.get("type") == "constructor" and isinstance(value.get("kwargs"), dict):
        # langchain_core.load.dumpd: id is the class path, e.g. [..., "messages", "ToolMessage"].
        if isinstance(ident, list) and ident and ident[-1] in _MESSAGE_CLASSES:
            return True, value["kwargs"].get("content")
    data = value.get("data")
    if value.get("type") in ("tool", "function", "ai", "human", "chat") and isinstance(data, dict):
        if "content" in data:  # langchain_core.messages.messages_to_dict
            return True, data["content"]
    if value.get("type") in ("tool", "function") and "content" in value:
        if "tool_call_id" in value or "name" in value:  # ToolMessage.model_dump / dict()
            return True, value["content"]
    if "content" in value and ("isError" in value or "structuredContent" in value):
        content = value["content"]  # MCP CallToolResult
        if isinstance(content, list):
            return True, content
    return False, None


def tool_result_text(value: Any) -> str | None:
    """A tool result in any shape as text; ``None`` when absent. Raises ``Unreadable`` for non-text content.

    Envelopes are unwrapped (repeatedly: a JSON string holding a dumped ``ToolMessage`` whose content is a block
    list); everything else keeps its own text (strings as they are, other values as JSON).
    """
    current = value
    for _ in range(_MAX_DEPTH):
        if current is None:
            return None
        loaded = _loaded(current)
        if isinstance(loaded, dict):
            known, inner = _envelope_content(loaded)
            if not known:
                break
            current = inner
            continue
        if _is_block_list(loaded):
            return _blocks_text(loaded)
        if isinstance(loaded, str):
            current = loaded  # a JSON string literal's text (or the text itself)
        break
    return _as_text(current)


def envelope_call_id(value: Any) -> str | None:
    """The tool-call id a serialized tool message carries (LangChain's ``ToolMessage`` has ``tool_call_id``)."""
    loaded = _loaded(value)
    if not isinstance(loaded, dict):
        return None
    for node in (loaded, loaded.get("data"), loaded.get("kwargs")):
        if isinstance(node, dict) and isinstance(node.get("tool_call_id"), str) and node["tool_call_id"]:
            return node["tool_call_id"]
    return None


def read_tool_result(value: Any, where: str, problems: list[str]) -> str | None:
    """``tool_result_text``, with an unreadable payload reported into ``problems`` (and ``None`` returned)."""
    try:
        return tool_result_text(value)
    except Unreadable as exc:
        problems.append(f"{where}: {exc}")
        return None


_MAX_LITERAL_CHARS: Final = 200_000
# Python reprs of SDK objects some instrumentations write instead of the message: the classes that stand for a
# tool call (their keyword arguments carry ``call_id``/``id``, ``name``, ``arguments``).
_CALL_FIELDS: Final = ("call_id", "name", "arguments")


def _python_value(node: ast.AST) -> Any:
    """A Python expression of literals and ``Class(key=value, ...)`` constructor calls as plain data (a call
    becomes the dict of its keyword arguments plus ``__class__``); anything else raises ``ValueError``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args:
        out: dict[str, Any] = {"__class__": node.func.id}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ValueError("**kwargs")
            out[keyword.arg] = _python_value(keyword.value)
        return out
    if isinstance(node, ast.List):
        return [_python_value(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {
            _python_value(k) if k is not None else None: _python_value(v)
            for k, v in zip(node.keys, node.values, strict=True)
        }
    return ast.literal_eval(node)


def _parsed(text: str) -> Any:
    value: Any = _loaded(text)
    if not isinstance(value, str):
        return value
    try:
        return _python_value(ast.parse(text, mode="eval").body)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _as_call(value: Any) -> dict[str, Any] | None:
    """A tool call in a serialized SDK object (Responses ``function_call`` item, chat ``tool_calls`` entry)."""
    if not isinstance(value, dict):
        return None
    fn = value.get("function") if isinstance(value.get("function"), dict) else value
    name, arguments = fn.get("name"), fn.get("arguments", "{}")
    if not isinstance(name, str) or not isinstance(arguments, str | dict):
        return None
    call_id = value.get("call_id") or value.get("id")
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def serialized_message(text: Any) -> dict[str, Any] | None:
    """An assistant message (or one tool call) an instrumentation wrote as text, as an OpenAI message dict.

    Read forms: JSON, a Python ``repr`` of a dict (the OpenAI Agents SDK's contrib instrumentation stringifies the
    chat ``ChatCompletionMessage``), and a dataclass-style repr such as ``ResponseFunctionToolCall(call_id=...,
    name=..., arguments=...)`` (the same instrumentation with the Responses API model). Python forms are read as
    literals and constructor calls only (``ast``, never evaluated), bounded in size.
    """
    if not isinstance(text, str) or len(text) > _MAX_LITERAL_CHARS:
        return None
    stripped = text.strip()
    if "role" not in stripped and "call_id" not in stripped:
        return None
    if not (stripped.endswith("}") or stripped.endswith(")")):
        return None
    value = _parsed(stripped)
    if not isinstance(value, dict):
        return None
    if value.get("role") == "assistant" and ("tool_calls" in value or "content" in value):
        calls = [c for c in (_as_call(tc) for tc in value.get("tool_calls") or []) if c is not None]
        return {"role": "assistant", "content": value.get("content"), "tool_calls": calls}
    if value.get("type") == "function_call" or (value.get("__class__") and "call_id" in value):
        call = _as_call(value)
        if call is not None:
            return {"role": "assistant", "content": None, "tool_calls": [call]}
    return None
