"""The promotion gate: from paired per-example results to ``promote | reject | underpowered``, with its reasons.

- **Regressions first.** The candidate is rejected when its forgetting-probe pass rate falls more than
  ``probe_tolerance`` below the baseline's, its perplexity on the reference text rises more than
  ``perplexity_tolerance`` (relative), or it emits more unparseable tool calls than the baseline (beyond
  ``parse_error_tolerance``): LoRA adapters are known to break tool-call formatting.
- **Too few clusters**, or a suite too small to detect ``detectable_lift`` at ``power`` and whose interval does not
  already clear the bar: ``underpowered``, with the examples and clusters it would need (``stats.power_analysis``).
- **Promote** only when the lower bound of the paired cluster-bootstrap interval on the task-success delta is at
  least ``min_lift``; otherwise reject.

McNemar's exact test is computed and stored as evidence; it treats pairs as independent, so it does not decide.
The decision never changes an adapter's status: the canary owns the registry's state machine.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from tracewheel.evals import stats
from tracewheel.evals.settings import EvalsSettings


class Decision(StrEnum):
    PROMOTE = "promote"
    REJECT = "reject"
    UNDERPOWERED = "underpowered"


class Pair(BaseModel):
    """One example's paired outcome: what the gate needs of an example result."""

    example_id: str
    kind: str  # "task" | "probe"
    suite: str
    cluster: str
    candidate: bool
    baseline: bool
    candidate_parse_error: bool = False
    baseline_parse_error: bool = False


class Check(BaseModel):
    name: str
    candidate: float
    baseline: float
    delta: float  # candidate - baseline (relative for perplexity)
    tolerance: float
    regressed: bool


class GateResult(BaseModel):
    decision: Decision
    reasons: list[str]
    examples: int
    clusters: int
    candidate_success: float | None = None
    baseline_success: float | None = None
    interval: dict[str, Any] | None = None
    naive_interval: dict[str, Any] | None = Field(
        default=None, description="For comparison only: what ignoring the clusters would say."
    )
    mcnemar: dict[str, Any] | None = None
    power: dict[str, Any] | None = None
    checks: list[Check] = Field(default_factory=list)
    probe_categories: dict[str, dict[str, float]] = Field(default_factory=dict)
    min_lift: float
    alpha: float
    seed: int


def _rate(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def regression_checks(
    settings: EvalsSettings, pairs: list[Pair], perplexity: dict[str, float] | None
) -> tuple[list[Check], dict[str, dict[str, float]]]:
    """Probe pass rate, perplexity and tool-call parse errors, candidate against baseline."""
    checks: list[Check] = []
    probes = [p for p in pairs if p.kind == "probe"]
    categories: dict[str, dict[str, float]] = {}
    if probes:
        c, b = _rate([p.candidate for p in probes]), _rate([p.baseline for p in probes])
        checks.append(
            Check(
                name="probe pass rate",
                candidate=c,
                baseline=b,
                delta=c - b,
                tolerance=settings.probe_tolerance,
                regressed=c < b - settings.probe_tolerance - 1e-12,
            )
        )
        for cat in sorted({p.cluster for p in probes}):
            group = [p for p in probes if p.cluster == cat]
            cc, bb = _rate([p.candidate for p in group]), _rate([p.baseline for p in group])
            categories[cat] = {"candidate": cc, "baseline": bb, "delta": cc - bb, "n": len(group)}
    if perplexity and "candidate" in perplexity and "baseline" in perplexity:
        c, b = perplexity["candidate"], perplexity["baseline"]
        rel = c / b - 1 if b > 0 else 0.0
        checks.append(
            Check(
                name="reference perplexity",
                candidate=c,
                baseline=b,
                delta=rel,
                tolerance=settings.perplexity_tolerance,
                regressed=rel > settings.perplexity_tolerance + 1e-12,
            )
        )
    if pairs:
        c = _rate([p.candidate_parse_error for p in pairs])
        b = _rate([p.baseline_parse_error for p in pairs])
        checks.append(
            Check(
                name="unparseable tool-call rate",
                candidate=c,
                baseline=b,
                delta=c - b,
                tolerance=settings.parse_error_tolerance,
                regressed=c > b + settings.parse_error_tolerance + 1e-12,
            )
        )
    return checks, categories


def decide(
    settings: EvalsSettings, pairs: list[Pair], perplexity: dict[str, float] | None = None
) -> GateResult:
    """The gate's decision on paired results (task examples and probes), with every figure it used."""
    tasks = [p for p in pairs if p.kind == "task"]
    checks, categories = regression_checks(settings, pairs, perplexity)
    cand = [p.candidate for p in tasks]
    base = [p.baseline for p in tasks]
    clusters = [p.cluster for p in tasks]
    lift = max(settings.detectable_lift, settings.min_lift)
    power = stats.power_analysis(
        [float(x) for x in cand],
        [float(x) for x in base],
        clusters,
        lift=lift,
        alpha=settings.alpha,
        power=settings.power,
    )
    result = GateResult(
        decision=Decision.REJECT,
        reasons=[],
        examples=len(tasks),
        clusters=power.clusters,
        power={
            **dataclasses.asdict(power),
            "target_power": settings.power,
            "underpowered": power.underpowered,
        },
        checks=checks,
        probe_categories=categories,
        min_lift=settings.min_lift,
        alpha=settings.alpha,
        seed=settings.seed,
    )
    if tasks:
        interval = stats.cluster_bootstrap(
            cand,
            base,
            clusters,
            alpha=settings.alpha,
            resamples=settings.bootstrap_resamples,
            seed=settings.seed,
        )
        naive = stats.naive_bootstrap(
            cand, base, alpha=settings.alpha, resamples=settings.bootstrap_resamples, seed=settings.seed
        )
        result.interval = dataclasses.asdict(interval)
        result.naive_interval = dataclasses.asdict(naive)
        result.mcnemar = dataclasses.asdict(stats.mcnemar(cand, base))
        result.candidate_success, result.baseline_success = _rate(cand), _rate(base)

    regressions = [c for c in checks if c.regressed]
    if regressions:
        result.decision = Decision.REJECT
        result.reasons = [
            f"{c.name} regressed: candidate {c.candidate:.4g} vs baseline {c.baseline:.4g} "
            f"(delta {c.delta:+.4g}, tolerance {c.tolerance:g})"
            for c in regressions
        ]
        return result
    need = f"needs {power.required_examples} examples in {power.required_clusters} clusters"
    have = f"{power.examples} examples in {power.clusters} clusters"
    if power.clusters < stats.MIN_CLUSTERS:
        result.decision = Decision.UNDERPOWERED
        result.reasons = [
            f"{have}: fewer than {stats.MIN_CLUSTERS} clusters, no interval is trusted; to detect a lift of "
            f"{lift:g} at power {settings.power:g} the suite {need} (design effect {power.design_effect:.2f})"
        ]
        return result
    low = result.interval["low"] if result.interval else float("-inf")
    estimate = result.interval["estimate"] if result.interval else 0.0
    bound = f"{1 - settings.alpha:.0%} cluster-bootstrap interval on the success delta [{low:+.3f}, "
    bound += f"{result.interval['high']:+.3f}] (estimate {estimate:+.3f})" if result.interval else ""
    if low >= settings.min_lift:
        result.decision = Decision.PROMOTE
        result.reasons = [f"{bound}: lower bound clears min_lift {settings.min_lift:g}; no check regressed"]
    elif power.underpowered:
        result.decision = Decision.UNDERPOWERED
        result.reasons = [
            f"{bound} does not clear min_lift {settings.min_lift:g}, and with {have} the suite has power "
            f"{power.power:.2f} < {settings.power:g} to detect a lift of {lift:g}: it {need} "
            f"(design effect {power.design_effect:.2f})"
        ]
    else:
        result.decision = Decision.REJECT
        result.reasons = [f"{bound}: lower bound below min_lift {settings.min_lift:g}"]
    return result
