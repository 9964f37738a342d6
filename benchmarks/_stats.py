"""Confidence intervals for the benchmarks' rates (scipy's Wilson score interval for a binomial proportion)."""

from __future__ import annotations

from scipy.stats import binomtest


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval of ``successes / trials`` (None without trials)."""
    if trials <= 0:
        return None
    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return round(float(ci.low), 4), round(float(ci.high), 4)


def fmt_ci(ci: tuple[float, float] | None) -> str:
    return "[  -  ,  -  ]" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"
