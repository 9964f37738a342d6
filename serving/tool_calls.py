"""Parse tool calls back out of what a model generated, in the format tracewheel trains it to write.

The trainer's chat template (``trainer/chat_template.py``: TRL's Qwen2.5 training template, ChatML with tool use)
renders an assistant tool call as::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

one block per call, after any content. This module is the inverse: content without the markup, the calls in the
OpenAI shape (``arguments`` a JSON string), and ``parse_error`` when the model opened a tool call that does not
parse (bad JSON, no name, arguments not an object, an unclosed block), which the evals count as the tool-call parse
rate. It follows TRL's Qwen response schema (``trl.chat_template_utils.qwen3_schema``): the same block regex and
the same ``{"name", "arguments"}`` JSON object.

    >>> out = parse_tool_calls('Let me check.\\n<tool_call>\\n{"name": "f", "arguments": {"x": 1}}\\n</tool_call>')
    >>> out.content, out.tool_calls[0]["function"], out.parse_error
    ('Let me check.', {'name': 'f', 'arguments': '{"x": 1}'}, False)
"""

from __future__ import annotations

import json
import re
from hashlib import sha256
from typing import Any

from pydantic import BaseModel

OPEN_TAG = "<tool_call>"
CLOSE_TAG = "</tool_call>"
_BLOCK_RE = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)
# Chat-format tokens a model may leave at the end of its text when the server keeps special tokens.
_TRAILING_SPECIALS = ("<|im_end|>", "<|endoftext|>")


class ParsedOutput(BaseModel):
    content: str  # the text with every tool-call block removed
    tool_calls: list[
        dict[str, Any]
    ]  # OpenAI shape: {"id", "type": "function", "function": {"name", "arguments"}}
    parse_error: bool  # the model started a tool call that did not parse


def tool_call_id(text: str, index: int) -> str:
    """A stable id for the ``index``-th call of a generation (same output, same ids: reproducible tests)."""
    return "call_" + sha256(f"{index}:{text}".encode()).hexdigest()[:24]


def _parse_block(body: str) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"]:
        return None
    arguments = data.get("arguments", {})
    if isinstance(arguments, str):  # some models write the OpenAI shape (a JSON string) themselves
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return None
    if not isinstance(arguments, dict):
        return None
    return {"name": data["name"], "arguments": json.dumps(arguments, ensure_ascii=False)}


def parse_tool_calls(text: str) -> ParsedOutput:
    """Split generated ``text`` into content and tool calls; see the module docstring."""
    for special in _TRAILING_SPECIALS:
        text = text.replace(special, "")
    calls: list[dict[str, Any]] = []
    parse_error = False
    for match in _BLOCK_RE.finditer(text):
        function = _parse_block(match.group(1))
        if function is None:
            parse_error = True
            continue
        calls.append({"id": tool_call_id(text, len(calls)), "type": "function", "function": function})
    content = _BLOCK_RE.sub("", text)
    if OPEN_TAG in content:
        # An opened block never closed (cut by max_tokens, or the model lost the format): not a call, an error,
        # and its half-written JSON is not content either.
        parse_error = True
        content = content[: content.index(OPEN_TAG)]
    return ParsedOutput(content=content.strip(), tool_calls=calls, parse_error=parse_error)


def may_become_tool_call(text: str) -> bool:
    """Whether streamed ``text`` ends inside (or at the possible start of) a tool-call block.

    A streaming server holds such text back instead of sending it as content, until the block closes or the
    generation ends.
    """
    if text.rfind(OPEN_TAG) > text.rfind(CLOSE_TAG):
        return True
    tail = text[-len(OPEN_TAG) :]
    return any(tail.endswith(OPEN_TAG[:k]) for k in range(1, len(OPEN_TAG)))
