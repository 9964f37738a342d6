"""Hot-loading a LoRA adapter into a spare PEFT adapter: its weights copied in, no module injected.

PEFT's ``load_adapter`` spends most of its time (about 0.6 s for SmolLM2-135M with all-linear rank-16 adapters)
walking every module to find the targets, building two ``nn.Linear`` per target and loading the state dict, not
reading the file. An adapter the engine unloads leaves its LoRA modules behind as a **spare** instead (up to
``spare_lora_slots``): the next adapter whose config matches is loaded by reading its safetensors and copying the
tensors into the spare's ``lora_A`` / ``lora_B`` weights and setting its scaling, the way PEFT's own
``peft.utils.hotswap.hotswap_adapter_from_state_dict`` swaps an adapter in place. That function is not called
because it builds the whole model's ``state_dict()`` and resolves every key with ``get_submodule`` (about 0.3 s
here); a ``Slot`` keeps the key -> parameter map of its spare instead.

An adapter fits a slot when its config equals the slot's except for what only changes the weights (rank, alpha,
dropout, which modules it names: see ``_MAY_DIFFER``), its keys are the slot's or a subset (the slot's other
layers are zeroed, as hotswap does) and its rank is at most the slot's (a smaller one is zero-padded, which gives
the same products). A slot is only made from a plain LoRA adapter (PEFT ``lora.Linear`` layers with no DoRA or
other variant, no bias, no ``modules_to_save``, no rank or alpha patterns); anything else goes through PEFT.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

CONFIG_FILE = "adapter_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"

# Config fields that change only the weights, their scaling, or the names of the layers (the layers themselves are
# compared by their keys): an adapter may differ from its slot in these. ``lora_dropout`` is not applied at inference.
_MAY_DIFFER = frozenset(
    {
        "r",
        "lora_alpha",
        "use_rslora",
        "lora_dropout",
        "target_modules",
        "exclude_modules",
        "layers_to_transform",
        "layers_pattern",
        "init_lora_weights",
        "base_model_name_or_path",
        "revision",
        "inference_mode",
        "task_type",
        "peft_version",
        "auto_mapping",
    }
)


@dataclass
class Slot:
    """A spare PEFT adapter's LoRA weights, by the key each has in a saved adapter (no adapter name in it)."""

    peft_name: str
    config: dict[str, Any]  # the config its modules were built from
    rank: int
    params: dict[str, tuple[Any, torch.nn.Parameter]]  # saved key -> (its lora.Linear, the weight)


@dataclass
class AdapterFiles:
    config: dict[str, Any]
    tensors: dict[str, torch.Tensor]


def _plain(config: dict[str, Any]) -> bool:
    return (
        not config.get("modules_to_save")
        and not config.get("trainable_token_indices")
        and not config.get("rank_pattern")
        and not config.get("alpha_pattern")
        and not config.get("use_dora")
        and not config.get("lora_bias")
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} in a LoRA config")


def _canonical(config: dict[str, Any]) -> dict[str, Any] | None:
    """``config`` as PEFT reads it (defaults filled in, unknown fields dropped, as ``LoraConfig`` does), as JSON."""
    from peft import LoraConfig

    if config.get("peft_type") != "LORA":
        return None
    fields = {k: v for k, v in config.items() if k in LoraConfig.__dataclass_fields__ and k != "peft_type"}
    try:
        canonical = json.loads(json.dumps(LoraConfig(**fields).to_dict(), default=_jsonable))
    except (TypeError, ValueError):
        return None
    return canonical if _plain(canonical) else None


def read_config(path: Path) -> dict[str, Any] | None:
    """The adapter's config, or None when it cannot go into a slot at all (not a plain LoRA adapter)."""
    try:
        config = json.loads((Path(path) / CONFIG_FILE).read_text())
    except (OSError, ValueError):
        return None
    return _canonical(config) if isinstance(config, dict) else None


def read_weights(path: Path) -> dict[str, torch.Tensor] | None:
    from safetensors.torch import load_file

    weights = Path(path) / WEIGHTS_FILE
    if not weights.is_file():
        return None  # e.g. an adapter saved as .bin: PEFT reads it
    return load_file(str(weights))


def make_slot(model: Any, peft_name: str) -> Slot | None:
    """The slot that adapter ``peft_name`` of ``model`` (a PeftModel) leaves, or None if it is not plain LoRA."""
    import torch
    from peft.tuners.lora.layer import Linear, LoraLayer

    peft_config = model.peft_config.get(peft_name)
    if peft_config is None:
        return None
    config = _canonical(json.loads(json.dumps(peft_config.to_dict(), default=_jsonable)))
    if config is None:
        return None
    params: dict[str, tuple[Any, torch.nn.Parameter]] = {}
    ranks = set()
    for module_name, module in model.named_modules():
        if not isinstance(module, LoraLayer) or peft_name not in getattr(module, "lora_A", {}):
            continue
        if type(module) is not Linear or module.lora_variant.get(peft_name) or module.merged:
            return None
        a, b = module.lora_A[peft_name], module.lora_B[peft_name]
        if not isinstance(a, torch.nn.Linear) or a.bias is not None or b.bias is not None:
            return None
        params[f"{module_name}.lora_A.weight"] = (module, a.weight)
        params[f"{module_name}.lora_B.weight"] = (module, b.weight)
        ranks.add(a.weight.shape[0])
    if len(ranks) != 1:
        return None
    return Slot(peft_name=peft_name, config=config, rank=ranks.pop(), params=params)


def fits(slot: Slot, config: dict[str, Any]) -> bool:
    """Whether an adapter with ``config`` may go into ``slot`` (its tensors are checked by ``copy_into``)."""
    keys = (set(slot.config) | set(config)) - _MAY_DIFFER
    same = all(slot.config.get(k) == config.get(k) for k in keys)
    rank = config.get("r")
    return same and isinstance(rank, int) and 0 < rank <= slot.rank


def _shapes_fit(slot: Slot, rank: int, tensors: dict[str, torch.Tensor]) -> bool:
    for key, tensor in tensors.items():
        target = slot.params.get(key)
        if target is None or tensor.dim() != 2:
            return False
        out, into = target[1].shape
        want = (rank, into) if ".lora_A." in key else (out, rank)
        if tuple(tensor.shape) != want:
            return False
    return True


def copy_into(slot: Slot, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> bool:
    """Put the adapter (``config``, ``tensors``) into ``slot``'s weights; False, nothing changed, if they do not fit.

    The caller holds the model lock. A smaller rank fills the first rows of A and columns of B and zeroes the rest;
    a layer the adapter does not target is zeroed, so it adds nothing.
    """
    import torch

    rank = int(config["r"])
    if not fits(slot, config) or not _shapes_fit(slot, rank, tensors):
        return False
    alpha = config.get("lora_alpha", 8)
    scaling = alpha / math.sqrt(rank) if config.get("use_rslora") else alpha / rank
    with torch.no_grad():
        for key, (module, weight) in slot.params.items():
            source = tensors.get(key)
            if source is None or rank < slot.rank:
                weight.zero_()
            if source is None:
                continue
            target = weight[:rank] if ".lora_A." in key else weight[:, :rank]
            target.copy_(source)
            module.scaling[slot.peft_name] = scaling
    return True


def peft_config_of(config: dict[str, Any]) -> Any:
    """The ``LoraConfig`` PEFT would have built for ``config`` (kept in ``model.peft_config`` for the slot)."""
    from peft import LoraConfig

    return LoraConfig(**{k: v for k, v in config.items() if k != "peft_type"})
