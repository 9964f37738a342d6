"""The record of one cycle of the flywheel: which step it is at, what each step took in and gave out, how it ended.

A cycle walks ``CycleStep`` along ``TRANSITIONS`` (docs/12-loop.md)::

    CURATE ──► REVIEW ──► SAMPLE ──► SELECT ──► TRAIN ──► EVALUATE ──► GATE ──► CANARY ──► DONE
       │          └──────────────────►┘  │                               │
       └──► DONE (no data, canary pending)└──► DONE (no method has rows) └──► DONE (rejected, or promoted directly)
    any step ──► FAILED

``Cycle.step`` is the step the cycle is running (or was running when it was killed): a resumed cycle runs that
step again. ``DONE`` and ``FAILED`` are terminal; ``Cycle.outcome`` says how it ended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from secrets import token_hex
from typing import Any, Literal

from pydantic import BaseModel, Field

from tracewheel.core.errors import TracewheelError


class CycleStep(StrEnum):
    CURATE = "curate"  # curate the tenant's new episodes into a dataset version
    REVIEW = "review"  # the tenant's auto-accept policy over the version
    SAMPLE = "sample"  # rejection sampling: the champion's verified answers become SFT rows
    SELECT = "select"  # choose the training method the reviewed rows support
    TRAIN = "train"
    EVALUATE = "evaluate"
    GATE = "gate"
    CANARY = "canary"
    DONE = "done"
    FAILED = "failed"


_FAILED = frozenset({CycleStep.FAILED})

TRANSITIONS: dict[CycleStep, frozenset[CycleStep]] = {
    # DONE from CURATE: nothing to train on, or a canary of an earlier cycle is still deciding.
    CycleStep.CURATE: frozenset({CycleStep.REVIEW, CycleStep.DONE}) | _FAILED,
    # SAMPLE is skipped when rejection sampling is off.
    CycleStep.REVIEW: frozenset({CycleStep.SAMPLE, CycleStep.SELECT}) | _FAILED,
    CycleStep.SAMPLE: frozenset({CycleStep.SELECT}) | _FAILED,
    CycleStep.SELECT: frozenset({CycleStep.TRAIN, CycleStep.DONE}) | _FAILED,
    CycleStep.TRAIN: frozenset({CycleStep.EVALUATE}) | _FAILED,
    CycleStep.EVALUATE: frozenset({CycleStep.GATE}) | _FAILED,
    # DONE from GATE: rejected, or promoted without a canary.
    CycleStep.GATE: frozenset({CycleStep.CANARY, CycleStep.DONE}) | _FAILED,
    CycleStep.CANARY: frozenset({CycleStep.DONE}) | _FAILED,
    CycleStep.DONE: frozenset(),
    CycleStep.FAILED: frozenset(),
}

TERMINAL_STEPS = frozenset({CycleStep.DONE, CycleStep.FAILED})


class CycleOutcome(StrEnum):
    RUNNING = "running"
    PROMOTED = "promoted"  # the canary won, or no canary: the candidate is champion
    CANARY = "canary"  # the canary was still running when the cycle ended
    ROLLED_BACK = "rolled_back"  # the canary lost: candidate retired, champion kept
    REJECTED = "rejected"  # the gate said no, or could not tell (underpowered)
    NO_DATA = "no_data"  # nothing to train on
    FAILED = "failed"
    ABANDONED = "abandoned"  # an unfinished cycle given up by `tracewheel run --restart`


class IllegalTransition(TracewheelError):
    """A cycle asked to move to a step its current step does not lead to (a bug in the runner, not user input)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_cycle_id(now: datetime | None = None) -> str:
    """``cyc-<utc yyyymmddHHMMSS>-<6 hex>``: sorts by start time, unique across processes."""
    return f"cyc-{(now or utc_now()).strftime('%Y%m%d%H%M%S')}-{token_hex(3)}"


class StepRecord(BaseModel):
    step: CycleStep
    started_at: datetime
    finished_at: datetime | None = None
    ok: bool = False
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Cycle(BaseModel):
    cycle_id: str
    tenant: str
    trigger: str = Field(default="manual", description='What started it: "manual", "cron", "new_episodes".')
    started_at: datetime
    finished_at: datetime | None = None
    step: CycleStep = CycleStep.CURATE
    outcome: CycleOutcome = CycleOutcome.RUNNING
    steps: list[StepRecord] = Field(default_factory=list)
    dataset_version: str | None = None
    method: str | None = None
    init_from: Literal["champion", "base"] = "base"
    init_adapter: str | None = Field(
        default=None, description="The adapter a candidate continued training from."
    )
    candidate: str | None = Field(default=None, description="The adapter id this cycle trained.")
    champion_before: str | None = None
    champion_after: str | None = None
    eval_run: str | None = None
    gate: dict[str, Any] | None = Field(
        default=None, description="decision, reasons, interval, success rates."
    )
    canary: dict[str, Any] | None = Field(default=None, description="canary_id, decision, evidence.")
    sampling: dict[str, Any] | None = Field(
        default=None, description="prompts, samples, kept, pass_rate, version."
    )
    counts: dict[str, Any] = Field(default_factory=dict, description="Curation and review counts.")
    error: str | None = None

    @classmethod
    def new(cls, tenant: str, trigger: str = "manual") -> Cycle:
        now = utc_now()
        return cls(cycle_id=new_cycle_id(now), tenant=tenant, trigger=trigger, started_at=now)

    @property
    def finished(self) -> bool:
        return self.step in TERMINAL_STEPS

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def last_record(self, step: CycleStep) -> StepRecord | None:
        """The latest record of ``step`` (a resumed step has one per attempt)."""
        return next((r for r in reversed(self.steps) if r.step == step), None)

    def move_to(self, step: CycleStep) -> None:
        """Go to ``step`` if ``TRANSITIONS`` allows it; raises ``IllegalTransition`` otherwise."""
        if step not in TRANSITIONS[self.step]:
            raise IllegalTransition(f"cycle {self.cycle_id}: {self.step} cannot lead to {step}")
        self.step = step

    def end(self, outcome: CycleOutcome, *, error: str | None = None) -> None:
        """Finish the cycle with ``outcome``: FAILED for a failure or an abandoned cycle, DONE otherwise."""
        if outcome is CycleOutcome.RUNNING:
            raise IllegalTransition(f"cycle {self.cycle_id}: cannot end as running")
        target = (
            CycleStep.FAILED if outcome in (CycleOutcome.FAILED, CycleOutcome.ABANDONED) else CycleStep.DONE
        )
        self.move_to(target)
        self.outcome = outcome
        self.error = error
        self.finished_at = utc_now()
