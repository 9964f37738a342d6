"""Gate decisions (evals/gate.py) on synthetic paired results: promote, reject, underpowered, with reasons."""

import numpy as np
from tracewheel.evals.gate import Decision, Pair, decide
from tracewheel.evals.settings import EvalsSettings

SETTINGS = EvalsSettings(min_lift=0.0, detectable_lift=0.1, bootstrap_resamples=500)


def _tasks(n_clusters: int, size: int, cand_rate: float, base_rate: float, seed: int = 0) -> list[Pair]:
    rng = np.random.default_rng(seed)
    return [
        Pair(
            example_id=f"e{k}-{j}",
            kind="task",
            suite="acme/arithmetic",
            cluster=f"c{k}",
            candidate=bool(rng.random() < cand_rate),
            baseline=bool(rng.random() < base_rate),
        )
        for k in range(n_clusters)
        for j in range(size)
    ]


def _probes(cand_pass: int, base_pass: int, n: int = 40, cand_parse_errors: int = 0) -> list[Pair]:
    return [
        Pair(
            example_id=f"p{i}",
            kind="probe",
            suite="probes",
            cluster=("arithmetic", "factual")[i % 2],
            candidate=i < cand_pass,
            baseline=i < base_pass,
            candidate_parse_error=i < cand_parse_errors,
        )
        for i in range(n)
    ]


def test_a_clear_lift_on_a_large_suite_is_promoted():
    result = decide(
        SETTINGS, _tasks(60, 5, 0.8, 0.4) + _probes(30, 30), {"candidate": 10.0, "baseline": 10.2}
    )
    assert result.decision == Decision.PROMOTE
    assert result.interval["low"] >= 0.0
    assert "clears min_lift" in result.reasons[0]
    assert result.mcnemar["p_value"] < 0.001
    assert {c.name for c in result.checks} == {
        "probe pass rate",
        "reference perplexity",
        "unparseable tool-call rate",
    }


def test_a_probe_regression_rejects_even_a_lift():
    result = decide(SETTINGS, _tasks(60, 5, 0.8, 0.4) + _probes(20, 30))
    assert result.decision == Decision.REJECT
    assert result.reasons[0].startswith("probe pass rate regressed")
    assert result.probe_categories["arithmetic"]["n"] == 20


def test_perplexity_and_tool_call_parse_regressions_reject():
    ppl = decide(SETTINGS, _tasks(60, 5, 0.8, 0.4), {"candidate": 12.0, "baseline": 10.0})
    assert ppl.decision == Decision.REJECT and "reference perplexity" in ppl.reasons[0]
    parse = decide(SETTINGS, _tasks(60, 5, 0.8, 0.4) + _probes(30, 30, cand_parse_errors=5))
    assert parse.decision == Decision.REJECT and "unparseable tool-call rate" in parse.reasons[0]


def test_no_lift_on_a_powered_suite_is_rejected():
    result = decide(SETTINGS, _tasks(400, 2, 0.5, 0.5, seed=4))
    assert result.decision == Decision.REJECT
    assert not result.power["underpowered"]
    assert "below min_lift" in result.reasons[0]


def test_a_small_suite_is_underpowered_and_says_what_it_needs():
    result = decide(SETTINGS, _tasks(10, 3, 0.5, 0.45))
    assert result.decision == Decision.UNDERPOWERED
    assert result.power["required_examples"] > 30
    assert f"needs {result.power['required_examples']} examples" in result.reasons[0]


def test_too_few_clusters_is_underpowered_whatever_the_interval():
    result = decide(SETTINGS, _tasks(4, 30, 1.0, 0.0))
    assert result.decision == Decision.UNDERPOWERED
    assert "fewer than" in result.reasons[0]


def test_an_empty_suite_is_underpowered():
    result = decide(SETTINGS, _probes(30, 30))
    assert result.decision == Decision.UNDERPOWERED and result.examples == 0
