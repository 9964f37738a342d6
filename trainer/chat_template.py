"""Chat templates that render, train on and parse back tool use, taken from TRL wherever TRL has them.

Two cases, both decided with TRL's own checks (``trl.chat_template_utils``):

- The model's template renders tool use (Qwen2.5/3, Llama 3.1, ...): it is kept for rendering and serving, and TRL's
  response parser for it is attached when TRL knows the family (``add_response_schema``). Training swaps in TRL's
  training variant of it (``training_chat_template``), which adds the ``{% generation %}`` markers that
  assistant-only loss needs: without them every assistant mask is empty.
- The model's template cannot render tools (SmolLM2-135M-Instruct's ChatML template, the embedded default model,
  drops ``tools``, ``tool_calls`` and tool messages, so tool use would train as plain text): a ChatML template
  gets TRL's Qwen2.5 training template, which is ChatML with ``<tool_call>`` JSON and generation markers, and the
  Qwen2.5 response parser. The one tracewheel change: the default system prompt (used when a conversation has none)
  is the embedded model's own rather than Qwen's "You are Qwen, created by Alibaba Cloud", which would misname
  every non-Qwen model.
"""

from __future__ import annotations

import logging
from typing import Any

from trl.chat_template_utils import (
    add_response_schema,
    get_training_chat_template,
    qwen2_5_chat_template,
    qwen2_5_training_chat_template,
    supports_tool_calling,
)

from tracewheel.core.errors import TracewheelError

logger = logging.getLogger(__name__)

_QWEN_SYSTEM_PROMPT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
# SmolLM2-135M-Instruct's own default, so the embedded model sees the system prompt it was tuned with.
DEFAULT_SYSTEM_PROMPT = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chatml_tool_template() -> str:
    """TRL's Qwen2.5 training template with tracewheel's default system prompt (see the module docstring)."""
    if qwen2_5_training_chat_template.count(_QWEN_SYSTEM_PROMPT) != 2:  # with tools and without
        raise RuntimeError(
            "TRL's qwen2_5_training.jinja changed: its default system prompt was not found twice"
        )
    return qwen2_5_training_chat_template.replace(_QWEN_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT)


def _has_response_parser(tokenizer: Any) -> bool:
    return any(getattr(tokenizer, a, None) is not None for a in ("response_template", "response_schema"))


def ensure_tool_chat_template(tokenizer: Any) -> Any:
    """Give the tokenizer a template that renders tool use, and a parser for the tool calls it generates."""
    if supports_tool_calling(tokenizer):
        if not _has_response_parser(tokenizer):
            try:
                add_response_schema(tokenizer)
            except ValueError:  # TRL knows no parser for this family; rendering and training still work
                logger.info("no response parser known for this chat template; generated tool calls stay text")
        return tokenizer
    template = tokenizer.chat_template
    # Without a template, the vocabulary tells whether the model speaks ChatML.
    chatml = "<|im_start|>" in str(template) if template else "<|im_start|>" in tokenizer.get_vocab()
    if not chatml:
        # Another family's special tokens (Llama 3's headers, Gemma's turns) cannot be swapped for ChatML's.
        logger.warning("the chat template cannot render tools and is not ChatML; leaving it unchanged")
        return tokenizer
    # TRL picks the parser by the exact text of the template, so it is chosen while the stock one is installed.
    tokenizer.chat_template = qwen2_5_chat_template
    add_response_schema(tokenizer)
    tokenizer.chat_template = chatml_tool_template()
    return tokenizer


def training_chat_template(tokenizer: Any) -> str | None:
    """The template to tokenize training rows with for assistant-only loss; ``None``: the tokenizer's own one.

    TRL's ``get_training_chat_template`` returns its training variant of a known template that lacks
    ``{% generation %}`` markers (or is not prefix-preserving), ``None`` when the template is fine as it is.
    """
    try:
        return get_training_chat_template(tokenizer)
    except ValueError as exc:
        raise TracewheelError(
            "the model's chat template has no {% generation %} markers for assistant-only loss and TRL ships no "
            "training variant of it; add the markers to the template or train with assistant_only_loss: false"
        ) from exc
