"""The gate's statistics (evals/stats.py): the cluster bootstrap keeps false promotions near alpha where a naive
bootstrap over clustered items does not; McNemar's exact test against scipy on known tables; the power calculation."""

import numpy as np
import pytest
from scipy.stats import binomtest
from tracewheel.evals import stats


def _clustered_null(rng, clusters=20, size=8):
    """No true difference, but each cluster is won, lost or tied as a whole (strong intra-cluster correlation)."""
    cand, base, ids = [], [], []
    for k, effect in enumerate(rng.choice([-1, 0, 0, 1], size=clusters)):
        for _ in range(size):
            tie = bool(rng.random() < 0.5)
            cand.append(effect == 1 or (effect == 0 and tie))
            base.append(effect == -1 or (effect == 0 and tie))
            ids.append(f"c{k}")
    return cand, base, ids


def test_cluster_interval_keeps_false_promotions_near_alpha_where_the_naive_one_does_not():
    rng = np.random.default_rng(7)
    replicates, cluster_fp, naive_fp = 200, 0, 0
    for r in range(replicates):
        cand, base, ids = _clustered_null(rng)
        # a false promotion: the interval's lower bound clears min_lift = 0 although the true delta is 0
        cluster_fp += stats.cluster_bootstrap(cand, base, ids, resamples=400, seed=r).low > 0
        naive_fp += stats.naive_bootstrap(cand, base, resamples=400, seed=r).low > 0
    # one-sided error of a 95% two-sided interval: 0.025 expected
    assert cluster_fp / replicates <= 0.06
    assert naive_fp / replicates >= 0.15


def test_cluster_interval_covers_a_true_lift():
    rng = np.random.default_rng(3)
    covered = 0
    for r in range(100):
        ids = [f"c{k}" for k in range(30) for _ in range(5)]
        lift = {
            f"c{k}": rng.random() < 0.3 for k in range(30)
        }  # true delta 0.3 at the cluster level, on average
        base = [False] * len(ids)
        cand = [lift[i] for i in ids]
        iv = stats.cluster_bootstrap(cand, base, ids, resamples=400, seed=r)
        covered += iv.low <= 0.3 <= iv.high
    assert covered >= 85


def test_the_interval_is_seeded():
    cand, base, ids = _clustered_null(np.random.default_rng(1))
    assert stats.cluster_bootstrap(cand, base, ids, seed=5) == stats.cluster_bootstrap(
        cand, base, ids, seed=5
    )


@pytest.mark.parametrize(
    "b, c, both, neither", [(9, 1, 5, 5), (3, 3, 10, 0), (0, 6, 2, 2), (0, 0, 4, 4), (15, 4, 0, 0)]
)
def test_mcnemar_exact_p_matches_scipy(b, c, both, neither):
    cand = [True] * b + [False] * c + [True] * both + [False] * neither
    base = [False] * b + [True] * c + [True] * both + [False] * neither
    result = stats.mcnemar(cand, base)
    assert (result.candidate_only, result.baseline_only, result.both, result.neither) == (b, c, both, neither)
    expected = 1.0 if b + c == 0 else binomtest(b, b + c, 0.5).pvalue
    assert result.p_value == pytest.approx(expected)


@pytest.mark.parametrize("b, c, p", [(9, 1, 22 / 1024), (15, 4, 2 * 5036 / 2**19), (5, 5, 1.0)])
def test_mcnemar_exact_p_on_tables_worked_by_hand(b, c, p):
    # two-sided exact: 2 * P(X <= min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1
    result = stats.mcnemar([True] * b + [False] * c, [False] * b + [True] * c)
    assert result.p_value == pytest.approx(p)
    assert result.statistic == pytest.approx((abs(b - c) - 1) ** 2 / (b + c))


def test_connor_sample_size_and_the_design_effect():
    # Connor (1987): psi = 0.2, delta = 0.1, alpha 0.05, power 0.8 -> about 155 pairs
    assert round(stats.paired_sample_size(0.1, 0.2, 0.05, 0.8)) == 155
    rng = np.random.default_rng(0)
    cand, base, ids = _clustered_null(rng, clusters=10, size=10)
    clustered = stats.power_analysis(cand, base, ids, lift=0.1, alpha=0.05, power=0.8)
    flat = stats.power_analysis(
        cand, base, [str(i) for i in range(len(ids))], lift=0.1, alpha=0.05, power=0.8
    )
    assert clustered.design_effect_estimated and clustered.design_effect > 3
    assert flat.design_effect == pytest.approx(1.0, abs=0.3)
    assert clustered.required_examples > 2 * flat.required_examples
    assert clustered.underpowered and clustered.required_clusters > clustered.clusters


def test_a_large_independent_suite_is_powered():
    rng = np.random.default_rng(2)
    n = 2000
    base = rng.random(n) < 0.5
    cand = np.where(rng.random(n) < 0.8, base, rng.random(n) < 0.6)
    power = stats.power_analysis(
        cand.tolist(), base.tolist(), [str(i) for i in range(n)], lift=0.1, alpha=0.05, power=0.8
    )
    assert not power.underpowered and power.power > 0.8
