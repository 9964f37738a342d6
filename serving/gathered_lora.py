"""One LoRA product per layer for a mixed-adapter batch, whatever the number of adapters in it.

PEFT's mixed-batch forward (``LoraLayer._mixed_batch_forward``) loops over the adapters present in the batch in
every LoRA layer: (LoRA layers x adapters) small CPU ops per decode step, beside the base model's own. Here each
PEFT ``lora.Linear`` gets a forward that computes every row's LoRA delta with two matmuls:

    h = (x @ A_cat.T) * mask      A_cat [sum of ranks, in]: the loaded adapters' A, stacked
    y = base(x) + h @ B_cat.T     B_cat [out, sum of ranks]: their B side by side, each with its scaling folded in

where ``mask`` [rows, 1, sum of ranks] keeps, for each row, only the columns of its own adapter (none for a base
row). Why a mask and not a per-row gather of the adapters' weights (``bmm`` with ``A[idx]``, Punica's and S-LoRA's
way on GPU): on CPU a decode step is bound by reading weights, and a gather copies one adapter's weights per row
(a batch of 8 over 210 all-linear rank-16 layers: 150 MB per step), while the concatenated weights are read once,
as PEFT's loop reads them; the extra multiply-adds for columns a row masks out are a few percent of the base's.

PEFT still loads and unloads the adapters; ``GatheredLora.rebuild`` concatenates their weights after PEFT loads or
deletes one (a copy of the loaded adapters' weights, about their size in memory), and ``refresh`` rewrites one
adapter's columns when a hot-load replaced its weights in place (``lora_slots.py``). A model this cannot run exactly as
PEFT would (DoRA or another LoRA variant, ``lora_bias``, merged weights, LoRA on embeddings or convolutions,
``modules_to_save``) is left on PEFT's own mixed-batch path: ``rebuild`` returns False. Dropout is not applied
(inference), and ``fan_in_fan_out`` only concerns the base layer, which is called as PEFT calls it.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F

_STACK = "_tracewheel_gathered"  # module attribute: this layer's _Stack
_MISSING = object()


class _Stack(NamedTuple):
    a_cat: torch.Tensor
    b_cat: torch.Tensor
    layout: int  # index of the layer's ((adapter, rank), ...) in GatheredLora's layouts: the mask cache's key
    base: (
        torch.nn.Linear | None
    )  # the base layer when it is a plain nn.Linear: called as F.linear, not as a module


def _gathered_forward(module: Any, state: GatheredLora, x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    # Runs for every LoRA layer at every step: kept to a few tensor ops (the Python here is a share of a step).
    stack = module.__dict__.get(_STACK)
    if state.names is None or stack is None or args or kwargs or module.disable_adapters:
        return type(module).forward(module, x, *args, **kwargs)  # PEFT's own path
    base = stack.base
    result = F.linear(x, base.weight, base.bias) if base is not None else module.base_layer(x)
    span = state.mask(stack.layout, stack.a_cat)
    if span is None:  # no row of the batch uses an adapter of this layer
        return result
    lo, hi, mask = span
    a_cat = stack.a_cat
    if x.dtype != a_cat.dtype:
        x = x.to(a_cat.dtype)
    delta = F.linear(F.linear(x, a_cat[lo:hi]).mul_(mask), stack.b_cat[:, lo:hi])
    if base is not None and delta.dtype == result.dtype:
        return result.add_(delta)  # F.linear's own fresh output
    return result + delta.to(result.dtype)


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
        self._layouts: list[tuple[tuple[str, int], ...]] = []
        self._masks: dict[int, tuple[int, int, torch.Tensor] | None] = {}

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
        layouts: dict[tuple[tuple[str, int], ...], int] = {}
        with torch.no_grad():
            for module in layers:
                names = sorted(module.lora_A)
                if not names:
                    continue
                # Laid out as nn.Linear weights, so that one adapter's block is rows of A_cat and row pieces of
                # B_cat: ``refresh`` writes it with plain copies, not transposing ones.
                a_cat = torch.cat([module.lora_A[n].weight for n in names], dim=0)
                b_cat = torch.cat([module.lora_B[n].weight * module.scaling[n] for n in names], dim=1)
                layout = tuple((n, module.lora_A[n].weight.shape[0]) for n in names)
                base = module.base_layer if type(module.base_layer) is torch.nn.Linear else None
                key = layouts.setdefault(layout, len(layouts))
                module.__dict__[_STACK] = _Stack(a_cat, b_cat, key, base)
                module.forward = functools.partial(_gathered_forward, module, self)
        self._layers = layers
        self._layouts = list(layouts)
        return True

    def refresh(self, name: str) -> None:
        """Copy adapter ``name``'s current weights into its columns (after they were replaced in place, same shapes).

        A hot-load into a spare slot (``lora_slots.py``) changes weights, not layers: rewriting one adapter's columns
        costs a copy of its weights, where ``rebuild`` copies every loaded adapter's.
        """
        with torch.inference_mode():  # the concatenation was built in the decoding loop's inference mode
            for module in self._layers:
                stack = module.__dict__.get(_STACK)
                if stack is None or name not in module.lora_A:
                    continue
                a_cat, b_cat = stack.a_cat, stack.b_cat
                start = 0
                for other, rank in self._layouts[stack.layout]:
                    if other == name:
                        a_cat[start : start + rank].copy_(module.lora_A[name].weight)
                        # the same products as rebuild's B * scaling, written in place
                        torch.mul(
                            module.lora_B[name].weight,
                            module.scaling[name],
                            out=b_cat[:, start : start + rank],
                        )
                        break
                    start += rank

    def clear(self) -> None:
        """Back to PEFT's own forwards (before PEFT loads or deletes an adapter)."""
        for module in self._layers:
            module.__dict__.pop("forward", None)
            module.__dict__.pop(_STACK, None)
        self._layers = []
        self._layouts = []
        self._masks = {}
        self.names = None

    def set_rows(self, names: tuple[str, ...] | None) -> None:
        if names != self.names:
            self._masks = {}
        self.names = names

    def mask(self, layout: int, like: torch.Tensor) -> tuple[int, int, torch.Tensor] | None:
        """The columns the batch uses, ``lo:hi``, and [rows, 1, hi - lo]: 1 on the columns of each row's adapter.

        Only the span from the first to the last column a row uses is computed: the adapters no row of the batch
        uses (a spare slot, an adapter idle in this batch) cost nothing when they lie outside it. Cached per batch
        and layer layout.
        """
        cached = self._masks.get(layout, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        assert self.names is not None
        columns: dict[str, tuple[int, int]] = {}
        start = 0
        for name, rank in self._layouts[layout]:
            columns[name] = (start, start + rank)
            start += rank
        mask = torch.zeros((len(self.names), 1, start), dtype=like.dtype, device=like.device)
        for row, name in enumerate(self.names):
            if name in columns:
                lo, hi = columns[name]
                mask[row, 0, lo:hi] = 1
        used = mask[:, 0, :].any(dim=0).nonzero()
        result = None
        if len(used):
            lo, hi = int(used[0]), int(used[-1]) + 1
            result = (lo, hi, mask[:, :, lo:hi].contiguous())
        self._masks[layout] = result
        return result
