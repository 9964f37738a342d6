"""What the report shows, read from the stores the stages wrote: cycles, eval runs, dataset versions, canaries.

Nothing here writes or decides anything. Every source may be missing or partly gone (no cycle yet, an eval run
purged by ``tracewheel forget``, a version deleted with its tenant, a canary never started): the piece is left
``None`` or empty and the page says "none yet", so a report can always be written.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tracewheel.config import Settings
from tracewheel.core.errors import TracewheelError
from tracewheel.curator import versions
from tracewheel.evals import stats
from tracewheel.evals.store import EvalRun, load_results, load_run
from tracewheel.loop import store as cycle_store
from tracewheel.loop.cycle import Cycle, CycleStep
from tracewheel.serving import canary
from tracewheel.trainer import registry

logger = logging.getLogger(__name__)

SAMPLING = "rejection_sampling"
"""The ``derived_by`` of a version rejection sampling wrote (``loop.sampling_prompts.SOURCE``)."""
FORMATS = versions.TRAINABLE_KINDS
"""The dataset formats charted per version (quarantine rows are charted with the redactions)."""


class Rate(BaseModel):
    """A held-out success rate with its interval (per-arm cluster bootstrap over the run's task examples)."""

    value: float
    low: float | None = None
    high: float | None = None


class EvalPoint(BaseModel):
    """One cycle's evaluation: both arms' held-out success and the gate's interval on the delta."""

    run_id: str
    source: str = Field(description="'eval run', or 'cycle record' when the run was purged.")
    baseline: str | None = Field(description="The baseline adapter; None: the base model.")
    examples: int | None = None
    clusters: int | None = None
    candidate: Rate | None = None
    baseline_rate: Rate | None = None
    delta: Rate | None = None
    min_lift: float | None = None
    decision: str | None = None


class CycleRow(BaseModel):
    number: int
    cycle_id: str
    trigger: str
    started_at: datetime
    seconds: float | None
    step: str
    method: str | None
    init_from: str
    init_adapter: str | None
    candidate: str | None
    dataset_version: str | None
    gate_decision: str | None
    canary_decision: str | None
    outcome: str
    eval: EvalPoint | None = None
    note: str | None = Field(
        default=None, description="A purged eval run, or the earlier canary it waited on."
    )
    sampling: dict[str, Any] | None = None
    error: str | None = None


class VersionRow(BaseModel):
    version: str
    created_at: str
    parent: str | None
    source: str = Field(description="'curate', 'rejection sampling' or 'other': what wrote the version.")
    rows: dict[str, int]
    redacted_values: int | None = Field(description="PII values redacted by the curation run that wrote it.")
    redacted_episodes: int | None
    quarantined: int | None = Field(description="Runs quarantined by that curation run.")
    quarantine_rows: int = Field(description="Quarantine rows the version holds (new and carried).")


class CanaryRow(BaseModel):
    canary_id: str
    candidate: str | None
    champion: str | None
    started_at: str | None
    ended_at: str | None
    share: float | None
    decision: str = Field(description="promote | rollback | stop | running")
    by: str | None
    reason: str | None
    evidence: dict[str, Any] | None = None
    outcomes: dict[str, int] = Field(default_factory=dict, description="Outcomes recorded per arm.")
    cycle: int | None = Field(
        default=None, description="The number of the cycle that started it, if one did."
    )


class ReportData(BaseModel):
    tenant: str
    generated_at: datetime
    base_model: str
    champion: str | None
    cycles: list[CycleRow]
    versions: list[VersionRow]
    canaries: list[CanaryRow]
    decisions: list[dict[str, Any]] = Field(
        description="Every canary / promotion / rollback event, oldest first."
    )
    problems: list[str] = Field(default_factory=list, description="Records that could not be read, in words.")


# --- cycles and their eval runs ------------------------------------------------------------------------------------


def _read_cycles(cycles_dir: Path, tenant: str, problems: list[str]) -> list[Cycle]:
    try:
        return cycle_store.list_cycles(cycles_dir, tenant)
    except TracewheelError:
        pass  # one damaged record: read the others one by one and name it
    cycles = []
    for path in sorted(cycle_store.tenant_dir(cycles_dir, tenant).glob("cyc-*.json")):
        try:
            cycles.append(cycle_store.load_cycle(cycles_dir, tenant, path.stem))
        except TracewheelError as exc:
            problems.append(str(exc))
    return sorted(cycles, key=lambda c: (c.started_at, c.cycle_id))


def _arm_rates(run: EvalRun) -> tuple[Rate | None, Rate | None]:
    """Each arm's success on the task examples, with a cluster-bootstrap interval like the gate's own."""
    try:
        results = [r for r in load_results(run) if r.kind == "task"]
    except (OSError, ValueError):
        results = []
    g = run.gate
    if not results:
        cand = Rate(value=g.candidate_success) if g.candidate_success is not None else None
        base = Rate(value=g.baseline_success) if g.baseline_success is not None else None
        return cand, base
    clusters = [r.cluster for r in results]
    zeros = [0.0] * len(results)
    resamples = int(run.settings.get("bootstrap_resamples", 2000))
    seed = int(run.seeds.get("bootstrap", g.seed))
    rates = []
    for arm in ([r.candidate_score.success for r in results], [r.baseline_score.success for r in results]):
        # mean(arm - 0) resampled by cluster: the same interval the gate draws for the delta, for one arm.
        iv = stats.cluster_bootstrap(
            [float(x) for x in arm], zeros, clusters, alpha=g.alpha, resamples=resamples, seed=seed
        )
        rates.append(Rate(value=iv.estimate, low=iv.low, high=iv.high))
    return rates[0], rates[1]


def _interval(iv: dict[str, Any] | None) -> Rate | None:
    if not iv or iv.get("estimate") is None:
        return None
    return Rate(value=iv["estimate"], low=iv.get("low"), high=iv.get("high"))


def _eval_point(evals_dir: Path, cycle: Cycle) -> tuple[EvalPoint | None, str | None]:
    if not cycle.eval_run:
        return None, None
    try:
        run = load_run(evals_dir, cycle.eval_run, cycle.tenant)
    except (TracewheelError, ValueError, OSError):
        run = None
    if run is not None:
        cand, base = _arm_rates(run)
        g = run.gate
        point = EvalPoint(
            run_id=run.run_id,
            source="eval run",
            baseline=run.baseline,
            examples=g.examples,
            clusters=g.clusters,
            candidate=cand,
            baseline_rate=base,
            delta=_interval(g.interval),
            min_lift=g.min_lift,
            decision=g.decision.value,
        )
        return point, None
    # The run is gone (``forget`` removes every run that evaluated on a forgotten trace); the cycle kept the
    # gate's numbers, which quote no trace.
    gate = cycle.gate or {}
    note = f"eval run {cycle.eval_run} no longer exists"
    if gate.get("candidate_success") is None and not gate.get("interval"):
        return None, note
    point = EvalPoint(
        run_id=cycle.eval_run,
        source="cycle record",
        baseline=gate["baseline"] if "baseline" in gate else cycle.champion_before,
        examples=gate.get("examples"),
        clusters=gate.get("clusters"),
        candidate=Rate(value=gate["candidate_success"])
        if gate.get("candidate_success") is not None
        else None,
        baseline_rate=(
            Rate(value=gate["baseline_success"]) if gate.get("baseline_success") is not None else None
        ),
        delta=_interval(gate.get("interval")),
        min_lift=gate.get("min_lift"),
        decision=gate.get("decision"),
    )
    return point, note + " (numbers from the cycle record)"


def _cycle_row(number: int, evals_dir: Path, cycle: Cycle) -> CycleRow:
    point, note = _eval_point(evals_dir, cycle)
    seconds = cycle.seconds
    if seconds is None and cycle.step not in (CycleStep.DONE, CycleStep.FAILED):
        seconds = (datetime.now(UTC) - cycle.started_at).total_seconds()
    gate = cycle.gate or {}
    info = cycle.canary or {}
    if info.get("pending"):
        # The cycle found an earlier cycle's canary still deciding and trained nothing: that canary is not its own.
        note = f"waited on canary {info.get('canary_id')} of an earlier cycle"
        info = {}
    return CycleRow(
        number=number,
        cycle_id=cycle.cycle_id,
        trigger=cycle.trigger,
        started_at=cycle.started_at,
        seconds=seconds,
        step=cycle.step.value,
        method=cycle.method,
        init_from=cycle.init_from,
        init_adapter=cycle.init_adapter,
        candidate=cycle.candidate,
        dataset_version=cycle.dataset_version,
        gate_decision=gate.get("decision") or (point.decision if point else None),
        canary_decision=info.get("decision"),
        outcome=cycle.outcome.value,
        eval=point,
        note=note,
        sampling=cycle.sampling,
        error=cycle.error,
    )


# --- dataset versions ----------------------------------------------------------------------------------------------


def _version_row(manifest: dict[str, Any]) -> VersionRow:
    counts = manifest.get("counts") if isinstance(manifest.get("counts"), dict) else None
    derived_by = str(manifest.get("derived_by") or "")
    if derived_by == SAMPLING or SAMPLING in manifest:
        source = "rejection sampling"  # tracewheel/loop/rejection_sampling.py: write_derived
    elif derived_by:
        source = derived_by
    elif counts is not None and "redacted" in counts:
        source = "curate"
    else:
        source = "other"
    rows = {k: int(v) for k, v in (manifest.get("rows") or {}).items()}
    redacted = counts.get("redacted") if counts else None
    return VersionRow(
        version=manifest["version"],
        created_at=str(manifest.get("created_at", "")),
        parent=manifest.get("parent"),
        source=source,
        rows={k: rows.get(k, 0) for k in FORMATS},
        redacted_values=sum(int(v) for v in redacted.values()) if isinstance(redacted, dict) else None,
        redacted_episodes=counts.get("redacted_episodes") if counts else None,
        quarantined=counts.get("quarantined") if counts else None,
        quarantine_rows=rows.get("quarantine", 0),
    )


# --- canaries ------------------------------------------------------------------------------------------------------


def _canaries(settings: Settings, tenant: str) -> tuple[list[CanaryRow], list[dict[str, Any]]]:
    paths = settings.paths
    decisions = canary.read_jsonl(canary.decisions_path(paths, tenant))
    by_id: dict[str, CanaryRow] = {}
    for d in decisions:
        cid = d.get("canary_id")
        if not cid:
            continue  # a promotion or rollback by hand: listed with the decisions
        row = by_id.setdefault(
            cid,
            CanaryRow(
                canary_id=cid,
                candidate=d.get("candidate"),
                champion=d.get("champion"),
                started_at=None,
                ended_at=None,
                share=None,
                decision="running",
                by=None,
                reason=None,
            ),
        )
        if d.get("event") == "start":
            row.started_at, row.share = d.get("at"), d.get("share")
        elif d.get("event") in ("promote", "rollback", "stop"):
            row.decision, row.ended_at = d["event"], d.get("at")
            row.by, row.reason, row.evidence = d.get("by"), d.get("reason"), d.get("evidence")
    state = canary.read_state(paths, tenant)
    if state is not None and state.canary_id in by_id:
        outcomes = canary.read_jsonl(canary.outcomes_path(paths, state))
        arms: dict[str, int] = {}
        for o in outcomes:
            arms[str(o.get("arm"))] = arms.get(str(o.get("arm")), 0) + 1
        by_id[state.canary_id].outcomes = arms
    rows = sorted(by_id.values(), key=lambda r: (r.started_at or r.ended_at or "", r.canary_id))
    return rows, decisions


# --- all of it -----------------------------------------------------------------------------------------------------


def gather(settings: Settings, tenant: str) -> ReportData:
    """Everything the report shows for ``tenant``, oldest first."""
    paths = settings.paths
    problems: list[str] = []
    cycles = _read_cycles(paths.cycles_dir, tenant, problems)
    rows = [_cycle_row(i, paths.evals_dir, c) for i, c in enumerate(cycles, start=1)]
    version_rows = []
    for manifest in versions.list_versions(paths.datasets_dir, tenant):
        try:
            version_rows.append(_version_row(manifest))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"dataset version {manifest.get('version', '?')}: unreadable manifest ({exc})")
    canaries, decisions = _canaries(settings, tenant)
    started_by: dict[str, int] = {}
    for cycle, row in zip(cycles, rows, strict=True):
        info = cycle.canary or {}
        if info.get("canary_id") and not info.get("pending"):
            started_by.setdefault(info["canary_id"], row.number)
    for c in canaries:
        c.cycle = started_by.get(c.canary_id)
    try:
        champ = registry.champion(paths.adapters_dir, tenant)
    except TracewheelError as exc:
        problems.append(str(exc))
        champ = None
    return ReportData(
        tenant=tenant,
        generated_at=datetime.now(UTC),
        base_model=settings.trainer.default_model,
        champion=champ.adapter_id if champ else None,
        cycles=rows,
        versions=version_rows,
        canaries=canaries,
        decisions=decisions,
        problems=problems,
    )
