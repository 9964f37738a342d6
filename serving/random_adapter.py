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
    targets: str | tuple[str, ...] = DEFAULT_TARGETS,
) -> Path:
    """A PEFT LoRA adapter for the model at ``base_path`` with random A and B, saved under ``out_dir``.

    ``targets``: module names, or ``"all-linear"`` (the trainer's default).
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from tracewheel.trainer.model import load_model

    model = load_model(base_path)
    torch.manual_seed(seed)
    config = LoraConfig(
        r=rank,
        lora_alpha=2 * rank,
        target_modules=targets if isinstance(targets, str) else list(targets),
        init_lora_weights=False,
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, config)
    out_dir.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(out_dir)
    return out_dir


def clone_with_random_weights(source: Path, out_dir: Path, *, seed: int) -> Path:
    """Another adapter of ``source``'s shape and config with fresh random weights (no model load: fast).

    Each tensor is drawn from a normal distribution with the source tensor's standard deviation.
    """
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name != "adapter_model.safetensors" and item.is_file():
            shutil.copy2(item, out_dir / item.name)
    generator = torch.Generator().manual_seed(seed)
    tensors = load_file(source / "adapter_model.safetensors")
    fresh = {
        name: (torch.randn(t.shape, generator=generator) * t.float().std()).to(t.dtype)
        for name, t in tensors.items()
    }
    save_file(fresh, out_dir / "adapter_model.safetensors", metadata={"format": "pt"})
    return out_dir
