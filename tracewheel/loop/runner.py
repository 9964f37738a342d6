"""One cycle of the flywheel for one tenant (``tracewheel run``; docs/12-loop.md).

curate → review (auto-accept) → sample the wins → select a method → train → evaluate → gate → canary, each step a
``StepRecord`` on the ``Cycle``, saved after every step. The stages do the work (curator.pipeline,
curator.review_bulk, loop.rejection_sampling, trainer.runner, evals.runner, serving.canary and canary_monitor);
this module only strings them together and records what each took in and gave out.

Rules:

* one cycle per tenant at a time (``loop.lock``: an ``flock`` a crash releases); a second ``run`` fails at once
  with ``CycleBusy``;
* a cycle found unfinished (outcome ``running``, lock free: its process died) is resumed at the step it was in,
  or abandoned with ``restart`` and a new one started;
* any exception in a step ends the cycle ``failed`` with the step's error; nothing a step does before the gate
  touches the champion, so a failed step, a diverged training run or a gate that says no leaves it serving;
* a canary of an earlier cycle still deciding is checked first (and decided if the evidence is in); while it
  runs, a new cycle trains nothing (two candidates must not compete for one control arm).

Sampling and evaluation share one engine, opened on first use and closed when the cycle ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from tracewheel.config import Settings
from tracewheel.core import ids
from tracewheel.curator import versions
from tracewheel.loop import store
from tracewheel.loop.cycle import Cycle, CycleOutcome, CycleStep, StepRecord, utc_now
from tracewheel.loop.lock import cycle_lock
from tracewheel.loop.method import choose_method, reviewed_rows
from tracewheel.loop.progress import stage_bar
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterStatus

logger = logging.getLogger(__name__)

Next = tuple[CycleStep, CycleOutcome | None]
"""What a step handler returns: the step to go to, and the outcome when that step is DONE."""

# Canary states of serving.canary, as cycle outcomes (a canary stopped by hand decided nothing: the candidate did
# not become champion, so the cycle counts as rejected, with the canary's own reason recorded).
_CANARY_OUTCOMES = {
    "promoted": CycleOutcome.PROMOTED,
    "rolled_back": CycleOutcome.ROLLED_BACK,
    "stopped": CycleOutcome.REJECTED,
}
_CANARY_EVENTS = {"promote": "promoted", "rollback": "rolled_back", "stop": "stopped"}
_IDLE_CHECK_SECONDS = (
    5.0  # canary checks while waiting when the server's monitor is off (canary_check_seconds 0)
)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _champion_id(settings: Settings, tenant: str) -> str | None:
    champ = registry.champion(settings.paths.adapters_dir, tenant)
    return champ.adapter_id if champ else None


class _SharedEngine:
    """The serving engine, opened on first use; sampling and evaluation share it (a model load costs seconds)."""

    def __init__(self, settings: Settings, console: Console | None) -> None:
        self._settings = settings
        self._console = console
        self.engine: Any = None

    def get(self) -> Any:
        if self.engine is None:
            from tracewheel.serving.engine import open_engine

            s = self._settings
            if self._console is not None:
                with self._console.status("  loading the model"):
                    self.engine = open_engine(s.serving, s.trainer, s.paths)
            else:
                self.engine = open_engine(s.serving, s.trainer, s.paths)
        return self.engine

    def close(self) -> None:
        if self.engine is not None and hasattr(self.engine, "close"):
            self.engine.close()
        self.engine = None


# --- canaries of earlier cycles ------------------------------------------------------------------------------------


def _canary_end(settings: Settings, tenant: str, canary_id: str) -> dict[str, Any] | None:
    """How a canary ended, from the tenant's decision log: {decision, reason, by, evidence}; None while it runs."""
    from tracewheel.serving import canary

    ended = [
        row
        for row in canary.read_jsonl(canary.decisions_path(settings.paths, tenant))
        if row.get("canary_id") == canary_id and row.get("event") in _CANARY_EVENTS
    ]
    if not ended:
        return None
    row = ended[-1]
    return {
        "decision": _CANARY_EVENTS[row["event"]],
        "reason": row.get("reason", ""),
        "by": row.get("by"),
        "evidence": row.get("evidence"),
    }


def settle_canaries(settings: Settings, tenant: str) -> list[Cycle]:
    """Give cycles that ended with their canary running the canary's final outcome once it has one.

    The canary is decided later, by the server's monitor, by a later cycle, or by hand; the cycle that started it
    then reads ``promoted``, ``rolled_back`` or ``rejected`` (stopped) with the canary's decision and evidence.
    Returns the cycles changed.
    """
    changed: list[Cycle] = []
    cycles_dir = settings.paths.cycles_dir
    for cycle in store.list_cycles(cycles_dir, tenant):
        info = cycle.canary or {}
        if cycle.outcome != CycleOutcome.CANARY or info.get("pending") or not info.get("canary_id"):
            continue
        end = _canary_end(settings, tenant, info["canary_id"])
        if end is None:
            continue
        cycle.canary = {**info, **end}
        cycle.outcome = _CANARY_OUTCOMES[end["decision"]]
        if end["decision"] == "promoted":
            cycle.champion_after = cycle.candidate
        store.save_cycle(cycles_dir, cycle)
        changed.append(cycle)
    return changed


# --- the cycle -----------------------------------------------------------------------------------------------------


def _resume_or_start(settings: Settings, tenant: str, trigger: str, restart: bool) -> tuple[Cycle, bool]:
    """The tenant's unfinished cycle (its process died: we hold the lock), or a new one; (cycle, resumed)."""
    cycles_dir = settings.paths.cycles_dir
    last = store.last_cycle(cycles_dir, tenant)
    if last is not None and not last.finished:
        if not restart:
            for record in last.steps:
                if record.finished_at is None and record.error is None:
                    record.error = f"interrupted (the process ended during the step); resumed at {utc_now():%Y-%m-%d %H:%M:%S} UTC"
            store.save_cycle(cycles_dir, last)
            return last, True
        last.end(CycleOutcome.ABANDONED, error=f"abandoned at {last.step} by `tracewheel run --restart`")
        store.save_cycle(cycles_dir, last)
    cycle = Cycle.new(tenant, trigger)
    cycle.champion_before = _champion_id(settings, tenant)
    store.save_cycle(cycles_dir, cycle)
    return cycle, False


def run_cycle(
    settings: Settings,
    tenant: str,
    *,
    trigger: str = "manual",
    restart: bool = False,
    console: Console | None = None,
    curation_engines: Any = None,
) -> Cycle:
    """Run (or resume) one cycle for ``tenant`` and return its record; see the module docstring.

    ``curation_engines`` (``curator.pipeline.Engines``): the redaction and screening engines to curate with; a
    caller that runs many cycles in one process (the schedule) passes them to load them once. Default: loaded
    by the cycle when it has new episodes to curate.

    Raises ``CycleBusy`` when another process runs a cycle for the tenant. A failing step does not raise: the
    cycle ends ``failed`` with the step's error.
    """
    tenant = ids.tenant_name(tenant, "tenant")
    with cycle_lock(settings.paths.cycles_dir, tenant):
        settle_canaries(settings, tenant)
        cycle, resumed = _resume_or_start(settings, tenant, trigger, restart)
        runner = _CycleRunner(settings, cycle, console, curation_engines)
        if console is not None:
            how = f"resuming at {cycle.step}" if resumed else f"trigger {cycle.trigger}"
            console.print(f"cycle [bold]{cycle.cycle_id}[/bold] for tenant {tenant} ({how})")
        try:
            runner.run()
        finally:
            runner.close()
        return cycle


class _CycleRunner:
    def __init__(
        self, settings: Settings, cycle: Cycle, console: Console | None, curation_engines: Any
    ) -> None:
        self.s = settings
        self.curation_engines = curation_engines
        self.paths = settings.paths
        self.cycle = cycle
        self.tenant = cycle.tenant
        self.console = console
        self.engine = _SharedEngine(settings, console)
        self._handlers: dict[CycleStep, Callable[[StepRecord], Next]] = {
            CycleStep.CURATE: self._curate,
            CycleStep.REVIEW: self._review,
            CycleStep.SAMPLE: self._sample,
            CycleStep.SELECT: self._select,
            CycleStep.TRAIN: self._train,
            CycleStep.EVALUATE: self._evaluate,
            CycleStep.GATE: self._gate,
            CycleStep.CANARY: self._canary,
        }

    def close(self) -> None:
        self.engine.close()

    def _save(self) -> None:
        store.save_cycle(self.paths.cycles_dir, self.cycle)

    def _say(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text, highlight=False)

    def run(self) -> None:
        cycle = self.cycle
        while not cycle.finished:
            step = cycle.step
            record = StepRecord(step=step, started_at=utc_now())
            cycle.steps.append(record)
            self._save()
            self._say(f"[bold]{step}[/bold] …")
            try:
                target, outcome = self._handlers[step](record)
            except Exception as exc:
                logger.debug("cycle %s: step %s failed", cycle.cycle_id, step, exc_info=True)
                record.error = one_line(exc)
                record.finished_at = utc_now()
                cycle.champion_after = _champion_id(self.s, self.tenant)
                cycle.end(CycleOutcome.FAILED, error=f"{step} failed: {record.error}")
                self._save()
                self._say(f"[red]✗ {step}[/red] {escape(record.error)}")
                return
            record.ok = True
            record.finished_at = utc_now()
            if target == CycleStep.DONE:
                cycle.champion_after = _champion_id(self.s, self.tenant)
                cycle.end(outcome or CycleOutcome.FAILED)
            else:
                cycle.move_to(target)
            self._save()
            self._say(f"[green]✓ {step}[/green] {record.seconds or 0:.1f}s {escape(step_summary(record))}")
        self._say(f"cycle {cycle.cycle_id}: [bold]{cycle.outcome}[/bold]")

    # --- steps ------------------------------------------------------------------------------------------------------

    def _curate(self, record: StepRecord) -> Next:
        if self._canary_pending(record):
            return CycleStep.DONE, CycleOutcome.CANARY
        from tracewheel.collector.store import TraceStore

        paths = self.paths
        source = TraceStore(paths.traces_dir, self.s.collector.object_store)
        known = versions.list_versions(paths.datasets_dir, self.tenant)
        if known and not _new_episodes(source, paths.datasets_dir, self.tenant):
            # Nothing arrived since the last curation: re-use its version without loading the redaction and
            # screening engines (seconds each cycle), which would only write the same version again.
            return self._curated(record, known[-1]["version"], {"selected": 0}, new_version=False, ran=False)
        from tracewheel.curator.pipeline import Engines, curate_tenant

        engines = self.curation_engines
        if engines is None:
            if self.console is not None:
                with self.console.status("  loading the redaction and screening engines"):
                    engines = Engines.default(self.s.curator, paths)
            else:
                engines = Engines.default(self.s.curator, paths)
        with stage_bar(self.console) as bar:
            result = curate_tenant(self.s.curator, paths, source, self.tenant, engines, progress=bar)
        version = result.version
        if version is None:
            known = versions.list_versions(paths.datasets_dir, self.tenant)
            version = known[-1]["version"] if known else None
        return self._curated(record, version, result.counts, new_version=result.new_version, ran=True)

    def _curated(
        self, record: StepRecord, version: str | None, c: dict[str, Any], *, new_version: bool, ran: bool
    ) -> Next:
        paths = self.paths
        counts = {
            "curated_version": version,
            "new_version": new_version,
            "curation_ran": ran,
            "selected": c.get("selected", 0),
            "skipped": c.get("skipped", {}),
            "held_back": c.get("held_back", {}),
            "redacted": c.get("redacted", {}),
            "redacted_total": sum(c.get("redacted", {}).values()),
            "redacted_episodes": c.get("redacted_episodes", 0),
            "quarantined": c.get("quarantined", 0),
            "labels": c.get("labels", {}),
            "new_rows": c.get("new_rows", {}),
            "heldout_episodes": (c.get("heldout") or {}).get("episodes", 0),
            "decontaminated": c.get("decontaminated", 0),
        }
        if version is not None:
            counts["rows"] = versions.read_manifest(paths.datasets_dir, self.tenant, version)["rows"]
        self.cycle.counts.update(counts)
        self.cycle.dataset_version = version
        record.outputs = {"version": version, **counts}
        if version is None:
            record.outputs["reason"] = "the tenant has no dataset version yet (no usable episodes)"
            return CycleStep.DONE, CycleOutcome.NO_DATA
        return CycleStep.REVIEW, None

    def _canary_pending(self, record: StepRecord) -> bool:
        """Check a canary an earlier cycle left running (deciding it if the evidence is in); True if it still runs."""
        from tracewheel.serving import canary, canary_monitor

        state = canary.active_state(self.paths, self.tenant)
        if state is None:
            return False
        report = canary_monitor.check_canary(self.paths, self.tenant, self.s.curator)
        settle_canaries(self.s, self.tenant)
        still = canary.active_state(self.paths, self.tenant)
        end = _canary_end(self.s, self.tenant, state.canary_id)
        record.outputs["earlier_canary"] = {
            "canary_id": state.canary_id,
            "candidate": state.candidate,
            "decision": "running" if still is not None else (end or {}).get("decision", "ended"),
        }
        if still is None:
            return False
        self.cycle.canary = {
            "canary_id": state.canary_id,
            "candidate": state.candidate,
            "decision": "running",
            "pending": True,
            "evidence": report.evidence.model_dump(mode="json") if report else None,
        }
        record.outputs["reason"] = (
            f"canary {state.canary_id} of {state.candidate} is still deciding; no new candidate is trained "
            "until it ends"
        )
        return True

    def _review(self, record: StepRecord) -> Next:
        version = self.cycle.dataset_version
        assert version is not None
        record.inputs = {"version": version, "rules": len(self.s.curator.auto_accept.rules_for(self.tenant))}
        decided = self._auto_accept(version)
        reviewed = reviewed_rows(self.paths.datasets_dir, self.tenant, version)
        self.cycle.counts["auto_accepted"] = decided["accepted"]
        self.cycle.counts["auto_accept_refused"] = decided["refused"]
        self.cycle.counts["reviewed_rows"] = reviewed
        record.outputs = {**decided, "reviewed_rows": reviewed}
        enabled = self.s.loop.rejection_sampling.enabled
        return (CycleStep.SAMPLE if enabled else CycleStep.SELECT), None

    def _auto_accept(self, version: str) -> dict[str, Any]:
        from tracewheel.curator.review_bulk import apply_auto_accept

        result = apply_auto_accept(self.paths.datasets_dir, self.tenant, version, self.s.curator.auto_accept)
        return {
            "version": version,
            "accepted": len(result.rows),
            "by_kind": _count(d.kind for d in result.rows),
            "by_rule": _count(d.by for d in result.rows),
            "refused": dict(result.refused),
        }

    def _sample(self, record: StepRecord) -> Next:
        from tracewheel.loop.rejection_sampling import sample_wins

        version = self.cycle.dataset_version
        assert version is not None
        rs = self.s.loop.rejection_sampling
        engine = self.engine.get()
        champion = registry.champion(self.paths.adapters_dir, self.tenant)
        adapter = None
        if champion is not None:
            if champion.adapter_id not in engine.loaded_adapters():
                engine.load_adapter(champion.adapter_id, Path(champion.path))
            adapter = champion.adapter_id
        record.inputs = {"version": version, "adapter": adapter, **rs.model_dump(mode="json")}
        result = sample_wins(
            rs, self.s.curator, self.paths, engine, self.tenant, version, adapter, self.console
        )
        sampling: dict[str, Any] = {
            "prompts": result.prompts,
            "samples": result.samples,
            "kept": result.kept,
            "pass_rate": result.pass_rate,
            "version": result.version,
            "from_version": version,
            "adapter": adapter,
            "seconds": result.seconds,
        }
        if result.version != version:
            sampling["review"] = self._auto_accept(result.version)
            self.cycle.counts["reviewed_rows"] = reviewed_rows(
                self.paths.datasets_dir, self.tenant, result.version
            )
        self.cycle.sampling = sampling
        self.cycle.dataset_version = result.version
        record.outputs = sampling
        return CycleStep.SELECT, None

    def _select(self, record: StepRecord) -> Next:
        version = self.cycle.dataset_version
        assert version is not None
        loop = self.s.loop
        record.inputs = {"version": version, "methods": list(loop.methods), "min_rows": dict(loop.min_rows)}
        choice = choose_method(loop, self.paths.datasets_dir, self.tenant, version)
        record.outputs = {**choice.model_dump(), "reason": choice.reason()}
        if choice.method is None:
            return CycleStep.DONE, CycleOutcome.NO_DATA
        self.cycle.method = choice.method
        return CycleStep.TRAIN, None

    def _train(self, record: StepRecord) -> Next:
        from tracewheel.trainer.runner import run_training

        cycle = self.cycle
        method, version = cycle.method, cycle.dataset_version
        assert method is not None and version is not None
        loop = self.s.loop
        champion = registry.champion(self.paths.adapters_dir, self.tenant)
        init = champion if loop.init_from == "champion" and champion is not None else None
        cycle.init_from = "champion" if init is not None else "base"
        cycle.init_adapter = init.adapter_id if init is not None else None
        config = loop.train_config.get(method)
        record.inputs = {
            "method": method,
            "version": version,
            "init_from_setting": loop.init_from,
            "init_from": cycle.init_from,
            "init_adapter": cycle.init_adapter,
            "config": config,
            "max_steps": loop.max_steps,
        }
        earlier = [r for r in cycle.steps[:-1] if r.step == CycleStep.TRAIN and not r.ok]
        adopted = self._adopt_candidate(method, version, earlier[-1].started_at) if earlier else None
        if adopted is not None:
            # The killed attempt registered its adapter before the cycle could record it.
            candidate = adopted
            record.outputs["adopted"] = True
        else:
            candidate = run_training(
                self.s.trainer,
                self.paths,
                method,
                self.tenant,
                version,
                config=config,
                max_steps=loop.max_steps,
                resume=bool(earlier),  # a killed attempt's checkpoints carry on where it stopped
                console=self.console,
                progress=self.console is not None,
                init_adapter=Path(init.path) if init is not None else None,
            )
        cycle.candidate = candidate.adapter_id
        record.outputs.update({"candidate": candidate.adapter_id, "metrics": candidate.metrics})
        return CycleStep.EVALUATE, None

    def _adopt_candidate(self, method: str, version: str, since: Any) -> Any:
        for rec in reversed(registry.list_adapters(self.paths.adapters_dir, self.tenant)):
            if (
                rec.status == AdapterStatus.CANDIDATE
                and rec.method == method
                and rec.dataset_versions == [version]
                and rec.created_at >= since
            ):
                return rec
        return None

    def _evaluate(self, record: StepRecord) -> Next:
        from tracewheel.evals.runner import run_eval

        candidate = self.cycle.candidate
        assert candidate is not None
        record.inputs = {"candidate": candidate, "against": "champion"}
        engine = self.engine.get()
        with stage_bar(self.console) as bar:
            run = run_eval(
                self.s.evals, self.s.trainer, self.paths, engine, self.tenant, candidate, "champion", bar
            )
        self.cycle.eval_run = run.run_id
        record.outputs = {
            "eval_run": run.run_id,
            "baseline": run.baseline,
            "suites": run.suites,
            "candidate_success": run.gate.candidate_success,
            "baseline_success": run.gate.baseline_success,
        }
        return CycleStep.GATE, None

    def _gate(self, record: StepRecord) -> Next:
        from tracewheel.evals.runner import gate

        cycle = self.cycle
        candidate = cycle.candidate
        assert candidate is not None
        record.inputs = {"candidate": candidate, "eval_run": cycle.eval_run}
        with stage_bar(self.console) as bar:
            # Reuses the EVALUATE step's run (same candidate, baseline, suites): no generation, only the decision.
            run, result, reused = gate(
                self.s.evals, self.s.trainer, self.paths, self.engine.get, self.tenant, candidate, bar
            )
        cycle.eval_run = run.run_id
        cycle.gate = {
            "decision": str(result.decision),
            "reasons": list(result.reasons),
            "interval": result.interval,
            "candidate_success": result.candidate_success,
            "baseline_success": result.baseline_success,
            "examples": result.examples,
            "clusters": result.clusters,
            "min_lift": result.min_lift,
            "baseline": run.baseline,
            "reused_run": reused,
        }
        record.outputs = dict(cycle.gate)
        evidence = f"{run.path}/decisions.jsonl" if run.path else run.run_id
        if result.decision != "promote":
            why = result.reasons[0] if result.reasons else str(result.decision)
            registry.transition(
                self.paths.adapters_dir,
                self.tenant,
                candidate,
                AdapterStatus.RETIRED,
                reason=f"gate {result.decision} in cycle {cycle.cycle_id}: {why}",
                evidence=evidence,
            )
            return CycleStep.DONE, CycleOutcome.REJECTED
        if self.s.loop.canary:
            return CycleStep.CANARY, None
        self._promote_directly(candidate, evidence)
        record.outputs["promoted"] = "directly ([loop] canary = false)"
        return CycleStep.DONE, CycleOutcome.PROMOTED

    def _promote_directly(self, candidate: str, evidence: str) -> None:
        from tracewheel.serving import canary

        reason = f"gate promote in cycle {self.cycle.cycle_id} (no canary)"
        if canary.active_state(self.paths, self.tenant) is not None:
            raise RuntimeError("a canary started while the cycle ran; not promoting over it")
        ref = canary.log_decision(
            self.paths,
            self.tenant,
            "promote",
            "loop",
            None,
            reason,
            adapter=candidate,
            eval_evidence=evidence,
        )
        registry.transition(
            self.paths.adapters_dir, self.tenant, candidate, AdapterStatus.CHAMPION, reason, ref
        )

    def _canary(self, record: StepRecord) -> Next:
        from tracewheel.serving import canary

        cycle = self.cycle
        candidate = cycle.candidate
        assert candidate is not None
        wait = self.s.loop.canary_wait_seconds
        record.inputs = {"candidate": candidate, "share": self.s.serving.canary_share, "wait_seconds": wait}
        state = canary.active_state(self.paths, self.tenant)
        if state is None or state.candidate != candidate:
            # Not started yet (a resumed step may find the canary its killed attempt started).
            known = (cycle.canary or {}).get("canary_id")
            end = _canary_end(self.s, self.tenant, known) if known else None
            if end is None:
                state = canary.start_canary(self.paths, self.s.serving, self.tenant, candidate)
        if state is not None:
            cycle.canary = {"canary_id": state.canary_id, "candidate": candidate, "decision": "running"}
            self._save()  # a kill while waiting must find this canary, not start a second one
        return self._await_canary(record, wait)

    def _await_canary(self, record: StepRecord, wait: float) -> Next:
        from tracewheel.serving import canary_monitor

        cycle = self.cycle
        info = dict(cycle.canary or {})
        canary_id = info["canary_id"]
        every = self.s.serving.canary_check_seconds or _IDLE_CHECK_SECONDS
        deadline = time.monotonic() + wait
        evidence = None
        while True:
            end = _canary_end(self.s, self.tenant, canary_id)
            if end is not None:
                break
            report = canary_monitor.check_canary(self.paths, self.tenant, self.s.curator)
            if report is not None:
                evidence = report.evidence.model_dump(mode="json")
            end = _canary_end(self.s, self.tenant, canary_id)
            left = deadline - time.monotonic()
            if end is not None or left <= 0:
                break
            time.sleep(min(every, left))
        if end is None:
            cycle.canary = {**info, "decision": "running", "evidence": evidence}
            record.outputs = dict(cycle.canary)
            return CycleStep.DONE, CycleOutcome.CANARY
        cycle.canary = {**info, **end}
        record.outputs = dict(cycle.canary)
        return CycleStep.DONE, _CANARY_OUTCOMES[end["decision"]]


def _new_episodes(source: Any, datasets_dir: Path, tenant: str) -> bool:
    """Whether the next curation would select anything: an episode active after the tenant's watermark."""
    from tracewheel.curator.select import last_watermark

    # Where curator/pipeline.py records the watermark after every curation, even one that made no version.
    mark = last_watermark(datasets_dir, tenant, versions.tenant_dir(datasets_dir, tenant) / ".watermark.json")
    if mark is None:
        return bool(source.episodes(tenant, limit=1))
    # The store's bound is inclusive, the watermark's is not; a microsecond past it is what curation selects.
    return bool(source.episodes(tenant, since=mark + timedelta(microseconds=1), limit=1))


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[str(v)] = out.get(str(v), 0) + 1
    return out


def step_summary(record: StepRecord) -> str:
    """A line on what a step gave out (the progress line, ``cycles show``)."""
    o = record.outputs
    match record.step:
        case CycleStep.CURATE:
            if "reason" in o:
                return str(o["reason"])
            rows = ", ".join(f"{k} {v}" for k, v in (o.get("rows") or {}).items() if v) or "none"
            how = f"{o.get('selected', 0)} new episodes" if o.get("curation_ran") else "no new episodes"
            return (
                f"{o.get('version')} ({'new' if o.get('new_version') else 'unchanged'}, {how}); rows {rows}; "
                f"{o.get('redacted_total', 0)} redacted, {o.get('quarantined', 0)} quarantined"
            )
        case CycleStep.REVIEW:
            reviewed = ", ".join(f"{k} {v}" for k, v in (o.get("reviewed_rows") or {}).items() if v) or "none"
            return f"{o.get('accepted', 0)} auto-accepted; reviewed rows {reviewed}"
        case CycleStep.SAMPLE:
            rate = "" if o.get("pass_rate") is None else f", pass rate {_pct(o['pass_rate'])}"
            return (
                f"{o.get('kept', 0)} kept of {o.get('samples', 0)} samples on {o.get('prompts', 0)} prompts"
                f"{rate} from {o.get('adapter') or 'the base model'} -> {o.get('version')}"
            )
        case CycleStep.SELECT:
            return str(o.get("reason", ""))
        case CycleStep.TRAIN:
            metrics = o.get("metrics") or {}
            loss = metrics.get("final_loss")
            init = record.inputs.get("init_adapter") or "the base model"
            return f"{o.get('candidate')} from {init}, {metrics.get('global_step', '?')} steps" + (
                f", loss {loss:.4g}" if isinstance(loss, int | float) else ""
            )
        case CycleStep.EVALUATE:
            return (
                f"{o.get('eval_run')}: held-out success {_pct(o.get('candidate_success'))} vs "
                f"{_pct(o.get('baseline_success'))} ({o.get('baseline') or 'base'})"
            )
        case CycleStep.GATE:
            reasons = o.get("reasons") or []
            return f"{o.get('decision')}: {reasons[0] if reasons else ''}"
        case CycleStep.CANARY:
            return f"{o.get('canary_id')}: {o.get('decision')}" + (
                f" ({o['reason']})" if o.get("reason") else ""
            )
    return ""


def _pct(value: Any) -> str:
    return "-" if value is None else f"{100 * float(value):.0f}%"
