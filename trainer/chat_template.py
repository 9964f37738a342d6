"""The tool-aware chat template tracewheel trains and serves with, and the check that decides to install it.

SmolLM2-135M-Instruct ships a ChatML template that renders neither ``tools`` nor ``tool_calls`` nor tool
messages, so a trace with tool use would train as plain text with the calls silently dropped.
``ensure_tool_chat_template`` renders a probe conversation; if the tool call's name or the tool's schema does not
appear, it installs ``chat_template.jinja`` (ChatML with tools, Qwen2.5-style ``<tool_call>`` JSON, and
``{% generation %}`` markers for assistant-only loss) and the matching response parser, so
``tokenizer.parse_response`` reads tool calls back out of generated text.
"""

from __future__ import annotations

import copy
import logging
from functools import cache
from importlib import resources
from typing import Any

logger = logging.getLogger(__name__)

_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "probe_tool_schema",
        "description": "probe",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}
_PROBE_MESSAGES = [
    {"role": "user", "content": "probe"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": "probe_tool_call", "arguments": {"q": "x"}}}],
    },
    {"role": "tool", "name": "probe_tool_call", "content": "probe_tool_result"},
    {"role": "assistant", "content": "done"},
]

# Same wire format as Qwen2.5/3's <tool_call> JSON blocks, so the same response template parses it.
RESPONSE_TEMPLATE: dict[str, Any] = {
    "defaults": {"role": "assistant"},
    "start_anchor": "<|im_start|>assistant\n",
    "fields": {
        "tool_calls": {
            "open": "<tool_call>",
            "close_pattern": r"</tool_call>\s*",
            "repeats": True,
            "content": "json",
            "transform": {"type": "function", "function": "{content}"},
        },
        "content": {"close_pattern": r"<\|im_end\|>\s*", "content": "text"},
    },
}


@cache
def tool_chat_template() -> str:
    """The packaged template text (``trainer/chat_template.jinja``)."""
    return resources.files("tracewheel.trainer").joinpath("chat_template.jinja").read_text(encoding="utf-8")


def renders_tools(tokenizer: Any) -> bool:
    """Whether the tokenizer's current template renders tool schemas, tool calls and tool results."""
    if not getattr(tokenizer, "chat_template", None):
        return False
    try:
        text = tokenizer.apply_chat_template(_PROBE_MESSAGES, tools=[_PROBE_TOOL], tokenize=False)
    except Exception:  # a template that chokes on tool messages is exactly what we are probing for
        return False
    return all(s in text for s in ("probe_tool_schema", "probe_tool_call", "probe_tool_result"))


def ensure_tool_chat_template(tokenizer: Any) -> Any:
    """Install tracewheel's tool-aware template when the tokenizer's own one cannot render tool use."""
    if renders_tools(tokenizer):
        return tokenizer
    if "<|im_start|>" not in tokenizer.get_vocab():
        logger.warning("tokenizer's chat template cannot render tools and is not ChatML; leaving it unchanged")
        return tokenizer
    tokenizer.chat_template = tool_chat_template()
    tokenizer.response_template = copy.deepcopy(RESPONSE_TEMPLATE)
    return tokenizer
