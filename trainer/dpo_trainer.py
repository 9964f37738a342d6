"""LoRA DPO on conversational preference rows (``{"prompt", "chosen", "rejected"}``), through TRL's DPOTrainer.

TRL tokenizes the rows with the chat template (tools included when a row carries them); the dataset keeps tool-call
arguments and tool schemas as they are (``curator.export.rows_dataset``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracewheel.curator.export import rows_dataset
from tracewheel.trainer.dpo_config import DPOMethodConfig

KIND = "dpo"
CONFIG_CLASS = DPOMethodConfig


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: DPOMethodConfig, output_dir: Path
) -> Any:
    import torch
    from trl import DPOConfig, DPOTrainer

    dataset = rows_dataset(rows)
    args = DPOConfig(
        **config.trl_kwargs(output_dir, bf16=model.dtype == torch.bfloat16),
        beta=config.beta,
        loss_type=[config.loss_type],
        max_length=config.max_length,
        dataset_num_proc=None,
    )
    return DPOTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=config.lora_config(),
    )
