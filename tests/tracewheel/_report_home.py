"""A tracewheel home with a few cycles of history for the report's tests and its screenshot, written through the
real stores: dataset versions (``curator.versions.write_version``), adapters (``trainer.registry``), eval runs
(``evals.gate.decide`` on paired example results, ``evals.store.write_run``), canaries (``serving.canary`` with the
real sequential test's evidence) and cycle records (``loop.store.save_cycle``).

What is made up is only what those modules are given: the rows, the per-example outcomes and the canary's live
outcomes (drawn from fixed success rates with a seeded generator), so the numbers are known to the tests. A real
curation run costs ~30 s of engine start-up on this machine, so the versions' curation counts are written in the
shape ``curator/pipeline.py`` records them.

``python tests/tracewheel/_report_home.py OUT.png`` builds the home in a temporary directory, writes the report
and screenshots it with headless Chromium (docs/img/report.png).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TENANT = "acme"


@dataclass(frozen=True)
class CyclePlan:
    """One cycle of the made-up history: what it trained and how the candidate and its baseline did."""

    trigger: str
    method: str | None
    init_from: str
    candidate_rate: float | None  # None: no candidate (no data)
    baseline_rate: float | None
    canary: str | None  # "promote" | "rollback" | None (no canary: the gate rejected, or no data)
    new_rows: dict[str, int]
    redacted: dict[str, int]
    quarantined: int
    sampled: int = 0  # SFT rows kept by rejection sampling (a derived version)
    minutes: float = 7.0


PLANS = [
    # base 5% -> 60%: promoted offline and live
    CyclePlan(
        "manual",
        "sft",
        "base",
        0.60,
        0.05,
        "promote",
        {"sft": 96, "dpo": 6, "kto": 18, "rewards": 110},
        {"EMAIL_ADDRESS": 11, "PERSON": 17, "PHONE_NUMBER": 6},
        2,
        minutes=8.6,
    ),
    # better on the held-out split, worse on live traffic: the canary rolls it back
    CyclePlan(
        "new_episodes",
        "sft",
        "champion",
        0.85,
        0.60,
        "rollback",
        {"sft": 40, "dpo": 4, "kto": 9, "rewards": 52},
        {"EMAIL_ADDRESS": 5, "PERSON": 8, "PHONE_NUMBER": 2},
        1,
        sampled=24,
        minutes=6.1,
    ),
    # DPO on few pairs loses ground: the gate rejects it
    CyclePlan(
        "cron",
        "dpo",
        "champion",
        0.45,
        0.60,
        None,
        {"sft": 12, "dpo": 22, "kto": 6, "rewards": 20},
        {"EMAIL_ADDRESS": 3, "PERSON": 2},
        0,
        minutes=5.2,
    ),
    CyclePlan(
        "cron",
        "sft",
        "champion",
        0.95,
        0.60,
        "promote",
        {"sft": 30, "dpo": 2, "kto": 5, "rewards": 33},
        {"EMAIL_ADDRESS": 4, "PERSON": 6, "PHONE_NUMBER": 1},
        3,
        sampled=18,
        minutes=6.8,
    ),
    CyclePlan("cron", None, "champion", None, None, None, {}, {}, 0, minutes=0.4),
]
EXAMPLES, PER_CLUSTER = 60, 3


def _rows(kind: str, n: int, salt: str) -> list[Any]:
    from tracewheel.curator.versions import DatasetRow

    rows = []
    for i in range(n):
        prompt = [{"role": "user", "content": f"{salt} {kind} question {i}"}]
        if kind == "sft":
            data = {"messages": [*prompt, {"role": "assistant", "content": f"answer {i}"}]}
        elif kind == "dpo":
            data = {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": "right"}],
                "rejected": [{"role": "assistant", "content": f"wrong {i}"}],
            }
        elif kind == "kto":
            data = {
                "prompt": prompt,
                "completion": [{"role": "assistant", "content": "x"}],
                "label": i % 2 == 0,
            }
        elif kind == "rewards":
            data = {"prompt": prompt, "verifier": {"type": "numeric", "answer": i}}
        else:
            data = {"episode": f"{salt}-{i}", "candidates": []}
        rows.append(DatasetRow(kind, data, {"trace_ids": [f"{salt}-{kind}-{i}"]}))
    return rows


def _version(settings: Any, parent: dict[str, Any] | None, plan: CyclePlan, salt: str) -> dict[str, Any]:
    from tracewheel.curator import versions

    rows = [] if parent is None else versions.all_rows(settings.paths.datasets_dir, TENANT, parent["version"])
    for kind, n in plan.new_rows.items():
        rows += _rows(kind, n, salt)
    rows += _rows("quarantine", plan.quarantined, salt)
    counts = {
        "selected": sum(plan.new_rows.values()) + plan.quarantined,
        "redacted": plan.redacted,
        "redacted_episodes": max(plan.redacted.values(), default=0),
        "quarantined": plan.quarantined,
        "new_rows": {**plan.new_rows, "quarantine": plan.quarantined},
    }
    manifest = {"parent": parent["version"] if parent else None, "counts": counts}
    return versions.write_version(settings.paths.datasets_dir, TENANT, rows, manifest)


def _sampled_version(settings: Any, parent: dict[str, Any], kept: int, salt: str) -> dict[str, Any]:
    from tracewheel.curator import versions

    rows = versions.all_rows(settings.paths.datasets_dir, TENANT, parent["version"])
    # As tracewheel/loop/rejection_sampling.py's write_derived records a derived version.
    manifest = {
        "parent": parent["version"],
        "derived_by": "rejection_sampling",
        "rejection_sampling": {"prompts": kept + 8, "samples": 4 * (kept + 8), "kept": kept},
        "counts": {"new_rows": {"sft": kept}, "kept_from_parent": len(rows)},
    }
    return versions.write_version(
        settings.paths.datasets_dir, TENANT, rows + _rows("sft", kept, salt), manifest
    )


def _adapter(settings: Any, method: str, version: str, created: datetime) -> str:
    from tracewheel.trainer import registry

    record = registry.AdapterRecord(
        adapter_id=registry.new_adapter_id(method),
        tenant=TENANT,
        base_model=settings.trainer.default_model,
        method=method,
        dataset_versions=[version],
        hyperparameters={},
        created_at=created,
    )
    # The report reads the registry's record only: no weights are needed.
    record = registry.register(
        settings.paths.adapters_dir, record, lambda tmp: (tmp / "adapter_config.json").write_text("{}")
    )
    return record.adapter_id


def _eval_run(settings: Any, candidate: str, baseline: str | None, plan: CyclePlan, seed: int) -> Any:
    from tracewheel.evals.gate import decide
    from tracewheel.evals.metrics import Generation, Score
    from tracewheel.evals.report import render_report
    from tracewheel.evals.runner import pairs_of
    from tracewheel.evals.store import EvalRun, ExampleResult, new_run_id, write_run

    rng = random.Random(seed)
    # Exactly round(rate * EXAMPLES) successes per arm, at seeded places: the tests know the rates.
    wins = {
        arm: set(rng.sample(range(EXAMPLES), round(rate * EXAMPLES)))
        for arm, rate in (("candidate", plan.candidate_rate), ("baseline", plan.baseline_rate))
    }
    results = []
    for i in range(EXAMPLES):
        ok = {arm: i in wins[arm] for arm in wins}
        gen = {
            k: Generation(
                text="Answer: 7" if v else "7?",
                tool_calls=[],
                tool_call_parse_error=False,
                finish_reason="stop",
            )
            for k, v in ok.items()
        }
        results.append(
            ExampleResult(
                example_id=f"{seed:02d}{i:030x}",
                kind="task",
                suite=f"{TENANT}/arithmetic",
                cluster=f"conv-{i // PER_CLUSTER}",
                messages=[{"role": "user", "content": f"What is {i} + 7?"}],
                reference_text="Answer: 7",
                candidate=gen["candidate"],
                baseline=gen["baseline"],
                candidate_score=Score(success=ok["candidate"], how="verifier"),
                baseline_score=Score(success=ok["baseline"], how="verifier"),
            )
        )
    pairs = pairs_of(results)
    gate = decide(settings.evals, pairs)
    run = EvalRun(
        run_id=new_run_id() + f"{seed:02d}",
        tenant=TENANT,
        created_at=datetime.now(UTC),
        candidate=candidate,
        baseline=baseline,
        against="champion" if baseline else "base",
        base_model=settings.trainer.default_model,
        suites={f"{TENANT}/arithmetic": len(results)},
        suite_fingerprint="f" * 16,
        probes_fingerprint="p" * 16,
        settings=settings.evals.model_dump(mode="json"),
        seeds={"generation": 0, "bootstrap": settings.evals.seed},
        gate=gate,
    )
    return write_run(settings.paths.evals_dir, run, results, render_report(run, results))


LIVE_RATES = {"promote": (0.9, 0.35), "rollback": (0.5, 0.9)}
"""Live success of the candidate and of the champion's arm, by the decision the canary is to reach."""


def _canary(settings: Any, candidate: str, decision: str, seed: int) -> dict[str, Any]:
    from tracewheel.serving import canary
    from tracewheel.serving.sequential import decide

    rng = random.Random(seed)
    state = canary.start_canary(settings.paths, settings.serving, TENANT, candidate, 0.2)
    cand_rate, champ_rate = LIVE_RATES[decision]
    n = 120
    cand = [float(rng.random() < cand_rate) for _ in range(n)]
    champ = [float(rng.random() < champ_rate) for _ in range(n)]
    evidence = decide(
        cand, champ, alpha=state.alpha, margin=state.margin, min_samples=state.min_samples, max_samples=10 * n
    )
    assert evidence.decision.value == decision, evidence  # the fixture's rates must make the test decide so
    outcome = canary.CanaryStatus.PROMOTED if decision == "promote" else canary.CanaryStatus.ROLLED_BACK
    canary.close_canary(settings.paths, state, outcome, "monitor", evidence.rule, evidence)
    # What tracewheel/loop/runner.py records on the cycle once its canary ended.
    return {
        "canary_id": state.canary_id,
        "candidate": candidate,
        "decision": str(outcome),
        "reason": evidence.rule,
        "by": "monitor",
        "evidence": evidence.model_dump(mode="json"),
    }


def build_home(settings: Any, plans: list[CyclePlan] = PLANS) -> list[Any]:
    """Write ``plans`` as the tenant's history; returns the saved cycles, oldest first."""
    from tracewheel.trainer import registry

    from tracewheel.loop.cycle import Cycle, CycleOutcome, CycleStep
    from tracewheel.loop.store import save_cycle

    version: dict[str, Any] | None = None
    champion: str | None = None
    cycles = []
    for n, plan in enumerate(plans):
        started = T0 + timedelta(days=n)
        cycle = Cycle(
            cycle_id=f"cyc-{started:%Y%m%d%H%M%S}-{n:06x}",
            tenant=TENANT,
            trigger=plan.trigger,
            started_at=started,
            init_from=plan.init_from,
            champion_before=champion,
        )
        if plan.new_rows:
            version = _version(settings, version, plan, f"c{n}")
        if plan.sampled and version is not None:
            version = _sampled_version(settings, version, plan.sampled, f"s{n}")
            cycle.sampling = {
                "prompts": plan.sampled + 8,
                "samples": 4 * (plan.sampled + 8),
                "kept": plan.sampled,
            }
        cycle.dataset_version = version["version"] if version else None
        if plan.candidate_rate is None or plan.method is None or version is None:
            cycle.step, cycle.outcome = CycleStep.DONE, CycleOutcome.NO_DATA
        else:
            cycle.method = plan.method
            cycle.init_adapter = champion if plan.init_from == "champion" else None
            candidate = _adapter(settings, plan.method, version["version"], started)
            cycle.candidate = candidate
            run = _eval_run(settings, candidate, champion, plan, seed=n)
            cycle.eval_run = run.run_id
            g = run.gate
            cycle.gate = {
                "decision": str(g.decision),
                "reasons": g.reasons,
                "interval": g.interval,
                "candidate_success": g.candidate_success,
                "baseline_success": g.baseline_success,
                "examples": g.examples,
                "clusters": g.clusters,
                "min_lift": g.min_lift,
                "baseline": run.baseline,
            }
            if plan.canary is None:
                registry.transition(
                    settings.paths.adapters_dir,
                    TENANT,
                    candidate,
                    registry.AdapterStatus.RETIRED,
                    "the gate rejected it",
                    run.run_id,
                )
                cycle.outcome = CycleOutcome.REJECTED
            else:
                cycle.canary = _canary(settings, candidate, plan.canary, seed=n)
                if plan.canary == "promote":
                    champion = candidate
                    cycle.outcome = CycleOutcome.PROMOTED
                else:
                    cycle.outcome = CycleOutcome.ROLLED_BACK
            cycle.step = CycleStep.DONE
        cycle.champion_after = champion
        cycle.finished_at = started + timedelta(minutes=plan.minutes)
        save_cycle(settings.paths.cycles_dir, cycle)
        cycles.append(cycle)
    return cycles


def add_running_canary(settings: Any, cycles: list[Any]) -> tuple[Any, Any]:
    """Two more cycles: one whose canary is still deciding when it ends, and one that finds it running and waits
    (as ``tracewheel/loop/runner.py`` records them). Returns both."""
    from tracewheel.serving import canary

    from tracewheel.loop.cycle import Cycle, CycleOutcome, CycleStep
    from tracewheel.loop.store import save_cycle

    last = cycles[-1]
    plan = CyclePlan("manual", "sft", "champion", 0.97, 0.95, None, {}, {}, 0)
    started = last.started_at + timedelta(days=1)
    cycle = Cycle(
        cycle_id=f"cyc-{started:%Y%m%d%H%M%S}-{len(cycles):06x}",
        tenant=TENANT,
        trigger="manual",
        started_at=started,
        init_from="champion",
        champion_before=last.champion_after,
        dataset_version=last.dataset_version,
        method="sft",
        init_adapter=last.champion_after,
    )
    cycle.candidate = _adapter(settings, "sft", last.dataset_version, started)
    run = _eval_run(settings, cycle.candidate, last.champion_after, plan, seed=len(cycles))
    cycle.eval_run = run.run_id
    cycle.gate = {"decision": str(run.gate.decision), "interval": run.gate.interval}
    state = canary.start_canary(settings.paths, settings.serving, TENANT, cycle.candidate, 0.2)
    cycle.canary = {"canary_id": state.canary_id, "candidate": cycle.candidate, "decision": "running"}
    cycle.step, cycle.outcome = CycleStep.DONE, CycleOutcome.CANARY
    cycle.finished_at = started + timedelta(minutes=9)
    save_cycle(settings.paths.cycles_dir, cycle)
    later = Cycle(
        cycle_id=f"cyc-{started + timedelta(hours=1):%Y%m%d%H%M%S}-{len(cycles) + 1:06x}",
        tenant=TENANT,
        trigger="cron",
        started_at=started + timedelta(hours=1),
        champion_before=last.champion_after,
        canary={**cycle.canary, "pending": True, "evidence": None},
    )
    later.step, later.outcome = CycleStep.DONE, CycleOutcome.CANARY
    later.finished_at = later.started_at + timedelta(seconds=3)
    save_cycle(settings.paths.cycles_dir, later)
    return cycle, later


def screenshot(html: Path, png: Path, width: int = 1200) -> None:
    """Open ``html`` in Debian's headless Chromium and save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(), chromium_sandbox=False, args=["--disable-dev-shm-usage"]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            page.goto(html.as_uri())
            page.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()


def chromium_path() -> str | None:
    import shutil

    return next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p is not None),
        None,
    )


if __name__ == "__main__":
    import os
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        os.environ["TRACEWHEEL_HOME"] = home
        from tracewheel.config import load_settings
        from tracewheel.report.page import write_report

        settings = load_settings()
        build_home(settings)
        written = write_report(settings, TENANT)
        screenshot(Path(written.path), Path(sys.argv[1]))
        print(written.path)
