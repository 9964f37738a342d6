"""Configuration of LoRA supervised fine-tuning on successful episodes (``tracewheel train sft``).

Adds to ``MethodConfig`` (see trainer/base_config.py):

- ``assistant_only_loss``: learn only the assistant turns (their text and tool calls), never the system prompt,
  user turns or tool results, using the ``{% generation %}`` spans of the chat template;
- ``packing``: pack rows best-fit into ``max_length`` blocks, run padding-free; attention stays within each row
  (position ids restart per row: varlen kernels with FlashAttention, a block-diagonal mask with SDPA).
  ``None`` (default) packs on a GPU only: on CPU, SDPA with any mask falls back to its slow path, which costs
  more than the padding saved (measured by benchmarks/train.py);
- ``row_microbatches``: run each row as its own unpadded, unmasked micro-batch and accumulate gradients to the
  same effective batch (``per_device_train_batch_size * gradient_accumulation_steps`` rows per step). ``None``
  (default) does so when not packing, unless the rows are short and even (``sft_trainer.short_uniform_rows``:
  at most 512 tokens, length-grouped padding under 15 %): one long row fills the CPU's matmuls alone (no
  padding, no mask, SDPA's causal fast path), a short one does not, and batching short rows was measured faster.

Whatever the batching, the LM head runs only at labelled positions (``sft_trainer.label_positions_loss``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracewheel.trainer.base_config import MethodConfig


@dataclass
class SFTMethodConfig(MethodConfig):
    assistant_only_loss: bool = field(
        default=True, metadata={"help": "Loss on assistant turns only (text and tool calls)."}
    )
    packing: bool | None = field(
        default=None, metadata={"help": "Pack rows into max_length blocks, padding-free (None: on GPU only)."}
    )
    row_microbatches: bool | None = field(
        default=None,
        metadata={
            "help": "One unpadded row per micro-batch, gradients accumulated (None: when not packing, unless "
            "rows are short and even)."
        },
    )
