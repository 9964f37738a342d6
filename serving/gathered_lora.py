"""One LoRA product per layer for a mixed-adapter batch, whatever the number of adapters in it.

PEFT's mixed-batch forward (``LoraLayer._mixed_batch_forward``) loops over the adapters present in the batch in
every LoRA layer: (LoRA layers x adapters) small CPU ops per decode step, beside the base model's own. Here each
PEFT ``lora.Linear`` gets a forward that computes every row's LoRA delta with two matmuls:

    h = (x @ A_cat) * mask      A_cat [in, sum of ranks]: the loaded adapters' A, side by side
    y = base(x) + h @ B_cat     B_cat [sum of ranks, out]: their B, each with its scaling folded in

where ``mask`` [rows, 1, sum of ranks] keeps, for each row, only the columns of its own adapter (none for a base
row). Why a mask and not a per-row gather of the adapters' weights (``bmm`` with ``A[idx]``, Punica's and S-LoRA's
way on GPU): on CPU a decode step is bound by reading weights, and a gather copies one adapter's weights per row
(a batch of 8 over 210 all-linear rank-16 layers: 150 MB per step), while the concatenated weights are read once,
as PEFT's loop reads them; the extra multiply-adds for columns a row masks out are a few percent of the base's.

PEFT still loads and unloads the adapters; ``GatheredLora.rebuild`` concatenates their weights after every load or
unload (a copy of the loaded adapters' weights, about their size in memory). A model this cannot run exactly as
PEFT would (DoRA or another LoRA variant, ``lora_bias``, merged weights, LoRA on embeddings or convolutions,
``modules_to_save``) is left on PEFT's own mixed-batch path: ``rebuild`` returns False. Dropout is not applied
(inference), and ``fan_in_fan_out`` only concerns the base layer, which is called as PEFT calls it.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

_STACK = "_tracewheel_gathered"  # module attribute: this layer's (A_cat, B_cat, layout)


def _gathered_forward(module: Any, state: GatheredLora, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    stack = module.__dict__.get(_STACK)
    if state.names is None or stack is None or "adapter_names" in kwargs or module.disable_adapters:
        return type(module).forward(module, x, *args, **kwargs)  # PEFT's own path
    result = module.base_layer(x, *args, **kwargs)
    a_cat, b_cat, layout = stack
    mask = state.mask(layout, a_cat)
    if mask is None:  # no row of the batch uses an adapter of this layer
        return result
    h = (x.to(a_cat.dtype) @ a_cat) * mask
    return result + (h @ b_cat).to(result.dtype)


def _supported(module: Any) -> bool:
    from peft.tuners.lora.layer import Linear

    if type(module) is not Linear or getattr(module, "merged", False):
        return False
    if getattr(module, "lora_variant", None) or any(getattr(module, "use_dora", {}).values()):
        return False
    return all(
        isinstance(module.lora_A[n], torch.nn.Linear)
        and module.lora_A[n].bias is None
        and module.lora_B[n].bias is None
        for n in module.lora_A
    )


class GatheredLora:
    """The engine's gathered LoRA state: each layer's concatenated weights, and the current batch's adapters."""

    def __init__(self) -> None:
        self.names: tuple[str, ...] | None = None  # each row's PEFT adapter name; None = PEFT's own path
        self._layers: list[Any] = []
        self._masks: dict[tuple[Any, ...], torch.Tensor | None] = {}

    def rebuild(self, model: Any) -> bool:
        """Concatenate the weights of the adapters loaded in ``model`` (a PeftModel) and install the forwards.

        False, with nothing installed, when some LoRA layer cannot be run this way (see the module docstring).
        """
        from peft.tuners.lora.layer import LoraLayer
        from peft.utils.other import AuxiliaryTrainingWrapper

        self.clear()
        layers = []
        for module in model.modules():
            if isinstance(module, AuxiliaryTrainingWrapper):
                return False
            if isinstance(module, LoraLayer):
                if not _supported(module):
                    return False
                layers.append(module)
        with torch.no_grad():
            for module in layers:
                names = sorted(module.lora_A)
                if not names:
                    continue
                a_cat = torch.cat([module.lora_A[n].weight.T for n in names], dim=1).contiguous()
                b_cat = torch.cat(
                    [(module.lora_B[n].weight * module.scaling[n]).T for n in names], dim=0
                ).contiguous()
                layout = tuple((n, module.lora_A[n].weight.shape[0]) for n in names)
                module.__dict__[_STACK] = (a_cat, b_cat, layout)
                module.forward = functools.partial(_gathered_forward, module, self)
        self._layers = layers
        return True

    def clear(self) -> None:
        """Back to PEFT's own forwards (before PEFT loads or deletes an adapter)."""
        for module in self._layers:
            module.__dict__.pop("forward", None)
            module.__dict__.pop(_STACK, None)
        self._layers = []
        self._masks = {}
        self.names = None

    def set_rows(self, names: tuple[str, ...] | None) -> None:
        if names != self.names:
            self._masks = {}
        self.names = names

    def mask(self, layout: tuple[tuple[str, int], ...], like: torch.Tensor) -> torch.Tensor | None:
        """[rows, 1, sum of ranks]: 1 on the columns of each row's adapter; cached per batch and layer layout."""
        if layout in self._masks:
            return self._masks[layout]
        assert self.names is not None
        columns: dict[str, tuple[int, int]] = {}
        start = 0
        for name, rank in layout:
            columns[name] = (start, start + rank)
            start += rank
        mask = torch.zeros((len(self.names), 1, start), dtype=like.dtype, device=like.device)
        for row, name in enumerate(self.names):
            if name in columns:
                lo, hi = columns[name]
                mask[row, 0, lo:hi] = 1
        result = mask if bool(mask.any()) else None
        self._masks[layout] = result
        return result
