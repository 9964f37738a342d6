"""Verifiers: each type's verdicts, answer extraction, equivalent forms, hedges, the length cap, bad specs, RE2,
the span-safe subset, custom ones."""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pytest

import tracewheel.core.verifiers as verifiers_module
from tracewheel.core.verifiers import (
    OPERATOR_ONLY_TYPES,
    UntrustedSpecError,
    Verdict,
    span_spec,
    validate_spec,
    verifier_reward,
    verify,
)

# Custom verifiers run only inside bubblewrap; without it the sandbox refuses them.
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))


def _tool_message(name: str, arguments: object) -> dict:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": name, "arguments": arguments}}],
    }


def test_docstring_examples_hold() -> None:
    result = doctest.testmod(verifiers_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 15 and result.failed == 0


@pytest.mark.parametrize(
    ("completion", "reward"),
    [
        ("Paris", 1.0),
        ("  Paris \n", 1.0),
        ("Let me think.\nAnswer: Paris", 1.0),
        ("The answer is Paris", 1.0),
        ("paris", 0.0),
        ("Paris.", 0.0),
        ("Paris or London", 0.0),
        ("", 0.0),
    ],
)
def test_exact(completion: str, reward: float) -> None:
    assert verify(completion, {"type": "exact", "answer": "Paris"}).reward == reward


@pytest.mark.parametrize(
    "completion",
    ["the eiffel tower", "  THE   Eiffel  TOWER ", "Answer: **The Eiffel Tower**.", '"the eiffel tower"'],
)
def test_normalized_equivalent_forms_all_pass(completion: str) -> None:
    assert verify(completion, {"type": "normalized", "answer": "The Eiffel Tower"}).reward == 1.0


def test_normalized_rejects_a_different_answer_and_lists() -> None:
    spec = {"type": "normalized", "answer": "yes"}
    assert verify("no", spec).reward == 0.0
    assert verify("yes no", spec).reward == 0.0
    assert verify("Answer: yes\nAnswer: no", spec).reward == 0.0  # the last marker is the answer
    assert verify("no\nyes", spec).reward == 0.0  # two lines are two candidates, not one answer


def test_regex_is_a_full_match_on_the_answer_only() -> None:
    spec = {"type": "regex", "pattern": r"[0-9]{3}-[0-9]{4}"}
    assert verify("Call 555-1234", spec).reward == 0.0  # the whole text is the answer without a marker
    assert verify("555-0000\n555-1234", spec).reward == 0.0  # two candidates on two lines
    assert verify("555-1234", spec).reward == 1.0
    assert verify("Reasoning...\nAnswer: 555-1234", spec).reward == 1.0
    assert verify("555-12345", spec).reward == 0.0
    assert verify("Answer: abc", {"type": "regex", "pattern": "ABC", "ignore_case": True}).reward == 1.0


@pytest.mark.parametrize(
    "completion",
    [
        "42",
        " 42.0 ",
        "4.2e1",
        "Answer: 42",
        "The answer is 42.",
        "\\boxed{42}",
        "**42**",
        "= 42",
        "x = 40 + 2 = 42",  # a final `=` states the result
        "6 * 7 = 42.",
        "It takes 42 hours.",  # one number in a sentence
        "The answer is 42 hours.",
        "42.000001",
        "<think>maybe 41</think>42",
    ],
)
def test_numeric_equivalent_forms_get_the_same_verdict(completion: str) -> None:
    spec = {"type": "numeric", "answer": 42, "tolerance": 1e-5}
    assert verify(completion, spec).reward == verify("42", spec).reward == 1.0


@pytest.mark.parametrize(
    "completion",
    [
        "41",
        "42 = 40 + 2",
        "42 43",
        "forty-two",
        "42 or 43",
        "",
        "nan",
        "inf",
        "It takes 41 or 42 hours.",
        "41\n42",
        "Between 40-42.",
        '{"answer": 42}',
        "\\boxed{41} or \\boxed{42}",
    ],
)
def test_numeric_wrong_or_ambiguous(completion: str) -> None:
    verdict = verify(completion, {"type": "numeric", "answer": 42})
    assert verdict.reward == 0.0 and verdict.reason


def test_numeric_answer_may_be_a_string_and_tolerance_is_absolute() -> None:
    spec = {"type": "numeric", "answer": "1,000", "tolerance": 0.5}
    assert verify("1000.4", spec).reward == 1.0
    assert verify("1000.6", spec).reward == 0.0
    assert verify("Answer: 3/4", {"type": "numeric", "answer": 0.75}).reward == 1.0


SCHEMA = {
    "type": "object",
    "required": ["city", "temp_c"],
    "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("completion", "reward"),
    [
        ('{"city": "Oslo", "temp_c": 4}', 1.0),
        ('{"temp_c": 4, "city": "Oslo"}', 1.0),
        ('Here it is:\n```json\n{"city": "Oslo", "temp_c": 4.5}\n```', 1.0),
        ('{"city": "Oslo"}', 0.0),
        ('{"city": "Oslo", "temp_c": "4"}', 0.0),
        ('{"city": 1} then {"city": "Oslo", "temp_c": 4}', 0.0),  # only the first object counts
        ("no json here", 0.0),
    ],
)
def test_json_schema(completion: str, reward: float) -> None:
    assert verify(completion, {"type": "json_schema", "schema": SCHEMA}).reward == reward


def test_tool_call_compares_arguments_as_parsed_json() -> None:
    spec = {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris", "days": 2}}
    assert verify(_tool_message("get_weather", '{"days": 2, "city": "Paris"}'), spec).reward == 1.0
    assert verify(_tool_message("get_weather", {"days": 2.0, "city": "Paris"}), spec).reward == 1.0
    text = '<tool_call>\n{"name": "get_weather", "arguments": {"days": 2, "city": "Paris"}}\n</tool_call>'
    assert verify(text, spec).reward == 1.0
    assert (
        verify([{"role": "assistant", "content": text}], spec).reward == 1.0
    )  # TRL conversational completion
    assert verify(_tool_message("get_weather", '{"city": "Paris", "days": 3}'), spec).reward == 0.0
    assert verify(_tool_message("get_forecast", '{"city": "Paris", "days": 2}'), spec).reward == 0.0
    assert verify(_tool_message("get_weather", "{not json"), spec).reward == 0.0
    assert verify("I would call get_weather for Paris.", spec).reward == 0.0


def test_tool_call_types_are_strict_and_one_call_only() -> None:
    spec = {"type": "tool_call", "name": "set_flag", "arguments": {"on": True}}
    assert verify(_tool_message("set_flag", {"on": 1}), spec).reward == 0.0
    both = _tool_message("set_flag", {"on": True})
    both["tool_calls"].append(
        {"type": "function", "function": {"name": "set_flag", "arguments": {"on": False}}}
    )
    verdict = verify(both, spec)
    assert verdict.reward == 0.0 and "exactly one" in verdict.reason
    # An echoed spec is shaped like a call but is not one.
    assert verify(json.dumps(spec), spec).reward == 0.0


def test_length_cap_applies_to_every_type() -> None:
    long = "x" * 5000 + "\nAnswer: 42"
    verdict = verify(long, {"type": "numeric", "answer": 42})
    assert verdict.reward == 0.0 and "cap" in verdict.reason
    assert verify(long, {"type": "numeric", "answer": 42, "max_chars": 10_000}).reward == 1.0


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"type": "nope"}, "type"),
        ({"type": "exact"}, "answer"),
        ({"type": "exact", "answer": "  "}, "answer"),
        ({"type": "normalized", "answer": "..."}, "answer"),
        ({"type": "regex", "pattern": "("}, "pattern"),
        ({"type": "numeric", "answer": "many"}, "answer"),
        ({"type": "numeric", "answer": 1, "tolerance": -1}, "tolerance"),
        ({"type": "json_schema", "schema": {"type": 5}}, "schema"),
        ({"type": "tool_call", "arguments": {}}, "name"),
        ({"type": "tool_call", "name": "f", "arguments": "[1]"}, "arguments"),
        ({"type": "custom"}, "command"),
        ({"type": "custom", "command": "x", "timeout_s": 0}, "timeout_s"),
        ({"type": "custom", "command": "x", "timeout_s": 61}, "timeout_s"),
        ({"type": "custom", "command": "x", "timeout_s": "5"}, "timeout_s"),
        ({"type": "custom", "command": "x", "memory_mb": 8}, "memory_mb"),
        ({"type": "custom", "command": "x", "memory_mb": 8192}, "memory_mb"),
        ({"type": "regex", "pattern": r"(a)\1"}, "RE2"),
        ({"type": "regex", "pattern": r"(?=a)a"}, "RE2"),
        ({"type": "json_schema", "schema": {"type": "string", "pattern": r"(?<=x)y"}}, "RE2"),
        ({"type": "json_schema", "schema": {"patternProperties": {"^a": {}}}}, "patternProperties"),
        ({"type": "exact", "answer": "a", "max_chars": 0}, "max_chars"),
    ],
)
def test_bad_specs_raise_naming_the_field(spec: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        verify("anything", spec)


def test_reward_function_takes_the_verifier_column_as_json_or_dicts() -> None:
    specs = [json.dumps({"type": "numeric", "answer": 4}), {"type": "exact", "answer": "B"}]
    completions = [[{"role": "assistant", "content": "Answer: 4"}], [{"role": "assistant", "content": "C"}]]
    assert verifier_reward(completions, specs, prompts=None, trainer_state=None) == [1.0, 0.0]
    with pytest.raises(ValueError, match="verifier"):
        verifier_reward(completions, specs[:1])


CHECKER = """
import json, sys
data = json.load(sys.stdin)
text = data["completion"] if isinstance(data["completion"], str) else data["completion"]["content"]
ok = text.strip().lower() == data["task"]["answer"]
print("debug output is fine before the last line")
print(json.dumps({"reward": 1.0 if ok else 0.0, "reason": "checked " + text.strip()[:20]}))
"""


@needs_bwrap
def test_custom_verifier_inline_code_and_file(tmp_path: Path) -> None:
    spec = {"type": "custom", "command": CHECKER, "answer": "blue"}
    assert verify("Blue", spec) == Verdict(1.0, "checked Blue")
    assert verify({"role": "assistant", "content": "red"}, spec).reward == 0.0
    script = tmp_path / "check.py"
    script.write_text(CHECKER)
    assert verify("blue", {"type": "custom", "command": str(script), "answer": "blue"}).reward == 1.0
    import sys

    assert (
        verify("blue", {"type": "custom", "command": [sys.executable, str(script)], "answer": "blue"}).reward
        == 1.0
    )


@needs_bwrap
@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("raise SystemExit(3)", "exited with code 3"),
        ("import sys; sys.stdin.read(); 1/0", "ZeroDivisionError"),
        ("print('yes')", "no JSON"),
        ("print('{\"reward\": 7}')", "no reward in [0, 1]"),
        ("print('{\"reward\": NaN}')", "no reward in [0, 1]"),
        ("import time; time.sleep(30)", "timed out"),
        ("x = bytearray(2 << 30); print(1)", "memory"),
    ],
)
def test_custom_verifier_failures_are_zero_with_a_reason(code: str, reason: str) -> None:
    verdict = verify("anything", {"type": "custom", "command": code, "timeout_s": 1.5, "memory_mb": 256})
    assert verdict.reward == 0.0
    assert reason in verdict.reason


@needs_bwrap
def test_custom_verifier_gets_text_and_tool_calls_already_extracted() -> None:
    code = (
        "import json, sys\n"
        "d = json.load(sys.stdin)\n"
        "ok = d['text'] == 'checking' and d['tool_calls'][0]['function']['name'] == 'lookup'\n"
        "print(1.0 if ok else 0.0)\n"
    )
    message = _tool_message("lookup", "{}")
    message["content"] = "checking"
    assert verify([message], {"type": "custom", "command": code}).reward == 1.0


def test_regex_runs_in_linear_time_on_re2() -> None:
    # (a+)+$ backtracks exponentially on Python's engine; on RE2 this completes at once (no timing assertion).
    text = "a" * 50_000 + "b"
    spec = {"type": "regex", "pattern": "(a+)+$", "max_chars": 100_000}
    assert verify(text, spec).reward == 0.0
    schema = {"type": "json_schema", "schema": {"type": "string", "pattern": "^(a+)+$"}, "max_chars": 100_000}
    assert verify(json.dumps(text), schema).reward == 0.0
    assert verify(json.dumps("aaa"), schema).reward == 1.0


def test_span_spec_keeps_declarative_checks_only() -> None:
    for kind in sorted(OPERATOR_ONLY_TYPES):
        with pytest.raises(UntrustedSpecError, match=kind):
            span_spec({"type": kind, "command": ["true"], "pattern": "x", "schema": {}})
    assert span_spec(
        {"type": "numeric", "answer": 4, "tolerance": 0.1, "command": "x", "max_chars": 10**9}
    ) == {
        "type": "numeric",
        "answer": 4,
        "tolerance": 0.1,
    }
    with pytest.raises(ValueError, match="answer"):
        span_spec({"type": "exact"})


@needs_bwrap
def test_custom_limits_are_kept_as_given_within_bounds() -> None:
    spec = validate_spec({"type": "custom", "command": "print(1)", "timeout_s": 60, "memory_mb": 4096})
    assert verify("x", spec).reward == 1.0


def test_verdicts_carry_a_short_code_safe_to_store() -> None:
    assert verify("Paris", {"type": "exact", "answer": "Paris"}).code == "match"
    assert verify("London", {"type": "exact", "answer": "Paris"}).code == "mismatch"
    assert verify("3 or 4", {"type": "numeric", "answer": 3}).code == "not_one_number"
    assert verify("x" * 5000, {"type": "exact", "answer": "Paris"}).code == "over_length"
