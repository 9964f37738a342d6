"""LoRA SFT on conversational rows with tool calls, through TRL's ``SFTTrainer``.

Rows (``{"messages": [...], "tools": [...]}``) are tokenized here, once, with the chat template's assistant
mask, and handed to TRL already tokenized: TRL then only builds labels, packs and collates. Doing it here keeps
free-form tool schemas and tool-call arguments out of Arrow (see trainer/rows.py) and lets the assistant mask come
from tracewheel's tool-aware template, whichever model is trained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trainer.sft_config import SFTMethodConfig
from tracewheel.errors import TracewheelError

KIND = "sft"
CONFIG_CLASS = SFTMethodConfig


def tokenize_rows(rows: list[dict[str, Any]], tokenizer: Any, config: SFTMethodConfig) -> list[dict[str, list[int]]]:
    """Chat-template token ids per row, with ``assistant_masks`` (1 on assistant-turn tokens) when asked."""
    out = []
    for i, row in enumerate(rows):
        try:
            encoded = tokenizer.apply_chat_template(
                row["messages"],
                tools=row.get("tools") or None,
                tokenize=True,
                return_dict=True,
                return_assistant_tokens_mask=config.assistant_only_loss,
            )
        except Exception as exc:  # jinja errors from malformed messages: name the row
            raise TracewheelError(f"sft row {i} cannot be rendered by the chat template: {exc}") from exc
        item = {"input_ids": list(encoded["input_ids"])}
        if config.assistant_only_loss:
            item["assistant_masks"] = list(encoded["assistant_masks"])
            if not any(item["assistant_masks"]):
                continue  # no assistant turn: nothing to learn from this row
        if config.max_length is not None and not config.packing:
            item = {k: v[: config.max_length] for k, v in item.items()}
        out.append(item)
    if not out:
        raise TracewheelError("no sft row has an assistant turn to learn from")
    return out


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: SFTMethodConfig, output_dir: Path
) -> Any:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    dataset = Dataset.from_list(tokenize_rows(rows, tokenizer, config))
    padding_free = config.padding_free or config.packing
    args = SFTConfig(
        **config.trl_kwargs(output_dir, bf16=str(model.dtype) == "torch.bfloat16"),
        max_length=config.max_length if config.packing else None,
        packing=config.packing,
        packing_strategy="bfd",
        padding_free=padding_free,
        # The masks are already in the dataset; TRL's own flag would re-check for raw conversations.
        assistant_only_loss=False,
        completion_only_loss=False,
        dataset_num_proc=None,
        remove_unused_columns=True,
    )
    return SFTTrainer(
        model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=config.lora_config()
    )
