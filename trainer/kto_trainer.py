"""LoRA KTO on conversational thumbs rows (``{"prompt", "completion", "label"}``), through TRL's KTOTrainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracewheel.curator.export import rows_dataset
from tracewheel.trainer.kto_config import KTOMethodConfig
from tracewheel.trainer.lora_trainer import lora_trainer, trl_args

from tracewheel.core.errors import TracewheelError

KIND = "kto"
CONFIG_CLASS = KTOMethodConfig


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: KTOMethodConfig, output_dir: Path
) -> Any:
    from trl import KTOConfig, KTOTrainer

    if config.loss_type == "kto" and config.per_device_train_batch_size < 2:
        raise TracewheelError(
            "kto needs per_device_train_batch_size >= 2 (its KL term pairs rows within a batch)"
        )
    if any(not isinstance(r["label"], bool) for r in rows):
        raise TracewheelError("kto rows need a boolean label (true = thumbs up)")
    args = trl_args(
        KTOConfig,
        config,
        model,
        output_dir,
        beta=config.beta,
        desirable_weight=config.desirable_weight,
        undesirable_weight=config.undesirable_weight,
        loss_type=config.loss_type,
        max_length=config.max_length,
    )
    return lora_trainer(KTOTrainer, model, tokenizer, rows_dataset(rows), config, args)
