"""Integrity probes: sound verifiers pass, gameable ones are caught and named, custom ones are probed too."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest
import tracewheel.trainer.verifier_probes as probes_module
from tracewheel.trainer.verifier_probes import assert_verifiers_sound, probe_verifier, probe_verifiers

from tracewheel.core.errors import TracewheelError

# Custom verifiers run only inside bubblewrap; without it the sandbox refuses them.
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")

SOUND = [
    {"type": "exact", "answer": "Paris"},
    {"type": "exact", "answer": "line one\nline two"},
    {"type": "normalized", "answer": "The Eiffel Tower"},
    {"type": "regex", "pattern": r"(?i)eiffel\s+tower"},
    {"type": "numeric", "answer": 42},
    {"type": "numeric", "answer": 0},
    {"type": "numeric", "answer": 100},
    {"type": "numeric", "answer": "-3.25", "tolerance": 0.01},
    {
        "type": "json_schema",
        "schema": {
            "type": "object",
            "required": ["city", "temp_c"],
            "additionalProperties": False,
            "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
        },
    },
    {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}},
    {"type": "tool_call", "name": "list_files"},
    {"type": "regex", "pattern": r"(?i)eiffel\s+tower", "example": "Eiffel Tower"},
    {
        "type": "json_schema",
        "example": {"city": "Oslo", "temp_c": 4},
        "schema": {
            "type": "object",
            "required": ["city", "temp_c"],
            "additionalProperties": False,
            "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
        },
    },
]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))


def test_docstring_examples_hold() -> None:
    import tracewheel.trainer.regex_samples as samples_module

    assert doctest.testmod(probes_module).failed == 0
    assert doctest.testmod(samples_module).failed == 0


def test_regex_samples_take_first_and_second_choices() -> None:
    from tracewheel.trainer.regex_samples import sample_matches

    assert sample_matches(r"[A-D]") == ["A", "B"]
    assert sample_matches(r"(?i)paris") == ["paris"]  # one answer: a single sample
    assert sample_matches(r"a{2,}b?") == ["aa", "aab"]
    assert sample_matches(r"(?=a)a") == []  # lookaround is not walked


def test_sound_verifiers_pass_every_probe() -> None:
    prompts = [[{"role": "user", "content": "Answer the question from the document."}]] * len(SOUND)
    assert probe_verifiers(SOUND, prompts) == []
    assert_verifiers_sound(SOUND)


def test_probes_cover_the_attack_families() -> None:
    seen = {
        p.name.split(" (")[0].split(":")[0].split(" '")[0]
        for p in probes_module._probes(SOUND[4], "What is 6*7?")
    }
    for family in (
        "empty output",
        "master key",
        "many candidates",
        "echo spec",
        "echo prompt",
        "over length cap",
        "wrong answer",
        "unsatisfiable task",
        "reference answer",
        "equivalent",
    ):
        assert family in seen, family


@pytest.mark.parametrize(
    ("spec", "probe"),
    [
        ({"type": "regex", "pattern": ".*"}, "format only"),
        # A format, not an answer: a constant such as "00" or "yes" earns reward on every prompt.
        ({"type": "regex", "pattern": "[0-9]{2}"}, "format only"),
        ({"type": "regex", "pattern": "(?i)(yes|no)"}, "format only"),
        ({"type": "regex", "pattern": r"[0-9]{3}-[0-9]{4}"}, "format only"),
        ({"type": "numeric", "answer": 42, "tolerance": 50}, "constant answer 0"),
        ({"type": "numeric", "answer": 0.5, "tolerance": 0.5}, "constant answer"),
        ({"type": "json_schema", "schema": {"properties": {"city": {"type": "string"}}}}, "constant answer"),
        (
            {"type": "regex", "pattern": "[A-D]"},
            "many candidates",
        ),  # any letter wins: checks format, not truth
        ({"type": "regex", "pattern": r"\d+"}, "many candidates"),
        ({"type": "json_schema", "schema": {"type": "object"}}, "master key '{}'"),
        ({"type": "json_schema", "schema": {"type": "object", "required": ["type"]}}, "echo spec"),
        ({"type": "numeric", "answer": 42, "tolerance": 1e9}, "wrong answer"),
        ({"type": "exact", "answer": "Solution"}, "master key 'Solution'"),
        ({"type": "normalized", "answer": "solution"}, "master key 'Solution'"),
        # Not gameable, but no completion can ever state this answer: a task that cannot teach anything.
        ({"type": "normalized", "answer": "The answer is"}, "reference answer"),
    ],
)
def test_gameable_builtin_verifiers_are_caught(spec: dict, probe: str) -> None:
    failures = probe_verifier(spec)
    assert failures, spec
    assert any(f.probe.startswith(probe) for f in failures), [f.probe for f in failures]
    assert all(f.reward > 0 or f.expected.startswith("reward 1") for f in failures)


def test_a_prompt_that_leaks_its_answer_is_caught_by_the_echo_probe() -> None:
    spec = {"type": "numeric", "answer": 42}
    leaky = [{"role": "user", "content": "Copy the number below.\n42"}]
    assert probe_verifiers([spec], [[{"role": "user", "content": "What is 6 times 7?"}]]) == []
    failures = probe_verifiers([spec], [leaky])
    assert [f.probe for f in failures] == ["echo prompt"]


def test_an_example_that_the_verifier_rejects_is_reported() -> None:
    wrong_example = {**SOUND[-1], "example": {"city": "Oslo"}}
    probes = {f.probe for f in probe_verifiers([wrong_example])}
    assert {"reference answer", "equivalent: key order", "equivalent: indented"} <= probes
    assert {f.probe for f in probe_verifiers([{**SOUND[-2], "example": "555"}])} >= {"reference answer"}


def test_invalid_spec_is_a_failure_not_a_crash() -> None:
    failures = probe_verifiers([{"type": "numeric", "answer": "many"}])
    assert [f.probe for f in failures] == ["valid spec"]
    assert "answer" in failures[0].reason


def test_assert_names_the_verifier_probe_and_reward() -> None:
    with pytest.raises(TracewheelError) as info:
        assert_verifiers_sound([SOUND[0], {"type": "regex", "pattern": ".*"}])
    message = str(info.value)
    assert "#1 regex(pattern=.*)" in message
    assert "probe 'master key" in message
    assert "got reward 1" in message


REWARD_ANY_TEXT = """
import json, sys
data = json.load(sys.stdin)
text = data["completion"] if isinstance(data["completion"], str) else str(data["completion"])
print(json.dumps({"reward": 1.0 if text.strip() else 0.0}))
"""

REWARD_IF_ANSWER_APPEARS = """
import json, sys
data = json.load(sys.stdin)
text = data["completion"] if isinstance(data["completion"], str) else str(data["completion"])
print(json.dumps({"reward": 1.0 if data["task"]["answer"] in text else 0.0}))
"""

STRICT = """
import json, sys
data = json.load(sys.stdin)
text = data["completion"] if isinstance(data["completion"], str) else ""
print(json.dumps({"reward": 1.0 if text.strip() == data["task"]["answer"] else 0.0}))
"""


@needs_bwrap
def test_custom_verifiers_are_probed_in_the_sandbox() -> None:
    lenient = probe_verifier({"type": "custom", "command": REWARD_ANY_TEXT})
    assert any(f.probe.startswith("master key") for f in lenient)
    substring = probe_verifier({"type": "custom", "command": REWARD_IF_ANSWER_APPEARS, "answer": "Paris"})
    probes = {f.probe.split(" (")[0] for f in substring}
    assert "echo spec" in probes  # the spec's JSON contains the answer
    assert not any(f.probe.startswith("master key") for f in substring)
    assert probe_verifier({"type": "custom", "command": STRICT, "answer": "Paris"}) == []


@needs_bwrap
def test_every_distinct_custom_spec_is_probed() -> None:
    specs = [{"type": "custom", "command": REWARD_ANY_TEXT, "answer": str(i)} for i in range(3)]
    failures = probe_verifiers(specs + specs)
    assert {f.verifier for f in failures} == {f"#{i} " + probes_module.spec_label(specs[i]) for i in range(3)}


def test_every_distinct_spec_is_probed_and_every_prompt_echoed() -> None:
    specs = [{"type": "regex", "pattern": f"[0-9]{{{n}}}"} for n in range(1, 21)]
    failures = probe_verifiers(specs)
    assert {f.verifier for f in failures} == {f"#{i} regex(pattern=[0-9]{{{i + 1}}})" for i in range(20)}
    spec = {"type": "exact", "answer": "Paris"}
    prompts = [[{"role": "user", "content": f"Q{i}: capital of France?"}] for i in range(2)]
    prompts.append([{"role": "user", "content": "Paris"}])  # the third row's prompt gives the answer away
    failures = probe_verifiers([spec] * 3, prompts)
    assert [(f.probe, f.output) for f in failures] == [("echo prompt", "Paris")]


def _questions(n: int) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"Question {i}: is the sky blue there?"}] for i in range(n)]


def test_one_constant_answer_across_most_tasks_is_caught() -> None:
    yes, no = {"type": "normalized", "answer": "yes"}, {"type": "normalized", "answer": "no"}
    balanced = probe_verifiers([yes, yes, no, no], _questions(4))
    assert not any(f.probe == "constant answer across tasks" for f in balanced)
    failures = probe_verifiers([yes, yes, no, yes, yes], _questions(5))
    failures = [f for f in failures if f.probe == "constant answer across tasks"]
    assert [f.output for f in failures] == ["yes"] and "4 of 5 tasks" in failures[0].reason
    # One format regex shared by every row: its own first match wins everywhere.
    shared = [{"type": "regex", "pattern": "[A-D]"}] * 4
    assert any(f.probe == "constant answer across tasks" for f in probe_verifiers(shared, _questions(4)))
    # The same task repeated is one task, not many.
    assert not any(f.probe == "constant answer across tasks" for f in probe_verifiers([yes] * 9))


def test_hedges_are_not_paid_by_the_probed_verifiers() -> None:
    # The many-candidates probes include listings on separate lines; a sound regex must refuse them.
    spec = {"type": "regex", "pattern": r"(?i)eiffel\s+tower", "example": "Eiffel Tower"}
    assert probe_verifier(spec) == []
    names = {p.name for p in probes_module._probes(spec, None)}
    assert any("sep '\\n'" in n for n in names)
