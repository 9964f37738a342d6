"""Configuration of GRPO on verifiable rewards (``tracewheel train grpo``).

Adds to ``MethodConfig`` (see trainer/base_config.py); the defaults are small so that a run fits a CPU:

- sampling: ``num_generations`` (the group each prompt's completions are graded against), ``max_completion_length``,
  ``temperature``, ``top_p``;
- the update: ``beta`` (the KL leash to the base model: with LoRA the reference is the base with the adapter off,
  so it costs one more forward pass and no memory; 0 drops it), ``loss_type``, ``scale_rewards``.

``per_device_train_batch_size * gradient_accumulation_steps`` completions are generated per step, so it must be a
multiple of ``num_generations``. Rewards always come from the rows' verifiers (``tracewheel/core/verifiers.py``), and every
verifier is probed for gameability before training (``trainer/verifier_probes.py``); that check has no switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracewheel.trainer.base_config import MethodConfig


@dataclass
class GRPOMethodConfig(MethodConfig):
    learning_rate: float = field(
        default=5e-5, metadata={"help": "Peak learning rate (AdamW) for the LoRA weights."}
    )
    num_generations: int = field(
        default=4,
        metadata={"help": "Completions sampled per prompt; rewards are compared within this group."},
    )
    max_completion_length: int = field(default=64, metadata={"help": "Most tokens generated per completion."})
    temperature: float = field(
        default=1.0, metadata={"help": "Sampling temperature (diversity within a group)."}
    )
    top_p: float = field(default=1.0, metadata={"help": "Nucleus sampling mass."})
    beta: float = field(
        default=0.04,
        metadata={"help": "KL penalty to the base model (the leash against reward hacking); 0 = off."},
    )
    loss_type: str = field(
        default="dapo",
        metadata={"help": "TRL GRPO loss: grpo, dr_grpo, dapo, bnpo, cispo, sapo, luspo or vespo."},
    )
    scale_rewards: str = field(
        default="group",
        metadata={"help": "Advantage scaling: 'group' (std within a group), 'batch' or 'none'."},
    )

    def __post_init__(self) -> None:
        if self.num_generations < 2:
            raise ValueError(
                f"`num_generations` must be >= 2 (GRPO compares a group), got {self.num_generations}"
            )
        generated = self.per_device_train_batch_size * self.gradient_accumulation_steps
        if generated % self.num_generations:
            raise ValueError(
                f"`per_device_train_batch_size` * `gradient_accumulation_steps` ({generated}) must be a multiple of "
                f"`num_generations` ({self.num_generations})"
            )
        if self.max_completion_length < 1:
            raise ValueError(f"`max_completion_length` must be >= 1, got {self.max_completion_length}")
        if self.beta < 0:
            raise ValueError(f"`beta` must be >= 0, got {self.beta}")
