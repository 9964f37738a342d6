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

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
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


@dataclass
class BettingState:
    """The running state of the betting CS for ``runs`` independent sequences: resumable, so a check costs only
    the outcomes that arrived since the last one (the monitor keeps it beside the outcome log)."""

    alpha: float
    grid: np.ndarray  # (G,) candidate means
    n: int  # observations consumed
    sum_x: np.ndarray  # (runs,) their sum (the plug-in mean)
    sum_sq: np.ndarray  # (runs,) sum of (x_i - mu_hat_i)^2 (the plug-in variance)
    log_up: np.ndarray  # (runs, G) log capital of the bet that the mean is above m
    log_down: np.ndarray  # (runs, G) ... below m
    best: np.ndarray  # (runs, G) max over time of the hedged log capital (the running intersection)

    @classmethod
    def fresh(cls, alpha: float, runs: int = 1, grid_size: int = GRID_SIZE) -> BettingState:
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {alpha}")
        shape = (runs, grid_size)
        return cls(
            alpha=alpha,
            grid=(np.arange(grid_size) + 0.5) / grid_size,
            n=0,
            sum_x=np.zeros(runs),
            sum_sq=np.zeros(runs),
            log_up=np.zeros(shape),
            log_down=np.zeros(shape),
            best=np.full(shape, -np.inf),
        )

    def advance(self, data: np.ndarray) -> None:
        """Consume the next observations, ``(runs, k)`` in ``[0, 1]``, walking time in chunks to bound memory."""
        data = np.asarray(data, dtype=float)
        if data.size and (np.isnan(data).any() or data.min() < 0 or data.max() > 1):
            raise ValueError("observations must lie in [0, 1]")
        runs, k = data.shape
        if k == 0:
            return
        bets = self._bets(data)
        up_cap, down_cap = _BET_CAP / self.grid, _BET_CAP / (1 - self.grid)
        step = max(1, _CELLS_PER_CHUNK // (runs * self.grid.size))
        for start in range(0, k, step):
            x = data[:, start : start + step, None]
            lam = bets[:, start : start + step, None]
            centred = x - self.grid
            up = self.log_up[:, None, :] + np.cumsum(np.log1p(np.minimum(lam, up_cap) * centred), axis=1)
            down = self.log_down[:, None, :] + np.cumsum(
                np.log1p(-np.minimum(lam, down_cap) * centred), axis=1
            )
            log_k = np.logaddexp(up + math.log(_THETA), down + math.log(1 - _THETA))
            self.best = np.maximum(self.best, log_k.max(axis=1))
            self.log_up, self.log_down = up[:, -1, :], down[:, -1, :]

    def _bets(self, data: np.ndarray) -> np.ndarray:
        """Predictable plug-in bets (eq. 26): ``lambda_t`` uses only ``x_1 .. x_{t-1}``; updates the sums."""
        runs, k = data.shape
        t = self.n + np.arange(1, k + 1, dtype=float)
        mu_hat = (0.5 + self.sum_x[:, None] + np.cumsum(data, axis=1)) / (t + 1)
        squares = self.sum_sq[:, None] + np.cumsum((data - mu_hat) ** 2, axis=1)
        sigma2 = (0.25 + squares) / (t + 1)
        first = ((0.25 + self.sum_sq) / (self.n + 1))[:, None]
        sigma2_prev = np.concatenate([first, sigma2[:, :-1]], axis=1)
        self.n += k
        self.sum_x = self.sum_x + data.sum(axis=1)
        self.sum_sq = squares[:, -1]
        return np.sqrt(2 * math.log(2 / self.alpha) / (sigma2_prev * t * np.log1p(t)))

    def bounds(self) -> np.ndarray:
        """``[lower, upper]`` per run, shape ``(runs, 2)``; ``[0, 1]`` before any observation."""
        rejected = self.best >= math.log(1 / self.alpha)
        last = self.grid.size - 1
        out = np.empty((rejected.shape[0], 2))
        for r in range(rejected.shape[0]):
            kept = np.flatnonzero(~rejected[r])
            if kept.size == 0:
                # Every grid point rejected (possible only between two grid points): the hull of the neighbours.
                out[r] = _nearest_hull(self.grid, self.sum_x[r] / max(self.n, 1))
                continue
            # Round outward: the true mean between two grid points is covered whenever either neighbour is kept.
            out[r, 0] = self.grid[kept[0] - 1] if kept[0] > 0 else 0.0
            out[r, 1] = self.grid[kept[-1] + 1] if kept[-1] < last else 1.0
        return out

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, **{f.name: np.asarray(getattr(self, f.name)) for f in fields(self)})
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> BettingState:
        with np.load(io.BytesIO(raw)) as saved:
            values = {f.name: saved[f.name] for f in fields(cls)}
        values["alpha"], values["n"] = float(values["alpha"]), int(values["n"])
        return cls(**values)


def mean_cs(x: np.ndarray, alpha: float, grid_size: int = GRID_SIZE) -> np.ndarray:
    """Running-intersection betting confidence sequence for the mean of ``x`` in ``[0, 1]``.

    ``x`` is one sequence ``(n,)`` or a batch of independent ones ``(runs, n)``; returns ``[lower, upper]`` after
    the last observation, shape ``(2,)`` or ``(runs, 2)``. An empty sequence gives ``[0, 1]``.

    >>> lo, hi = mean_cs(np.ones(50), alpha=0.05)
    >>> bool(lo > 0.9 and hi == 1.0)
    True
    """
    data = np.asarray(x, dtype=float)
    single = data.ndim == 1
    data = np.atleast_2d(data)
    state = BettingState.fresh(alpha, data.shape[0], grid_size)
    state.advance(data)
    out = state.bounds()
    return out[0] if single else out


def _nearest_hull(grid: np.ndarray, centre: float) -> tuple[float, float]:
    i = int(np.clip(np.searchsorted(grid, centre), 1, grid.size - 1))
    return float(grid[i - 1]), float(grid[i])


def _log_capital_max(data: np.ndarray, grid: np.ndarray, alpha: float) -> np.ndarray:
    """``max_s log K_s(m)`` for each run ``(runs, n)`` and each ``m`` of ``grid`` (for simulations)."""
    state = BettingState.fresh(alpha, data.shape[0], grid.size)
    state.grid = np.asarray(grid, dtype=float)
    state.advance(data)
    return state.best


def _paired(candidate: Sequence[float], champion: Sequence[float]) -> np.ndarray:
    pairs = min(len(candidate), len(champion))
    diffs = np.asarray(candidate[:pairs], dtype=float) - np.asarray(champion[:pairs], dtype=float)
    return (diffs + 1) / 2


def lift_cs(
    candidate: Sequence[float],
    champion: Sequence[float],
    alpha: float,
    state: BettingState | None = None,
) -> tuple[float, float, BettingState]:
    """Confidence sequence on ``mean(candidate) - mean(champion)`` from the paired outcomes (in ``[-1, 1]``).

    ``state``: the one returned for an earlier prefix of the same outcomes; only the new pairs are then consumed.
    A state that does not fit (other alpha, more pairs than given, a different prefix) is not used.
    """
    x = _paired(candidate, champion)
    if not _fits(state, x, alpha):
        state = BettingState.fresh(alpha)
    state.advance(x[None, state.n :])
    lower, upper = state.bounds()[0]
    return 2 * float(lower) - 1, 2 * float(upper) - 1, state


def _fits(state: BettingState | None, x: np.ndarray, alpha: float) -> bool:
    if state is None or state.alpha != alpha or state.n > x.size or state.sum_x.shape != (1,):
        return False
    return math.isclose(float(state.sum_x[0]), float(x[: state.n].sum()), rel_tol=1e-9, abs_tol=1e-9)


def decide(
    candidate: Sequence[float],
    champion: Sequence[float],
    *,
    alpha: float,
    margin: float,
    min_samples: int,
    max_samples: int,
    expired: bool = False,
    state: BettingState | None = None,
) -> Evidence:
    """Apply the rule of this module's docstring to the outcomes so far (each list in the order recorded).

    ``state``: the test's state after an earlier check of a prefix of these outcomes (``decide_with_state`` returns
    it), so that only the new pairs cost anything."""
    return decide_with_state(
        candidate,
        champion,
        alpha=alpha,
        margin=margin,
        min_samples=min_samples,
        max_samples=max_samples,
        expired=expired,
        state=state,
    )[0]


def decide_with_state(
    candidate: Sequence[float],
    champion: Sequence[float],
    *,
    alpha: float,
    margin: float,
    min_samples: int,
    max_samples: int,
    expired: bool = False,
    state: BettingState | None = None,
) -> tuple[Evidence, BettingState]:
    """``decide``, also returning the test's state to resume from at the next check."""
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    pairs = min(len(candidate), len(champion), max_samples)
    lower, upper, state = lift_cs(candidate[:pairs], champion[:pairs], alpha, state)
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
    evidence = Evidence(
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
    return evidence, state
