"""Training callbacks: Rich progress with the loss, the divergence guard that fails a NaN run, and the early stop
on a loss target."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from transformers import TrainerCallback


class LossNotFinite(RuntimeError):
    """Raised from inside ``Trainer.train`` when a logged loss or gradient norm is NaN or infinite."""


class DivergenceGuard(TrainerCallback):
    """Stop the run at the first non-finite loss or gradient norm: a diverged adapter must never be registered."""

    KEYS = ("loss", "grad_norm", "train_loss")

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        for key in self.KEYS:
            value = (logs or {}).get(key)
            if isinstance(value, float) and not math.isfinite(value):
                raise LossNotFinite(f"{key} is {value} at step {state.global_step}")


class LossTarget(TrainerCallback):
    """Stop training once the logged loss has stayed below ``target`` for ``patience`` logs in a row.

    The step it stopped at is kept in ``stopped_at`` (None: the schedule ran to its end).
    """

    def __init__(self, target: float, patience: int = 3) -> None:
        self.target = target
        self.patience = max(1, patience)
        self.below = 0
        self.stopped_at: int | None = None

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        loss = (logs or {}).get("loss")
        if not isinstance(loss, float):
            return
        self.below = self.below + 1 if loss < self.target else 0
        if self.below >= self.patience and state.global_step < state.max_steps:
            control.should_training_stop = True
            self.stopped_at = state.global_step


class RichProgressCallback(TrainerCallback):
    """A Rich progress bar on stderr showing step, loss and learning rate."""

    def __init__(self, console: Console | None = None, description: str = "training") -> None:
        self.console = console or Console(stderr=True)
        self.description = description
        self._progress: Progress | None = None
        self._task: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(
            self.description, total=state.max_steps, completed=state.global_step, loss="-"
        )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=state.global_step)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        if self._progress is not None and logs and "loss" in logs:
            self._progress.update(self._task, loss=f"{logs['loss']:.4f}")

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
