"""LoRA SFT on conversational rows with tool calls, through TRL's ``SFTTrainer``.

Rows (``{"messages": [...], "tools": [...]}``) are tokenized here, once, with the chat template's assistant
mask, and handed to TRL already tokenized: TRL then only builds labels, packs and collates. Doing it here lets rows
be cut to ``max_length`` and rows left without an assistant token be dropped (TRL would raise on them). The mask
comes from TRL's training variant of the model's template (trainer/chat_template.py), as in TRL's own SFTTrainer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracewheel.trainer.chat_template import training_chat_template
from tracewheel.trainer.lora_trainer import lora_trainer
from tracewheel.trainer.sft_config import SFTMethodConfig

from tracewheel.core.errors import TracewheelError

KIND = "sft"
CONFIG_CLASS = SFTMethodConfig


def tokenize_rows(
    rows: list[dict[str, Any]], tokenizer: Any, config: SFTMethodConfig
) -> list[dict[str, list[int]]]:
    """Chat-template token ids per row, with ``assistant_masks`` (1 on assistant-turn tokens) when asked."""
    template = training_chat_template(tokenizer) if config.assistant_only_loss else None
    out = []
    for i, row in enumerate(rows):
        try:
            encoded = tokenizer.apply_chat_template(
                row["messages"],
                tools=row.get("tools") or None,
                chat_template=template,
                tokenize=True,
                return_dict=True,
                return_assistant_tokens_mask=config.assistant_only_loss,
            )
        except Exception as exc:  # jinja errors from malformed messages: name the row
            raise TracewheelError(f"sft row {i} cannot be rendered by the chat template: {exc}") from exc
        item = {"input_ids": list(encoded["input_ids"])}
        if config.assistant_only_loss:
            item["assistant_masks"] = list(encoded["assistant_masks"])
        if config.max_length is not None:
            # Cut here rather than in TRL: its padding-free path without packing does not truncate.
            item = {k: v[: config.max_length] for k, v in item.items()}
        if config.assistant_only_loss and not any(item["assistant_masks"]):
            continue  # no assistant token (left): nothing to learn from this row
        out.append(item)
    if not out:
        raise TracewheelError("no sft row has an assistant turn to learn from")
    return out


SHORT_ROW_TOKENS = 512
"""Rows up to this long run batched (padded) when padding costs little: matmuls over one short row use a CPU
poorly, while a long row alone already fills them (benchmarks/train.py, short and long shapes)."""
MAX_PADDING_WASTE = 0.15


def short_uniform_rows(lengths: list[int], config: SFTMethodConfig) -> bool:
    """Whether rows are short and even enough that padded, length-grouped batches beat one row per micro-batch.

    Waste is the padding a length-sorted split into batches adds, over the real tokens.
    """
    batch = config.per_device_train_batch_size
    if batch <= 1 or not lengths or max(lengths) > SHORT_ROW_TOKENS:
        return False
    ordered = sorted(lengths)
    chunks = [ordered[i : i + batch] for i in range(0, len(ordered), batch)]
    padding = sum(max(c) * len(c) - sum(c) for c in chunks)
    return padding / sum(lengths) <= MAX_PADDING_WASTE


def label_positions_loss(
    model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None, return_outputs: bool = False
) -> Any:
    """Causal-LM cross-entropy with logits computed only at positions whose next token is a label.

    Equal to transformers' ``ForCausalLMLoss`` on full logits: the sum over labelled positions divided by
    ``num_items_in_batch`` (the labelled tokens of the whole accumulated step), or their mean without it.
    """
    import torch

    inputs = dict(inputs)
    labels = inputs.pop("labels")
    shift_labels = inputs.pop("shift_labels", None)
    if shift_labels is None:
        shift_labels = torch.nn.functional.pad(labels, (0, 1), value=-100)[..., 1:]
    keep = shift_labels != -100
    outputs = model(**inputs, use_cache=False, logits_to_keep=keep)
    logits = outputs.logits.float().reshape(-1, outputs.logits.shape[-1])
    targets = shift_labels[keep].to(logits.device)
    if num_items_in_batch is None:
        loss = torch.nn.functional.cross_entropy(logits, targets)
    else:
        loss = torch.nn.functional.cross_entropy(logits, targets, reduction="sum")
        loss = loss / torch.as_tensor(num_items_in_batch, device=loss.device)
    return (loss, outputs) if return_outputs else loss


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: SFTMethodConfig, output_dir: Path
) -> Any:
    import torch
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    items = tokenize_rows(rows, tokenizer, config)
    dataset = Dataset.from_list(items)
    on_gpu = model.device.type == "cuda"
    packing = on_gpu if config.packing is None else config.packing
    row_microbatches = (
        (not packing and not short_uniform_rows([len(i["input_ids"]) for i in items], config))
        if config.row_microbatches is None
        else config.row_microbatches
    )
    kwargs = config.trl_kwargs(output_dir, bf16=model.dtype == torch.bfloat16)
    if row_microbatches and not packing:
        kwargs["gradient_accumulation_steps"] = (
            config.per_device_train_batch_size * config.gradient_accumulation_steps
        )
        kwargs["per_device_train_batch_size"] = 1
    args = SFTConfig(
        **kwargs,
        max_length=config.max_length if packing else None,
        packing=packing,
        packing_strategy="bfd",
        # Padding-free with one row per micro-batch means no attention mask at all.
        padding_free=packing or row_microbatches,
        # Length-sorted batches waste the least padding when rows are batched padded.
        train_sampling_strategy="random" if (packing or row_microbatches) else "group_by_length",
        # The masks are already in the dataset; TRL's own flag would re-check for raw conversations.
        assistant_only_loss=False,
        completion_only_loss=False,
        dataset_num_proc=None,
        remove_unused_columns=True,
    )

    class LeanSFTTrainer(SFTTrainer):
        """TRL's SFTTrainer with a plain causal-LM loss computed on the learned positions only.

        TRL computes the loss through a chunked LM-head kernel that also derives per-step entropy and token
        accuracy over the whole vocabulary; on CPU that is the most expensive part of a step for a small model.
        Here the LM head (576 x 49k for SmolLM2-135M) runs only where a label is set (``logits_to_keep`` with a
        mask): with assistant-only loss on short answers that is a few tokens in a hundred. The loss is the same
        token-averaged cross-entropy transformers computes, normalised over the accumulated batch by
        ``num_items_in_batch`` (tests/trainer/test_sft.py checks it against the full-logits loss).
        """

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[override]
            return label_positions_loss(model, inputs, num_items_in_batch, return_outputs)

    return lora_trainer(LeanSFTTrainer, model, tokenizer, dataset, config, args)
