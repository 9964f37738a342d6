"""The canary's sequential test: an always-valid confidence sequence for the candidate's lift over the champion.

Outcomes are numbers in ``[0, 1]`` (a thumb is 0 or 1, a score or a verifier reward anywhere between). The k-th
outcome of the candidate is paired with the k-th outcome of the champion, in the order the monitor recorded them;
each pair's difference ``d_k = y_candidate - y_champion`` lies in ``[-1, 1]`` and has mean ``delta``, the lift. The
rescaled ``x_k = (d_k + 1) / 2`` lies in ``[0, 1]``, and its mean gets a confidence sequence from **betting**:

    Waudby-Smith, I. & Ramdas, A. (2024). Estimating means of bounded random variables by betting. JRSS-B 86(1),
    1-27 (arXiv:2010.09686): the hedged capital process (Theorem 3) with the predictable plug-in bets of eq. (26)
    truncated at ``c = 1/2``.

For each candidate mean ``m`` a gambler who bets that the mean is not ``m`` holds the capital
``K_t(m) = 1/2 prod (1 + l+_i (x_i - m)) + 1/2 prod (1 - l-_i (x_i - m))``; with the true ``m`` that is a
nonnegative martingale starting at 1, so by Ville's inequality it ever reaches ``1/alpha`` with probability at most
``alpha``. The sequence is ``{m : K_s(m) < 1/alpha for every s <= t}`` (the running intersection, valid because the
bound holds for all times at once). So the interval may be looked at after every single outcome, and the monitor
may act the first time it excludes zero, without inflating the error (no fixed sample size, no peeking penalty);
and unlike a normal approximation it is exact for bounded outcomes at any sample size.

Pairing spends the champion's surplus (with a 10 % share the champion has nine outcomes for each of the
candidate's); the candidate's count is what limits the test either way, and pairing keeps the sequence exact.

The rule (docs/11-canary.md):

* ``promote`` when the lower bound is above 0: the candidate is better, with confidence;
* ``rollback`` when the upper bound is below 0: the candidate is worse. Not only when it is worse by more than the
  margin: once the upper bound is below 0 the lower bound can never again rise above it (the sequence only shrinks),
  so the candidate could never be promoted, and keeping it serves users a worse model for nothing;
* at the cap (``max_samples`` pairs, or the canary's time limit) without a decision, a non-inferiority rule:
  ``promote`` when the lower bound is above ``-margin`` (shown worse by less than the margin; the offline gate already
  found it better), else ``rollback`` (not shown good enough; with no outcomes at all that is the safe default);
* ``still_collecting`` otherwise, and always before each arm has ``min_samples`` outcomes.

The chance of ever promoting a candidate worse than the champion by more than the margin, or of rolling back one
that is better before the cap, is at most ``alpha``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, Field

GRID_SIZE = 1000
"""Candidate means tried on ``(0, 1)``; the bounds are rounded outward to this grid (0.002 on the lift scale)."""
_BET_CAP = 0.5  # c in the paper: bets stay below c / m, so no factor of the capital drops below 1 - c
_THETA = 0.5  # hedge: half the capital bets the mean is above m, half that it is below
_CELLS_PER_CHUNK = 2_000_000  # time steps x grid points held in memory at once


class Decision(StrEnum):
    PROMOTE = "promote"
    ROLLBACK = "rollback"
    STILL_COLLECTING = "still_collecting"


class Evidence(BaseModel):
    """What a decision was made on: stored with it, shown by ``tracewheel canary status``."""

    decision: Decision
    rule: str = Field(description="Which clause of the rule decided, in words.")
    n_candidate: int
    n_champion: int
    n_pairs: int
    mean_candidate: float | None
    mean_champion: float | None
    lift: float | None = Field(description="Mean paired difference candidate - champion.")
    lower: float = Field(description="Lower bound of the confidence sequence on the lift.")
    upper: float = Field(description="Upper bound of the confidence sequence on the lift.")
    alpha: float
    margin: float
    capped: bool = Field(description="Whether the sample or time cap was reached.")


def mean_cs(x: np.ndarray, alpha: float, grid_size: int = GRID_SIZE) -> np.ndarray:
    """Running-intersection betting confidence sequence for the mean of ``x`` in ``[0, 1]``.

    ``x`` is one sequence ``(n,)`` or a batch of independent ones ``(runs, n)``; returns ``[lower, upper]`` after
    the last observation, shape ``(2,)`` or ``(runs, 2)``. An empty sequence gives ``[0, 1]``.

    >>> lo, hi = mean_cs(np.ones(50), alpha=0.05)
    >>> bool(lo > 0.9 and hi == 1.0)
    True
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    data = np.asarray(x, dtype=float)
    single = data.ndim == 1
    data = np.atleast_2d(data)
    if data.size and (np.nanmin(data) < 0 or np.nanmax(data) > 1 or np.isnan(data).any()):
        raise ValueError("observations must lie in [0, 1]")
    runs, n = data.shape
    grid = (np.arange(grid_size) + 0.5) / grid_size
    rejected = np.zeros((runs, grid_size), dtype=bool)
    if n:
        rejected = _log_capital_max(data, grid, alpha) >= math.log(1 / alpha)
    out = np.empty((runs, 2))
    for r in range(runs):
        kept = np.flatnonzero(~rejected[r])
        if kept.size == 0:
            # Every grid point rejected (possible only between two grid points): the hull of the neighbours.
            out[r] = _nearest_hull(grid, data[r].mean())
            continue
        # Round outward: the true mean between two grid points is covered whenever either neighbour is kept.
        out[r, 0] = grid[kept[0] - 1] if kept[0] > 0 else 0.0
        out[r, 1] = grid[kept[-1] + 1] if kept[-1] < grid_size - 1 else 1.0
    return out[0] if single else out


def _nearest_hull(grid: np.ndarray, centre: float) -> tuple[float, float]:
    i = int(np.clip(np.searchsorted(grid, centre), 1, grid.size - 1))
    return float(grid[i - 1]), float(grid[i])


def _bets(data: np.ndarray, alpha: float) -> np.ndarray:
    """Predictable plug-in bets (eq. 26): ``lambda_t`` uses only ``x_1 .. x_{t-1}``."""
    runs, n = data.shape
    t = np.arange(1, n + 1, dtype=float)
    mu_hat = (0.5 + np.cumsum(data, axis=1)) / (t + 1)
    sigma2 = (0.25 + np.cumsum((data - mu_hat) ** 2, axis=1)) / (t + 1)
    sigma2_prev = np.concatenate([np.full((runs, 1), 0.25), sigma2[:, :-1]], axis=1)
    return np.sqrt(2 * math.log(2 / alpha) / (sigma2_prev * t * np.log1p(t)))


def _log_capital_max(data: np.ndarray, grid: np.ndarray, alpha: float) -> np.ndarray:
    """``max_s log K_s(m)`` for each run and grid point ``m``, walking time in chunks to bound memory."""
    runs, n = data.shape
    bets = _bets(data, alpha)
    up_cap, down_cap = _BET_CAP / grid, _BET_CAP / (1 - grid)
    log_up = np.zeros((runs, grid.size))
    log_down = np.zeros((runs, grid.size))
    best = np.full((runs, grid.size), -np.inf)
    step = max(1, _CELLS_PER_CHUNK // (runs * grid.size))
    for start in range(0, n, step):
        x = data[:, start : start + step, None]
        lam = bets[:, start : start + step, None]
        centred = x - grid
        up = log_up[:, None, :] + np.cumsum(np.log1p(np.minimum(lam, up_cap) * centred), axis=1)
        down = log_down[:, None, :] + np.cumsum(np.log1p(-np.minimum(lam, down_cap) * centred), axis=1)
        log_k = np.logaddexp(up + math.log(_THETA), down + math.log(1 - _THETA))
        best = np.maximum(best, log_k.max(axis=1))
        log_up, log_down = up[:, -1, :], down[:, -1, :]
    return best


def lift_cs(candidate: Sequence[float], champion: Sequence[float], alpha: float) -> tuple[float, float]:
    """Confidence sequence on ``mean(candidate) - mean(champion)`` from the paired outcomes (in ``[-1, 1]``)."""
    pairs = min(len(candidate), len(champion))
    diffs = np.asarray(candidate[:pairs], dtype=float) - np.asarray(champion[:pairs], dtype=float)
    lower, upper = mean_cs((diffs + 1) / 2, alpha)
    return 2 * float(lower) - 1, 2 * float(upper) - 1


def decide(
    candidate: Sequence[float],
    champion: Sequence[float],
    *,
    alpha: float,
    margin: float,
    min_samples: int,
    max_samples: int,
    expired: bool = False,
) -> Evidence:
    """Apply the rule of this module's docstring to the outcomes so far (each list in the order recorded)."""
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    pairs = min(len(candidate), len(champion), max_samples)
    lower, upper = lift_cs(candidate[:pairs], champion[:pairs], alpha)
    capped = expired or pairs >= max_samples
    enough = min(len(candidate), len(champion)) >= min_samples
    if enough and lower > 0:
        decision, rule = Decision.PROMOTE, "lower bound above 0: the candidate is better"
    elif enough and upper < 0:
        decision, rule = Decision.ROLLBACK, "upper bound below 0: the candidate is worse"
    elif capped and lower > -margin:
        decision, rule = Decision.PROMOTE, f"cap reached; lower bound above -{margin:g}: non-inferior"
    elif capped:
        decision, rule = (
            Decision.ROLLBACK,
            f"cap reached; not shown non-inferior (lower bound <= -{margin:g})",
        )
    elif not enough:
        decision, rule = Decision.STILL_COLLECTING, f"fewer than {min_samples} outcomes in an arm"
    else:
        decision, rule = Decision.STILL_COLLECTING, "the interval still contains 0"
    return Evidence(
        decision=decision,
        rule=rule,
        n_candidate=len(candidate),
        n_champion=len(champion),
        n_pairs=pairs,
        mean_candidate=float(np.mean(candidate)) if len(candidate) else None,
        mean_champion=float(np.mean(champion)) if len(champion) else None,
        lift=float(np.mean(np.subtract(candidate[:pairs], champion[:pairs]))) if pairs else None,
        lower=lower,
        upper=upper,
        alpha=alpha,
        margin=margin,
        capped=capped,
    )
