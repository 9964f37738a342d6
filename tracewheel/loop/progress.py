"""What a cycle shows while it runs: one line per step on the given console, and the stages' own progress bars.

``StageBar`` implements the ``stage``/``advance`` hook the curator and the evals runner report through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class StageBar:
    """A stage/advance progress hook drawn as Rich bars (a new bar per stage)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: Any = None

    def stage(self, name: str, total: int) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(name, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)


@contextmanager
def stage_bar(console: Console | None) -> Iterator[StageBar]:
    """A ``StageBar`` on ``console`` for the ``with`` block; without a console, one that draws nothing."""
    if console is None:
        yield StageBar(None)
        return
    columns = (TextColumn("  {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield StageBar(progress)
