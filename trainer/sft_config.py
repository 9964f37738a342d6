"""Configuration of LoRA supervised fine-tuning on successful episodes (``tracewheel train sft``).

Adds to ``MethodConfig`` (see trainer/base_config.py):

- ``assistant_only_loss``: learn only the assistant turns (their text and tool calls), never the system prompt,
  user turns or tool results, using the ``{% generation %}`` spans of the chat template;
- ``packing`` / ``padding_free``: pack rows best-fit into ``max_length`` blocks and run them without padding;
  attention stays within each row (position ids restart per row, which transformers turns into a block-diagonal
  mask with SDPA, and varlen kernels with FlashAttention).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trainer.base_config import MethodConfig


@dataclass
class SFTMethodConfig(MethodConfig):
    assistant_only_loss: bool = field(
        default=True, metadata={"help": "Loss on assistant turns only (text and tool calls)."}
    )
    packing: bool = field(default=True, metadata={"help": "Pack rows best-fit into max_length blocks (BFD)."})
    padding_free: bool = field(
        default=True, metadata={"help": "Concatenate a batch into one unpadded sequence (implied by packing)."}
    )
