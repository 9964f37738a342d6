"""Configuration of LoRA KTO on single thumbs up/down (``tracewheel train kto``).

Adds to ``MethodConfig`` (see trainer/base_config.py): ``beta``, ``desirable_weight`` / ``undesirable_weight``
(rebalance when thumbs up and down are uneven; TRL logs the recommended range) and ``loss_type``. KTO estimates
its KL term from mismatched pairs within a batch, so a batch needs at least two rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracewheel.trainer.base_config import MethodConfig


@dataclass
class KTOMethodConfig(MethodConfig):
    learning_rate: float = field(default=5e-5, metadata={"help": "Peak learning rate (AdamW)."})
    beta: float = field(default=0.1, metadata={"help": "Strength of the pull towards the reference model."})
    desirable_weight: float = field(default=1.0, metadata={"help": "Weight of thumbs-up rows' loss."})
    undesirable_weight: float = field(default=1.0, metadata={"help": "Weight of thumbs-down rows' loss."})
    loss_type: str = field(default="kto", metadata={"help": "TRL KTO loss: kto or apo_zero_unpaired."})
