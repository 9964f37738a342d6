"""LoRA DPO on conversational preference rows (``{"prompt", "chosen", "rejected"}``), through TRL's DPOTrainer.

TRL tokenizes the rows with the chat template (tools included when a row carries them); the dataset keeps tool-call
arguments and tool schemas as they are (``curator.export.rows_dataset``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracewheel.curator.export import rows_dataset
from tracewheel.trainer.dpo_config import DPOMethodConfig
from tracewheel.trainer.lora_trainer import lora_trainer, trl_args

KIND = "dpo"
CONFIG_CLASS = DPOMethodConfig


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: DPOMethodConfig, output_dir: Path
) -> Any:
    from trl import DPOConfig, DPOTrainer

    args = trl_args(
        DPOConfig,
        config,
        model,
        output_dir,
        beta=config.beta,
        loss_type=[config.loss_type],
        max_length=config.max_length,
    )
    return lora_trainer(DPOTrainer, model, tokenizer, rows_dataset(rows), config, args)
