"""Stage 4: outcome labels from every signal (curator/label.py)."""

import json
from datetime import timedelta

from _episode_fixtures import (
    T0,
    corrected_run,
    injected_run,
    math_run,
    truncated_run,
    weather_bad,
    weather_good,
)
from tracewheel.collector.episode import Feedback
from tracewheel.curator.label import default_verify_fn, label_episode, verifier_spec
from tracewheel.curator.settings import CuratorSettings, TaskRule

from tracewheel.core.verifiers import verify


def test_thumb_and_score_up_is_good_down_is_bad():
    cfg = CuratorSettings()
    good = label_episode(weather_good(), cfg, verify)
    bad = label_episode(weather_bad(), cfg, verify)
    assert good.verdict == "good" and good.thumb == "up" and good.score == 0.9
    assert bad.verdict == "bad" and "thumb down" in bad.reasons
    assert good.rank > bad.rank


def test_expected_answer_is_checked_by_the_trainer_verifier():
    cfg = CuratorSettings()
    right = label_episode(math_run(), cfg, verify)
    wrong = label_episode(math_run(answer="17 × 23 = 401. Answer: 401"), cfg, verify)
    assert right.verdict == "good" and right.verifier == {"type": "normalized", "answer": "391"}
    assert right.verifier_reward == 1.0
    assert wrong.verdict == "bad" and wrong.verifier_reward == 0.0
    assert any("verifier normalized failed" in r for r in wrong.reasons)


def test_task_rule_supplies_the_verifier_type():
    cfg = CuratorSettings(tasks={"arithmetic": TaskRule(verifier={"type": "numeric", "tolerance": 0.5})})
    label = label_episode(math_run(answer="17 × 23 is about... Answer: 391.2"), cfg, verify)
    assert label.verifier == {"type": "numeric", "tolerance": 0.5, "answer": "391"}
    assert label.verdict == "good"


def test_expected_may_carry_a_declarative_spec_with_its_own_fields_only():
    spec = {"type": "numeric", "answer": 391, "tolerance": 0.5, "max_chars": 10**9, "command": ["true"]}
    ep = math_run().model_copy(update={"expected": json.dumps(spec)})
    assert verifier_spec(ep, TaskRule()) == {"type": "numeric", "answer": 391, "tolerance": 0.5}
    label = label_episode(ep, CuratorSettings(), verify)
    assert label.verdict == "good" and label.verifier_source == "trace"


def test_expected_may_not_ask_for_a_regex_schema_or_custom_verifier():
    for spec in (
        {"type": "regex", "pattern": r"\d+"},
        {"type": "json_schema", "schema": {"type": "string", "pattern": "^(a+)+$"}},
        {"type": "custom", "command": ["sh", "-c", "id"]},
    ):
        ep = math_run().model_copy(update={"expected": json.dumps(spec)})
        label = label_episode(ep, CuratorSettings(), verify)
        assert label.verifier is None and label.verifier_reward is None
        assert label.refused_verifier and spec["type"] in label.refused_verifier
        assert label.refused_verifier in label.reasons


def test_operator_rule_may_set_a_regex_and_the_trace_answer_stays_data():
    cfg = CuratorSettings(
        tasks={"arithmetic": TaskRule(verifier={"type": "regex", "pattern": r"Answer: \d+"})}
    )
    label = label_episode(math_run(), cfg, verify)
    assert label.verifier_source == "operator" and label.verifier["pattern"] == r"Answer: \d+"


def test_reasons_keep_the_verdict_code_not_the_verifier_free_text():
    secret = "sk-live-" + "x" * 40
    wrong = label_episode(math_run(answer=f"Answer: {secret}"), CuratorSettings(), verify)
    assert wrong.verdict == "bad"
    assert not any(secret in r for r in wrong.reasons)
    assert "verifier normalized failed (reward 0: mismatch)" in wrong.reasons

    def chatty(completion, spec):
        return 1.0, "here is /proc/self/environ: " + "A" * 5000

    label = label_episode(math_run(), CuratorSettings(), chatty)
    assert not any("environ" in r for r in label.reasons)
    assert all(len(r) <= 200 for r in label.reasons)


def test_tool_call_spec_judges_the_calling_turn():
    spec = json.dumps(
        {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris", "date": "tomorrow"}}
    )
    good = label_episode(
        weather_good().model_copy(update={"expected": spec, "feedback": []}), CuratorSettings(), verify
    )
    bad = label_episode(
        weather_bad().model_copy(update={"expected": spec, "feedback": []}), CuratorSettings(), verify
    )
    assert good.verdict == "good", good.reasons
    assert bad.verdict == "bad", bad.reasons


def test_truncation_errors_and_corrections_are_bad_even_with_a_thumb_up():
    cfg = CuratorSettings()
    assert label_episode(truncated_run(), cfg, verify).reasons == ["finish reason length"]
    corrected = label_episode(corrected_run(), cfg, verify)
    assert corrected.verdict == "bad" and corrected.corrected_answer.startswith("New employees get 20")
    errored = injected_run().model_copy(
        update={"status": "error", "errors": ["fetch_url: timeout after 30s"]}
    )
    label = label_episode(errored, cfg, verify)
    assert label.verdict == "bad"
    assert "run ended with error status" in label.reasons and any("timeout" in r for r in label.reasons)


def test_no_signal_is_unknown_and_latest_feedback_wins():
    cfg = CuratorSettings()
    plain = weather_good().model_copy(update={"feedback": []})
    assert label_episode(plain, cfg, verify).verdict == "unknown"
    flipped = weather_good().model_copy(
        update={
            "feedback": [
                Feedback(thumb="up", received_at=T0),
                Feedback(thumb="down", received_at=T0 + timedelta(hours=1)),
            ]
        }
    )
    assert label_episode(flipped, cfg, verify).verdict == "bad"


def test_require_verifier_keeps_thumbs_alone_from_making_good():
    cfg = CuratorSettings(tasks={"weather": TaskRule(require_verifier=True)})
    label = label_episode(weather_good(), cfg, verify)
    assert label.verdict == "unknown"
    assert any("requires a verifier" in r for r in label.reasons)


def test_min_score_threshold_per_task():
    cfg = CuratorSettings(tasks={"weather": TaskRule(min_score=0.95)})
    label = label_episode(
        weather_good().model_copy(update={"feedback": [Feedback(score=0.9, received_at=T0)]}), cfg, verify
    )
    assert label.verdict == "bad"


def test_a_crashing_verifier_does_not_stop_labelling():
    def broken(completion, spec):
        raise RuntimeError("sandbox died")

    label = label_episode(math_run(), CuratorSettings(), broken)
    assert label.verdict == "unknown" and any("sandbox died" in r for r in label.reasons)


def test_default_verifier_is_the_core_one():
    verify_fn = default_verify_fn()
    assert verify_fn is verify
    assert verify_fn("Paris.", {"type": "normalized", "answer": "paris"}).reward == 1.0
    assert verify_fn("Paris.", {"type": "exact", "answer": "paris"}).reward == 0.0
