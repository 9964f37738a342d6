"""trainer/chat_template.py across template families: assistant-only SFT on the tiny model, tool calls parse back.

Families, each set on the tiny model's (SmolLM2) tokenizer:
- SmolLM2's own ChatML template: renders no tools, so TRL's Qwen2.5 training template is installed;
- Qwen2.5's template (TRL's copy): renders tools but has no ``{% generation %}`` markers, so training uses TRL's
  training variant of it;
- Llama 3's template (TRL's copy): no tools, no markers, not ChatML; training uses TRL's training variant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _trainer_fixtures import WEATHER_TOOL
from tracewheel.trainer.chat_template import (
    DEFAULT_SYSTEM_PROMPT,
    chatml_tool_template,
    ensure_tool_chat_template,
    training_chat_template,
)
from tracewheel.trainer.model import load_model, load_tokenizer
from tracewheel.trainer.sft_config import SFTMethodConfig
from tracewheel.trainer.sft_trainer import build_trainer, tokenize_rows
from trl.chat_template_utils import (
    llama3_1_chat_template,
    llama3_chat_template,
    llama3_training_chat_template,
    parse_response,
    qwen2_5_chat_template,
    qwen2_5_training_chat_template,
    supports_tool_calling,
)

from tracewheel.core.errors import TracewheelError

# SmolLM2-135M-Instruct's own template, as read from its GGUF: it has no notion of tools.
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Local time in a time zone.",
        "parameters": {
            "type": "object",
            "properties": {"zone": {"type": "string"}, "h24": {"type": "boolean"}},
        },
    },
}
# One assistant turn calling two tools whose arguments have different keys.
TOOL_CALLS = [
    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
    {"type": "function", "function": {"name": "get_time", "arguments": {"zone": "Europe/Oslo", "h24": True}}},
]
TOOL_ROW = {
    "messages": [
        {"role": "system", "content": "You are a travel assistant."},
        {"role": "user", "content": "Weather and time in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": TOOL_CALLS},
        {"role": "tool", "name": "get_weather", "content": "SECRET_WEATHER_RESULT 4C"},
        {"role": "tool", "name": "get_time", "content": "SECRET_TIME_RESULT 09:00"},
        {"role": "assistant", "content": "It is 4 degrees and 09:00 in Oslo."},
    ],
    "tools": [WEATHER_TOOL, TIME_TOOL],
}
PLAIN_ROW = {
    "messages": [
        {"role": "system", "content": "You are a travel assistant."},
        {"role": "user", "content": "Is Oslo cold in winter?"},
        {"role": "assistant", "content": "Yes, Oslo is cold in winter."},
    ],
    "tools": None,
}
NOT_LEARNED = (
    "travel assistant",
    "Weather and time",
    "Is Oslo cold",
    "SECRET_WEATHER_RESULT",
    "SECRET_TIME_RESULT",
)


def _tokenizer(tiny_model_path: Path, template: str | None) -> Any:
    tokenizer = load_tokenizer(tiny_model_path)
    tokenizer.chat_template = template
    tokenizer.response_template = None
    return ensure_tool_chat_template(tokenizer)


FAMILIES = {
    # family: (template set on the tokenizer, the template it ends up with, training template, rows, parses tools)
    "smollm2-chatml": (SMOLLM2_TEMPLATE, chatml_tool_template(), None, [TOOL_ROW, PLAIN_ROW], True),
    "qwen2.5": (
        qwen2_5_chat_template,
        qwen2_5_chat_template,
        qwen2_5_training_chat_template,
        [TOOL_ROW],
        True,
    ),
    "llama3": (llama3_chat_template, llama3_chat_template, llama3_training_chat_template, [PLAIN_ROW], False),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_gets_its_template_and_trains_on_assistant_tokens_only(
    family: str, tiny_model_path: Path, tmp_path: Path
) -> None:
    own, installed, training, rows, tools = FAMILIES[family]
    tokenizer = _tokenizer(tiny_model_path, own)
    assert tokenizer.chat_template == installed
    assert training_chat_template(tokenizer) == training
    assert supports_tool_calling(tokenizer) is tools

    trainer = build_trainer(
        load_model(tiny_model_path), tokenizer, rows, SFTMethodConfig(max_steps=2), tmp_path
    )
    for example, row in zip(trainer.train_dataset, rows, strict=True):
        learned = tokenizer.decode(
            [t for t, lab in zip(example["input_ids"], example["labels"], strict=True) if lab != -100]
        )
        assistant = [m for m in row["messages"] if m["role"] == "assistant"]
        for message in assistant:
            assert message["content"] in learned
            for call in message.get("tool_calls") or []:
                function = call["function"]
                assert (
                    f'"name": "{function["name"]}", "arguments": {json.dumps(function["arguments"])}'
                    in learned
                )
        assert not [text for text in NOT_LEARNED if text in learned]
        eos = "<|im_end|>" if tools else "<|eot_id|>"
        assert learned.count(eos) == len(assistant)  # every assistant turn learns to stop
    result = trainer.train()
    assert trainer.state.global_step == 2 and result.training_loss > 0


@pytest.mark.parametrize("family", [f for f, spec in FAMILIES.items() if spec[4]])
def test_generated_tool_calls_parse_back(family: str, tiny_model_path: Path) -> None:
    tokenizer = _tokenizer(tiny_model_path, FAMILIES[family][0])
    prompt = tokenizer.apply_chat_template(
        TOOL_ROW["messages"][:2], tools=TOOL_ROW["tools"], add_generation_prompt=True, return_dict=False
    )
    full = tokenizer.apply_chat_template(TOOL_ROW["messages"][:3], tools=TOOL_ROW["tools"], return_dict=False)
    assert full[: len(prompt)] == prompt
    # What the model would generate for the turn, parsed back by TRL (tokenizer.parse_response underneath).
    parsed = parse_response(tokenizer, full[len(prompt) :], prefix=prompt)
    assert parsed["tool_calls"] == TOOL_CALLS


def test_chatml_fallback_keeps_the_embedded_models_system_prompt(tiny_model_path: Path) -> None:
    tokenizer = _tokenizer(tiny_model_path, SMOLLM2_TEMPLATE)
    for tools in (None, [WEATHER_TOOL]):
        text = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tools=tools, tokenize=False)
        assert text.startswith(f"<|im_start|>system\n{DEFAULT_SYSTEM_PROMPT}") and "Qwen" not in text


def test_a_chatml_vocabulary_without_any_template_gets_the_tool_template(tiny_model_path: Path) -> None:
    assert _tokenizer(tiny_model_path, None).chat_template == chatml_tool_template()


def test_own_qwen_template_trains_where_it_used_to_find_no_assistant_turn(tiny_model_path: Path) -> None:
    tokenizer = _tokenizer(tiny_model_path, qwen2_5_chat_template)
    [item] = tokenize_rows([TOOL_ROW], tokenizer, SFTMethodConfig())
    assert sum(item["assistant_masks"]) > 0
    # Rendering and serving keep the model's own template: the training variant is only used to tokenize.
    assert tokenizer.chat_template == qwen2_5_chat_template


def test_template_without_a_training_variant_is_a_clear_error(tiny_model_path: Path) -> None:
    tokenizer = _tokenizer(
        tiny_model_path, llama3_1_chat_template
    )  # renders tools, TRL has no training variant
    with pytest.raises(TracewheelError, match="no training variant"):
        tokenize_rows([TOOL_ROW], tokenizer, SFTMethodConfig())
    # Full-sequence loss needs no markers.
    assert tokenize_rows([PLAIN_ROW], tokenizer, SFTMethodConfig(assistant_only_loss=False))
