"""Scoring (evals/metrics.py): ragas' non-LLM metrics on known samples, task success, the probe checks, and the
suites built from held-out records (evals/suites.py)."""

import pytest
from tracewheel.evals.metrics import (
    Generation,
    exact_match,
    score_probe,
    score_task,
    string_similarity,
    tool_call_accuracy,
)
from tracewheel.evals.suites import EvalExample, example_from_heldout, load_probes, merge_clusters


def gen(text="", calls=(), parse_error=False):
    return Generation(
        text=text,
        tool_calls=[
            {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": a}}
            for i, (n, a) in enumerate(calls)
        ],
        tool_call_parse_error=parse_error,
        finish_reason="tool_calls" if calls else "stop",
    )


PROMPT = [{"role": "user", "content": "Weather in Paris and Rome?"}]


def test_ragas_metrics_on_known_samples():
    assert exact_match("Paris", "Paris") == 1.0 and exact_match("paris", "Paris") == 0.0
    assert string_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    ref = [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Rome"}},
    ]
    both = [("get_weather", '{"city": "Paris"}'), ("get_weather", '{"city": "Rome"}')]
    assert tool_call_accuracy(PROMPT, gen(calls=both).tool_calls, ref) == 1.0
    # ragas scores every reference call against every predicted call of that name: one right argument of two
    one = [("get_weather", '{"city": "Paris"}')]
    assert tool_call_accuracy(PROMPT, gen(calls=one).tool_calls, ref[:1]) == 1.0
    assert (
        tool_call_accuracy(PROMPT, gen(calls=[("get_weather", '{"city": "Lyon"}')]).tool_calls, ref[:1])
        == 0.0
    )
    assert tool_call_accuracy(PROMPT, gen(calls=[("search", '{"city": "Paris"}')]).tool_calls, ref[:1]) == 0.0
    assert tool_call_accuracy(PROMPT, [], ref) == 0.0


def test_task_success_uses_the_verifier_then_tool_calls_then_the_normalized_reference():
    numeric = EvalExample(
        example_id="a",
        suite="arithmetic",
        cluster="c",
        messages=PROMPT,
        verifier={"type": "numeric", "answer": 42},
        reference_text="Answer: 42",
    )
    assert (
        score_task(numeric, gen("Answer: 42")).success
        and score_task(numeric, gen("Answer: 42")).reward == 1.0
    )
    assert not score_task(numeric, gen("Answer: 41")).success
    calls = EvalExample(
        example_id="b",
        suite="weather",
        cluster="c",
        messages=PROMPT,
        reference_tool_calls=[{"name": "get_weather", "arguments": {"city": "Paris"}}],
    )
    good = score_task(calls, gen(calls=[("get_weather", '{"city": "Paris"}')]))
    assert good.success and good.tool_call_accuracy == 1.0
    assert not score_task(calls, gen("It is sunny.")).success
    text = EvalExample(example_id="c", suite="qa", cluster="c", messages=PROMPT, reference_text="Paris")
    assert score_task(text, gen("paris.")).success and score_task(text, gen("paris.")).exact_match == 0.0


def test_every_shipped_probe_has_a_check_that_can_pass_and_fail():
    probes = load_probes()
    assert 40 <= len(probes) <= 60
    assert {p.category for p in probes} == {"instruction", "factual", "arithmetic", "tool_format"}
    for p in probes:
        assert not score_probe(p, gen("")).success, p.example_id
    by_id = {p.example_id: p for p in probes}
    assert score_probe(by_id["arithmetic-02"], gen("Answer: 42")).success
    assert score_probe(by_id["factual-01"], gen("The capital of France is Paris.")).success
    assert score_probe(by_id["instruction-01"], gen("yes")).success
    assert not score_probe(by_id["instruction-01"], gen("Yes")).success
    weather = by_id["tool_format-01"]
    assert score_probe(weather, gen(calls=[("get_weather", '{"city": "Paris"}')])).success
    assert not score_probe(
        weather, gen(calls=[("get_weather", '{"city": "Paris"}')], parse_error=True)
    ).success


def _record(i, verdict="good", first_turn=None, **extra):
    messages = [
        {"role": "system", "content": "You add numbers."},
        {"role": "user", "content": f"What is {i} + {i}?"},
        first_turn or {"role": "assistant", "content": f"Answer: {2 * i}"},
    ]
    return {
        "episode_id": f"e{i}",
        "group": f"episode:e{i}",
        "task": "arithmetic",
        "messages": messages,
        "tools": [],
        "verdict": verdict,
        "verifier": None,
        "verifier_source": None,
        "corrected_answer": None,
        **extra,
    }


def test_heldout_records_become_examples_only_when_something_can_judge_them():
    example, _ = example_from_heldout(_record(1))
    assert example.messages[-1] == {"role": "user", "content": "What is 1 + 1?"}
    assert example.reference_text == "Answer: 2" and example.verifier is None
    # a bad run's answer is no reference, but the user's correction is
    assert example_from_heldout(_record(2, verdict="bad"))[0] is None
    assert example_from_heldout(_record(2, verdict="bad", corrected_answer="4"))[0].reference_text == "4"
    call = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "type": "function",
                "id": "c1",
                "function": {"name": "calculator", "arguments": {"expression": "3+3"}},
            }
        ],
    }
    example, _ = example_from_heldout(_record(3, first_turn=call))
    assert example.reference_tool_calls == [{"name": "calculator", "arguments": {"expression": "3+3"}}]
    assert example_from_heldout(_record(3, verdict="bad", first_turn=call)) == (
        None,
        "first turn is a tool call of a bad run, with no tool_call verifier",
    )
    # a regex spec written by trace data is not trusted; the operator's is
    spec = {"type": "regex", "pattern": "Answer: 8"}
    assert example_from_heldout(_record(4, verifier=spec, verifier_source="trace"))[0].verifier is None
    assert example_from_heldout(_record(4, verifier=spec, verifier_source="operator"))[0].verifier == spec


def test_examples_of_one_template_or_conversation_share_a_cluster():
    examples = [example_from_heldout(_record(i))[0] for i in range(1, 5)]
    examples.append(
        example_from_heldout(
            {
                **_record(5),
                "messages": [
                    {"role": "user", "content": "Spell 'cat' backwards"},
                    {"role": "assistant", "content": "tac"},
                ],
            }
        )[0]
    )
    examples.append(
        example_from_heldout(
            {
                **_record(6),
                "group": "conversation:x",
                "messages": [
                    {"role": "user", "content": "Hello there"},
                    {"role": "assistant", "content": "Hi"},
                ],
            }
        )[0]
    )
    examples.append(
        example_from_heldout(
            {
                **_record(7),
                "group": "conversation:x",
                "messages": [{"role": "user", "content": "Bye now"}, {"role": "assistant", "content": "Bye"}],
            }
        )[0]
    )
    merge_clusters(examples)
    assert len({e.cluster for e in examples[:4]}) == 1  # "what is <n> + <n>?"
    assert examples[4].cluster != examples[0].cluster
    assert examples[5].cluster == examples[6].cluster  # one conversation
