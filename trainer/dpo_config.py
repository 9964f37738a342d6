"""Configuration of LoRA DPO on preference pairs (``tracewheel train dpo``).

Adds to ``MethodConfig`` (see trainer/base_config.py): ``beta`` (how far the policy may move from the reference,
which is the base model with the adapter switched off, so no second copy of the model is loaded) and
``loss_type`` (TRL's DPO loss: ``sigmoid`` is the DPO paper's, ``ipo``, ``hinge``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracewheel.trainer.base_config import MethodConfig


@dataclass
class DPOMethodConfig(MethodConfig):
    learning_rate: float = field(default=5e-5, metadata={"help": "Peak learning rate (AdamW)."})
    beta: float = field(default=0.1, metadata={"help": "Strength of the pull towards the reference model."})
    loss_type: str = field(default="sigmoid", metadata={"help": "TRL DPO loss: sigmoid, ipo, hinge, ..."})
