"""Perplexity of the base model and of adapters on the shipped reference text (a forgetting check).

Generation goes through the serving engine, which exposes no log-likelihoods; this loads the base model once more,
puts every adapter on it with PEFT, and scores the text in windows (the base with the adapters disabled).
"""

from __future__ import annotations

import math
from pathlib import Path

from tracewheel.trainer.model import load_model, load_tokenizer, resolve_model
from tracewheel.trainer.settings import TrainerSettings

from tracewheel.core.paths import Paths

WINDOW_TOKENS = 512


def perplexities(
    trainer: TrainerSettings,
    paths: Paths,
    base_model: str,
    adapters: dict[str, Path | None],
    text: str,
    window: int = WINDOW_TOKENS,
) -> dict[str, float]:
    """``{label: perplexity}`` for each label's adapter directory (``None``: the base model itself)."""
    import torch
    from peft import PeftModel

    resolved = resolve_model(trainer, paths, base_model)
    tokenizer = load_tokenizer(resolved.path)
    model = load_model(resolved.path).eval()
    device = next(model.parameters()).device
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"][0].to(device)
    window = min(window, int(getattr(model.config, "max_position_embeddings", window) or window))
    loaded: dict[str, str] = {}
    for label, path in adapters.items():
        if path is None:
            continue
        name = f"a{len(loaded)}"
        if isinstance(model, PeftModel):
            model.load_adapter(str(path), adapter_name=name, is_trainable=False)
        else:
            model = PeftModel.from_pretrained(model, str(path), adapter_name=name, is_trainable=False).eval()
        loaded[label] = name

    def nll() -> float:
        total, count = 0.0, 0
        with torch.no_grad():
            for start in range(0, max(len(ids) - 1, 1), window):
                chunk = ids[start : start + window + 1]
                if len(chunk) < 2:
                    break
                out = model(input_ids=chunk[:-1].unsqueeze(0))
                logprobs = torch.log_softmax(out.logits[0].float(), dim=-1)
                total -= float(logprobs.gather(1, chunk[1:].unsqueeze(1)).sum())
                count += len(chunk) - 1
        return total / max(count, 1)

    out: dict[str, float] = {}
    for label, path in adapters.items():
        if path is None:
            if isinstance(model, PeftModel):
                with model.disable_adapter():
                    out[label] = math.exp(nll())
            else:
                out[label] = math.exp(nll())
        else:
            model.set_adapter(loaded[label])
            out[label] = math.exp(nll())
    return out
