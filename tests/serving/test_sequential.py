"""serving/sequential.py: the betting confidence sequence keeps its error level under peeking, and decides fast
when one arm is clearly better or worse (simulations: numbers, no model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tracewheel.serving.sequential import (
    BettingState,
    Decision,
    _log_capital_max,
    decide,
    decide_with_state,
    lift_cs,
    mean_cs,
)

ALPHA = 0.05


def _paired(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a.astype(float) - b.astype(float) + 1) / 2


@pytest.mark.parametrize(
    "outcomes",
    [
        pytest.param(lambda rng, shape: rng.random(shape) < 0.3, id="thumbs-p0.3"),
        pytest.param(lambda rng, shape: rng.random(shape) < 0.5, id="thumbs-p0.5"),
        pytest.param(lambda rng, shape: rng.beta(0.5, 0.5, shape), id="scores-beta"),
    ],
)
def test_type_one_error_holds_when_checked_after_every_outcome(outcomes) -> None:
    # Both arms alike (lift 0). The capital at the true lift, maximized over time, is what a monitor checking after
    # every single outcome would act on: it may cross 1/alpha in at most alpha of the runs (Ville's inequality).
    rng = np.random.default_rng(7)
    runs, n = 1000, 1000
    x = _paired(outcomes(rng, (runs, n)), outcomes(rng, (runs, n)))
    ever = _log_capital_max(x, np.array([0.5]), ALPHA)[:, 0] >= math.log(1 / ALPHA)
    assert ever.mean() <= ALPHA


def test_the_interval_covers_the_truth_at_every_time_through_the_public_path() -> None:
    # The running intersection: the final interval excludes the truth iff some earlier one did.
    rng = np.random.default_rng(3)
    runs, n = 100, 300
    x = _paired(rng.random((runs, n)) < 0.4, rng.random((runs, n)) < 0.4)
    cs = mean_cs(x, ALPHA, grid_size=100)
    missed = (cs[:, 0] > 0.5) | (cs[:, 1] < 0.5)
    assert missed.mean() <= ALPHA
    assert np.all(cs[:, 0] <= cs[:, 1])


def test_the_interval_only_shrinks() -> None:
    rng = np.random.default_rng(5)
    x = rng.random(200)
    bounds = [mean_cs(x[:k], ALPHA, grid_size=200) for k in (0, 50, 100, 200)]
    assert list(bounds[0]) == [0.0, 1.0]
    for before, after in zip(bounds, bounds[1:], strict=False):
        assert before[0] <= after[0] and after[1] <= before[1]


def _first_decision(candidate_p: float, champion_p: float, seed: int) -> tuple[int, Decision]:
    """Check after every 10 candidate outcomes (champion at 9x the traffic) until something is decided."""
    rng = np.random.default_rng(seed)
    candidate = list((rng.random(400) < candidate_p).astype(float))
    champion = list((rng.random(3600) < champion_p).astype(float))
    for k in range(10, 401, 10):
        evidence = decide(
            candidate[:k], champion[: 9 * k], alpha=ALPHA, margin=0.02, min_samples=20, max_samples=5000
        )
        if evidence.decision != Decision.STILL_COLLECTING:
            return k, evidence.decision
    return 400, Decision.STILL_COLLECTING


def test_a_clearly_better_candidate_is_promoted_and_a_worse_one_rolled_back() -> None:
    n_better, better = _first_decision(0.85, 0.45, seed=1)
    n_worse, worse = _first_decision(0.15, 0.6, seed=2)
    assert better == Decision.PROMOTE and n_better <= 150
    assert worse == Decision.ROLLBACK and n_worse <= 150


def test_decision_rules_and_caps() -> None:
    same = [1.0, 0.0] * 20
    kw = {"alpha": ALPHA, "margin": 0.1, "max_samples": 5000}
    # Too few outcomes in an arm: nothing is decided, however lopsided.
    early = decide([1.0] * 5, [0.0] * 50, min_samples=10, **kw)
    assert early.decision == Decision.STILL_COLLECTING and early.rule.startswith("fewer than 10")
    assert decide([1.0] * 40, [0.0] * 40, min_samples=10, **kw).decision == Decision.PROMOTE
    assert decide([0.0] * 40, [1.0] * 40, min_samples=10, **kw).decision == Decision.ROLLBACK
    undecided = decide(same, same, min_samples=10, **kw)
    assert undecided.decision == Decision.STILL_COLLECTING and undecided.lower < 0 < undecided.upper
    # At the time cap: not shown non-inferior with 40 pairs (the interval is wide) -> rollback, the safe default.
    capped = decide(same, same, min_samples=10, expired=True, **kw)
    assert capped.decision == Decision.ROLLBACK and capped.capped
    assert decide([], [], min_samples=10, expired=True, **kw).decision == Decision.ROLLBACK
    # Many identical outcomes: the lift is pinned near 0, inside the margin -> non-inferior, promoted at the cap.
    many = [1.0, 0.0] * 1000
    wide = {**kw, "max_samples": 2000}
    assert decide(many, many, min_samples=10, **wide).decision == Decision.PROMOTE
    evidence = decide(many, many, min_samples=10, **wide)
    assert evidence.capped and evidence.rule.startswith("cap reached") and evidence.lower > -0.1


def test_resuming_from_a_saved_state_gives_the_same_interval() -> None:
    rng = np.random.default_rng(11)
    candidate, champion = list(rng.random(300)), list((rng.random(900) < 0.5).astype(float))
    kw = {"alpha": ALPHA, "margin": 0.05, "min_samples": 10, "max_samples": 250}
    whole = decide(candidate, champion, **kw)
    state = None
    for k in (0, 40, 41, 120, 300):  # checks as outcomes arrive; the state goes to disk and back in between
        evidence, state = decide_with_state(candidate[:k], champion[: 3 * k], state=state, **kw)
        state = BettingState.from_bytes(state.to_bytes())
    assert evidence == whole and state.n == 250  # the cap: pairs past it are not consumed
    # A state that does not fit these outcomes (another prefix) is not used.
    other = decide_with_state([0.0] * 300, champion, state=state, **kw)[0]
    assert other == decide([0.0] * 300, champion, **kw)


def test_lift_cs_pairs_in_order_and_checks_inputs() -> None:
    lower, upper, _ = lift_cs([1.0] * 30, [0.0] * 300, ALPHA)
    assert 0.5 < lower <= upper == 1.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mean_cs(np.array([1.5]), ALPHA)
    with pytest.raises(ValueError, match="alpha"):
        mean_cs(np.array([0.5]), 1.5)
