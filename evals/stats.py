"""The gate's statistics: a paired cluster bootstrap, McNemar's exact test, and a power calculation.

Examples in a suite are not independent: runs of one conversation, or of one task template, succeed and fail
together. Resampling examples as if they were independent makes the interval too narrow and promotes adapters
that are no better (``tests/evals/test_stats.py`` simulates it). So the unit resampled is the cluster: each
bootstrap draw takes clusters with replacement and recomputes the mean paired difference over their examples.

McNemar's exact test (a two-sided binomial test on the discordant pairs, ``scipy.stats.binomtest``) is reported as
evidence; it assumes independent pairs, so the decision rests on the cluster interval.

The power calculation is Connor's (1987) sample size for paired proportions, inflated by the design effect of the
clustering: the ratio of the cluster-robust variance of the mean difference to the naive one, estimated from the
suite when it can be (else the worst case, the mean cluster size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

MIN_CLUSTERS = 8
"""Fewer clusters than this and no interval is trusted: the bootstrap of a handful of clusters is too narrow."""


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    estimate: float
    level: float  # 0.95 for a 95% interval
    resamples: int
    seed: int
    method: str  # "cluster bootstrap" | "naive bootstrap"


def _as_arrays(
    candidate: Sequence[float], baseline: Sequence[float], clusters: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster sums of paired differences and cluster sizes."""
    if not (len(candidate) == len(baseline) == len(clusters)):
        raise ValueError(
            f"candidate, baseline and clusters must have one entry per example: "
            f"{len(candidate)}, {len(baseline)}, {len(clusters)}"
        )
    diffs = np.asarray(candidate, dtype=float) - np.asarray(baseline, dtype=float)
    _, index = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    sums = np.bincount(index, weights=diffs)
    sizes = np.bincount(index).astype(float)
    return sums, sizes


def cluster_bootstrap(
    candidate: Sequence[float],
    baseline: Sequence[float],
    clusters: Sequence[str],
    *,
    alpha: float = 0.05,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile interval of mean(candidate - baseline), resampling whole clusters with replacement.

    >>> iv = cluster_bootstrap([1, 1, 0, 1], [0, 0, 0, 1], ["a", "a", "b", "c"], resamples=200)
    >>> iv.low <= iv.estimate <= iv.high
    True
    """
    sums, sizes = _as_arrays(candidate, baseline, clusters)
    if sizes.size == 0:
        raise ValueError("no examples")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, sizes.size, size=(resamples, sizes.size))
    deltas = sums[draws].sum(axis=1) / sizes[draws].sum(axis=1)
    low, high = np.quantile(deltas, [alpha / 2, 1 - alpha / 2])
    return Interval(
        float(low),
        float(high),
        float(sums.sum() / sizes.sum()),
        1 - alpha,
        resamples,
        seed,
        "cluster bootstrap",
    )


def naive_bootstrap(
    candidate: Sequence[float],
    baseline: Sequence[float],
    *,
    alpha: float = 0.05,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """The same interval resampling examples one by one: wrong for clustered suites, kept to show why."""
    n = len(candidate)
    iv = cluster_bootstrap(
        candidate, baseline, [str(i) for i in range(n)], alpha=alpha, resamples=resamples, seed=seed
    )
    return Interval(iv.low, iv.high, iv.estimate, iv.level, iv.resamples, iv.seed, "naive bootstrap")


@dataclass(frozen=True)
class McNemar:
    candidate_only: int  # pairs the candidate passed and the baseline failed (b)
    baseline_only: int  # pairs the baseline passed and the candidate failed (c)
    both: int
    neither: int
    statistic: float  # the chi-square statistic with continuity correction, for reference
    p_value: float  # exact: binomial test of b against b + c at one half


def mcnemar(candidate: Sequence[bool], baseline: Sequence[bool]) -> McNemar:
    """McNemar's exact test on paired pass/fail.

    >>> round(mcnemar([True] * 9 + [False], [False] * 9 + [True]).p_value, 4)
    0.0215
    """
    if len(candidate) != len(baseline):
        raise ValueError(f"candidate and baseline differ in length: {len(candidate)} vs {len(baseline)}")
    c = np.asarray(candidate, dtype=bool)
    b = np.asarray(baseline, dtype=bool)
    only_c, only_b = int((c & ~b).sum()), int((~c & b).sum())
    discordant = only_c + only_b
    p = 1.0 if discordant == 0 else float(sps.binomtest(only_c, discordant, 0.5).pvalue)
    statistic = 0.0 if discordant == 0 else (abs(only_c - only_b) - 1) ** 2 / discordant
    return McNemar(only_c, only_b, int((c & b).sum()), int((~c & ~b).sum()), float(statistic), p)


@dataclass(frozen=True)
class Power:
    examples: int
    clusters: int
    mean_cluster_size: float
    design_effect: float
    design_effect_estimated: bool  # False: the worst case (mean cluster size) was assumed
    discordance: float  # share of pairs where candidate and baseline disagree, as planned
    lift: float
    alpha: float
    power: float  # the power the suite has now
    required_examples: int
    required_clusters: int

    @property
    def underpowered(self) -> bool:
        return self.examples < self.required_examples or self.clusters < self.required_clusters


def paired_sample_size(lift: float, discordance: float, alpha: float, power: float) -> float:
    """Connor's pairs needed to detect ``lift`` (= p10 - p01) with discordance ``psi`` = p10 + p01, two-sided.

    >>> round(paired_sample_size(0.1, 0.2, 0.05, 0.8))
    155
    """
    psi = max(discordance, lift)
    za, zb = sps.norm.ppf(1 - alpha / 2), sps.norm.ppf(power)
    return (za * math.sqrt(psi) + zb * math.sqrt(max(psi - lift**2, 0.0))) ** 2 / lift**2


def power_analysis(
    candidate: Sequence[float],
    baseline: Sequence[float],
    clusters: Sequence[str],
    *,
    lift: float,
    alpha: float,
    power: float,
) -> Power:
    """Whether the suite can detect ``lift`` at ``power``, and the size it would need."""
    n = len(candidate)
    sums, sizes = _as_arrays(candidate, baseline, clusters)
    k = int(sizes.size)
    m = float(sizes.mean()) if k else 1.0
    diffs = np.asarray(candidate, dtype=float) - np.asarray(baseline, dtype=float)
    observed_discordance = float(np.mean(diffs != 0)) if n else 0.0
    # Planning assumes at least the discordance the lift itself implies.
    discordance = max(observed_discordance, lift)
    naive_var = float(diffs.var(ddof=1)) / n if n > 1 else 0.0
    if k > 1 and naive_var > 0:
        mean = sums.sum() / sizes.sum()
        # Cluster-robust (sandwich) variance of the ratio mean, with the small-sample factor k / (k - 1).
        cluster_var = float(((sums - mean * sizes) ** 2).sum()) / sizes.sum() ** 2 * k / (k - 1)
        deff, estimated = max(1.0, cluster_var / naive_var), True
    else:
        deff, estimated = max(1.0, m), False
    needed = paired_sample_size(lift, discordance, alpha, power) * deff
    required_examples = math.ceil(needed)
    required_clusters = max(MIN_CLUSTERS, math.ceil(needed / m))
    # Power now: the normal approximation with the planning variance, inflated by the design effect.
    sd = math.sqrt(max(discordance - lift**2, 1e-12) * deff)
    za = sps.norm.ppf(1 - alpha / 2)
    now = float(sps.norm.cdf(lift * math.sqrt(n) / sd - za)) if n else 0.0
    return Power(
        examples=n,
        clusters=k,
        mean_cluster_size=m,
        design_effect=deff,
        design_effect_estimated=estimated,
        discordance=discordance,
        lift=lift,
        alpha=alpha,
        power=now,
        required_examples=required_examples,
        required_clusters=required_clusters,
    )
