"""What every training method's config shares: optimisation, LoRA, checkpointing.

Each method subclasses ``MethodConfig`` in its own ``<method>_config.py`` and adds its fields; ``--config FILE``
(TOML or JSON) and ``--max-steps`` fill one in through ``from_mapping``, which refuses unknown keys. The whole
config is what an adapter record stores as its hyperparameters. ``trl_args`` passes anything else straight to the
TRL config class, for the knobs tracewheel does not name.

Parameters, grouped:

- optimisation: ``learning_rate``, ``max_steps`` (-1 = by epochs), ``num_train_epochs``,
  ``per_device_train_batch_size``, ``gradient_accumulation_steps``, ``warmup_steps``, ``lr_scheduler_type``,
  ``max_grad_norm``, ``seed``;
- sequence: ``max_length``;
- LoRA: ``lora_r``, ``lora_alpha``, ``lora_dropout``, ``lora_target_modules``;
- run: ``logging_steps``, ``save_steps`` (checkpoints for ``--resume``), ``gradient_checkpointing``;
- early stop: ``stop_loss``, ``stop_patience`` (stop once the training loss has stayed under a target: a
  short-answer task learned in a fraction of its epochs needs no more steps);
- escape hatch: ``trl_args``.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import ConfigDict, TypeAdapter, ValidationError

from tracewheel.core.errors import TracewheelError


@dataclass
class MethodConfig:
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    learning_rate: float = field(default=2e-4, metadata={"help": "Peak learning rate (AdamW)."})
    max_steps: int = field(default=-1, metadata={"help": "Optimizer steps; -1 trains for num_train_epochs."})
    num_train_epochs: float = field(
        default=1.0, metadata={"help": "Epochs over the rows when max_steps is -1."}
    )
    per_device_train_batch_size: int = field(
        default=4, metadata={"help": "Rows (or packed blocks) per step."}
    )
    gradient_accumulation_steps: int = field(default=1, metadata={"help": "Batches accumulated per step."})
    warmup_steps: int = field(default=0, metadata={"help": "Linear warm-up steps."})
    lr_scheduler_type: str = field(default="linear", metadata={"help": "transformers scheduler name."})
    max_grad_norm: float = field(default=1.0, metadata={"help": "Gradient clipping norm."})
    seed: int = field(default=42, metadata={"help": "Seed for init, shuffling and dropout."})
    max_length: int | None = field(
        default=1024, metadata={"help": "Longest tokenized sequence; longer is cut."}
    )
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA scaling numerator (scale = alpha / r)."})
    # 0 by default: on CPU the dropout masks on every LoRA input cost about a tenth of a step (measured with
    # benchmarks/train.py), for a regulariser that short, few-epoch runs on small data do not need.
    lora_dropout: float = field(default=0.0, metadata={"help": "Dropout on the LoRA branch."})
    lora_target_modules: str | list[str] = field(
        default="all-linear",
        metadata={"help": "Modules given LoRA adapters ('all-linear' or a list of names)."},
    )
    stop_loss: float | None = field(
        default=None,
        metadata={
            "help": "Stop early once the training loss stays below this for stop_patience logged steps in a row "
            "(None: train the full schedule)."
        },
    )
    stop_patience: int = field(default=3, metadata={"help": "Logged steps in a row below stop_loss."})
    logging_steps: int = field(default=1, metadata={"help": "Log loss every N steps (also the NaN check)."})
    save_steps: int = field(default=50, metadata={"help": "Checkpoint every N steps, for --resume."})
    gradient_checkpointing: bool = field(
        default=False, metadata={"help": "Recompute activations to save memory (slower; TRL defaults it on)."}
    )
    trl_args: dict[str, Any] = field(
        default_factory=dict,
        metadata={"help": "Extra keyword arguments for the TRL config class, passed as is."},
    )

    @classmethod
    def from_mapping(cls, data: dict[str, Any] | None = None, **overrides: Any) -> Self:
        """Validate a mapping (from ``--config``) plus overrides; unknown keys and bad types name the parameter."""
        merged = {**(data or {}), **{k: v for k, v in overrides.items() if v is not None}}
        try:
            return TypeAdapter(cls).validate_python(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "config"
            raise TracewheelError(f"invalid {cls.__name__} parameter {where}: {first['msg']}") from exc

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> Self:
        """Read a TOML or JSON file of this config's fields."""
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise TracewheelError(f"cannot read config file {path}: {exc.strerror}") from exc
        try:
            data = json.loads(text) if str(path).endswith(".json") else tomllib.loads(text)
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
            raise TracewheelError(f"config file {path} is not valid TOML/JSON: {exc}") from exc
        return cls.from_mapping(data, **overrides)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def lora_config(self) -> Any:
        from peft import LoraConfig

        return LoraConfig(
            task_type="CAUSAL_LM",
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
            target_modules=self.lora_target_modules,
        )

    def trl_kwargs(self, output_dir: Path, bf16: bool) -> dict[str, Any]:
        """Keyword arguments every TRL config class takes, set for a tracewheel run."""
        return {
            "output_dir": str(output_dir),
            "learning_rate": self.learning_rate,
            "max_steps": self.max_steps,
            "num_train_epochs": self.num_train_epochs,
            "per_device_train_batch_size": self.per_device_train_batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "warmup_steps": self.warmup_steps,
            "lr_scheduler_type": self.lr_scheduler_type,
            "max_grad_norm": self.max_grad_norm,
            "seed": self.seed,
            "logging_steps": self.logging_steps,
            # Divergence must surface: the default filter hides NaN/inf losses from the logs.
            "logging_nan_inf_filter": False,
            "save_strategy": "steps",
            "save_steps": self.save_steps,
            "save_total_limit": 2,
            "gradient_checkpointing": self.gradient_checkpointing,
            # TRL turns bf16 on by default; on CPU that is autocast emulation, slower and less exact.
            "bf16": bf16,
            "fp16": False,
            "report_to": "none",
            "disable_tqdm": True,  # Rich progress instead (trainer/progress.py)
            "eval_strategy": "no",
            "dataloader_num_workers": 0,
            "dataloader_pin_memory": False,
            **self.trl_args,
        }
