"""Randomly initialised LoRA adapters: serving speed and batching do not depend on what an adapter learned.

``benchmarks/serve.py`` and the serving tests load these instead of training adapters first; the weights are
random (PEFT's ``init_lora_weights=False``), so each adapter visibly changes the base model's output.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def save_random_adapter(
    base_path: str | Path,
    out_dir: Path,
    *,
    seed: int,
    rank: int = 8,
    targets: tuple[str, ...] = DEFAULT_TARGETS,
) -> Path:
    """A PEFT LoRA adapter for the model at ``base_path`` with random A and B, saved under ``out_dir``."""
    import torch
    from peft import LoraConfig, get_peft_model
    from tracewheel.trainer.model import load_model

    model = load_model(base_path)
    torch.manual_seed(seed)
    config = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        target_modules=list(targets),
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, config)
    out_dir.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(out_dir)
    return out_dir
