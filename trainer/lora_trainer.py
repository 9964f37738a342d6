"""The one way a TRL trainer is put together here: LoRA from the method config, the rows as the train dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracewheel.trainer.base_config import MethodConfig


def trl_args(args_class: type, config: MethodConfig, model: Any, output_dir: Path, **method_args: Any) -> Any:
    """A TRL ``*Config``: the shared training arguments, dataset preparation in this process, and the method's own."""
    import torch

    return args_class(
        **config.trl_kwargs(output_dir, bf16=model.dtype == torch.bfloat16),
        dataset_num_proc=None,
        **method_args,
    )


def peft_config(model: Any, config: MethodConfig) -> Any:
    """What to pass as TRL's ``peft_config``: a fresh LoRA from the config, or None for a model the runner has
    already wrapped in a PeftModel (training continues from an adapter's weights; TRL must not wrap it again)."""
    from peft import PeftModel

    return None if isinstance(model, PeftModel) else config.lora_config()


def lora_trainer(
    trainer_class: type, model: Any, tokenizer: Any, dataset: Any, config: MethodConfig, args: Any
) -> Any:
    return trainer_class(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config(model, config),
    )
