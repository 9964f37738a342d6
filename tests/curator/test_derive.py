"""Stage 5a: TRL conversational rows from labelled episodes (curator/derive.py)."""

import json
from collections import Counter

import pytest
from _episode_fixtures import (
    WEATHER_TOOL,
    bad_arguments_run,
    binary_tool_run,
    call,
    corrected_run,
    episode,
    huge_tool_run,
    injected_run,
    math_run,
    no_user_run,
    thumb,
    weather_bad,
    weather_good,
)
from tracewheel.collector.episode import Episode, Message
from tracewheel.curator.derive import (
    NOT_SUBSTANTIVE,
    Labelled,
    UnusableEpisode,
    chat_messages,
    check_episode,
    derive_rows,
    differ_in_substance,
    dpo_rows,
    kto_rows,
    partner_runs,
    reward_rows,
    sft_rows,
    split_prompt,
)
from tracewheel.curator.label import label_episode
from tracewheel.curator.settings import CuratorSettings
from tracewheel.trainer.chat_template import chatml_tool_template
from transformers.utils.chat_template_utils import render_jinja_template

from tracewheel.core.verifiers import verify


def _tc(name, call_id=None, **arguments):
    return {"type": "function", "function": {"name": name, "arguments": arguments}} | (
        {"id": call_id} if call_id else {}
    )


def labelled(*episodes):
    cfg = CuratorSettings()
    return [Labelled(e, label_episode(e, cfg, verify), chat_messages(e)) for e in episodes]


def test_messages_are_in_chat_template_form():
    msgs = chat_messages(weather_good())
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant"]
    call = msgs[2]["tool_calls"][0]
    call_id = "call_" + "a1" * 16  # the run's own id
    assert call == {
        "type": "function",
        "id": call_id,
        "function": {"name": "get_weather", "arguments": {"city": "Paris", "date": "tomorrow"}},
    }
    assert msgs[3] == {
        "role": "tool",
        "tool_call_id": call_id,
        "name": "get_weather",
        "content": msgs[3]["content"],
    }
    assert json.loads(msgs[3]["content"])["city"] == "Paris"
    assert all(set(m) <= {"role", "content", "tool_calls", "tool_call_id", "name"} for m in msgs)


def test_system_instructions_are_added_when_no_system_message():
    ep = weather_good()
    ep.messages = ep.messages[1:]
    assert chat_messages(ep)[0] == {"role": "system", "content": ep.system_instructions}


def test_tool_name_comes_from_the_call_when_the_result_lacks_it():
    ep = weather_good()
    ep.messages[3].name = None
    assert chat_messages(ep)[3]["name"] == "get_weather"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (no_user_run, "no user message"),
        (binary_tool_run, "binary tool result"),
        (huge_tool_run, "tool result too large"),
    ],
)
def test_bad_input_is_refused_before_redaction(make, reason):
    with pytest.raises(UnusableEpisode) as err:
        check_episode(make(), max_tool_result_bytes=1_000_000)
    assert err.value.reason == reason


def test_unparseable_tool_arguments_name_the_episode():
    ep = bad_arguments_run()
    with pytest.raises(UnusableEpisode, match=ep.episode_id) as err:
        chat_messages(ep)
    assert err.value.reason == "invalid tool-call arguments"


def test_sft_takes_only_good_runs_with_tools():
    rows = sft_rows(labelled(weather_good(), weather_bad(), math_run()))
    assert len(rows) == 2
    assert all(set(r.data) == {"messages", "tools"} for r in rows)
    assert rows[0].data["tools"][0]["function"]["name"] == "get_weather"
    assert rows[0].lineage["trace_ids"] == [weather_good().trace_id]
    assert rows[0].lineage["selected_because"].startswith("good outcome")


def test_dpo_pair_splits_at_the_first_differing_assistant_turn():
    good, bad = weather_good(), weather_bad()
    (row,) = dpo_rows(labelled(bad, good))
    assert [m["role"] for m in row.data["prompt"]] == ["system", "user"]
    assert row.data["chosen"][0]["tool_calls"][0]["function"]["arguments"]["city"] == "Paris"
    assert row.data["rejected"][0]["tool_calls"][0]["function"]["arguments"]["city"] == "Paris, Texas"
    assert row.lineage["trace_ids"] == [good.trace_id, bad.trace_id]


def test_dpo_split_moves_back_to_the_calling_turn_when_only_the_tool_result_differs():
    good, bad = weather_good(), weather_good("b2" * 16)
    bad.messages[3].content = "service unavailable"
    bad.messages[4].content = "I could not get the forecast."
    bad.feedback = weather_bad().feedback
    (row,) = dpo_rows(labelled(good, bad))
    assert row.data["chosen"][0]["role"] == "assistant" and row.data["rejected"][0]["role"] == "assistant"
    # the same call (each run keeps its own call id)
    assert (
        row.data["chosen"][0]["tool_calls"][0]["function"]
        == row.data["rejected"][0]["tool_calls"][0]["function"]
    )
    assert row.data["chosen"][1]["content"] != row.data["rejected"][1]["content"]


def test_dpo_from_a_correction():
    (row,) = dpo_rows(labelled(corrected_run()))
    assert row.data["chosen"] == [
        {
            "role": "assistant",
            "content": "New employees get 20 vacation days in their first year, prorated by start month.",
        }
    ]
    assert row.data["rejected"][0]["content"].startswith("New employees get 15")
    assert row.data["prompt"][-1]["role"] == "user"


def test_different_prompts_never_pair():
    other = weather_bad()
    other.messages[1].content = "What's the weather in Lyon tomorrow?"
    assert dpo_rows(labelled(weather_good(), other)) == []


def test_kto_from_thumbs_and_rewards_from_verifiers():
    items = labelled(weather_good(), weather_bad(), math_run(), injected_run())
    kto = kto_rows(items)
    assert sorted(r.data["label"] for r in kto) == [False, True, True]
    for r in kto:
        assert r.data["prompt"][-1]["role"] == "user" and r.data["completion"][0]["role"] == "assistant"
    (reward,) = reward_rows(items)
    assert reward.data["verifier"] == {"type": "normalized", "answer": "391"}
    assert [m["role"] for m in reward.data["prompt"]] == ["system", "user"]
    assert split_prompt(items[0].messages)[0] == items[0].messages[:2]


def test_rows_render_through_the_tool_chat_template():
    template = chatml_tool_template()
    rows = derive_rows(labelled(weather_good(), weather_bad(), math_run(), corrected_run()))
    assert {r.kind for r in rows} == {"sft", "dpo", "kto", "rewards"}
    for row in rows:
        d = row.data
        convo = d.get("messages") or d["prompt"] + (d.get("chosen") or d.get("completion") or [])
        text = render_jinja_template([convo], tools=d["tools"] or None, chat_template=template)[0][0]
        for m in convo:
            for c in m.get("tool_calls") or []:
                assert c["function"]["name"] in text
                for key, value in c["function"]["arguments"].items():
                    assert f'"{key}": "{value}"' in text


def test_new_runs_pair_with_earlier_runs_but_earlier_runs_not_with_each_other():
    earlier = sft_rows(labelled(weather_good())) + kto_rows(labelled(weather_bad()))
    partners = partner_runs(earlier)
    assert [(p.verdict, p.new) for p in partners] == [("good", False), ("bad", False)]
    assert dpo_rows([], partners=partners) == []
    fresh_bad = weather_bad("c0" * 16)
    fresh_bad.messages[4].content = "Paris, Texas will be sunny."
    (row,) = dpo_rows(labelled(fresh_bad), partners=partners)
    assert row.lineage["trace_ids"] == [weather_good().trace_id, fresh_bad.trace_id]
    assert row.lineage["selected_because"].endswith("(one run from an earlier version)")


def test_reward_rows_carry_only_specs_the_trust_rule_allows():
    from tracewheel.curator.label import Label
    from tracewheel.curator.settings import TaskRule

    custom = {"type": "custom", "command": ["sh", "-c", "touch /tmp/pwned"]}
    # A label that claims a custom spec came from trace data (as an old or hand-made label could): no reward row.
    forged = Label("good", verifier=custom, verifier_source="trace")
    ep = math_run()
    assert reward_rows([Labelled(ep, forged, chat_messages(ep))]) == []
    # The same spec from the operator's task rule is allowed, and the lineage says where it came from.
    cfg = CuratorSettings(tasks={"arithmetic": TaskRule(verifier=custom)})
    operator = label_episode(ep.model_copy(update={"expected": None}), cfg, lambda c, s: (1.0, "ok"))
    (row,) = reward_rows([Labelled(ep, operator, chat_messages(ep))])
    assert row.data["verifier"] == custom and "(from operator)" in row.lineage["selected_because"]
    assert row.lineage["verifier_source"] == "operator"
    # A span asking for it through tracewheel.expected gets no verifier, so no reward row.
    asked = ep.model_copy(update={"expected": json.dumps(custom)})
    refused = label_episode(asked, CuratorSettings(), verify)
    assert refused.verifier is None and reward_rows([Labelled(asked, refused, chat_messages(asked))]) == []


# --- tool-call ids ------------------------------------------------------------------------------------------------


def _parallel_run(ids: tuple[str | None, ...], result_order: tuple[int, ...], result_ids: bool = True):
    """Two get_weather calls in one turn (Paris, Oslo), their results in ``result_order``."""
    cities = ("Paris", "Oslo")
    calls = [call("get_weather", {"city": c}, i) for c, i in zip(cities, ids, strict=True)]
    results = [
        Message(
            role="tool",
            name="get_weather",
            tool_call_id=ids[k] if result_ids else None,
            content=f'{{"city": "{cities[k]}", "temp_c": {10 + k}}}',
        )
        for k in result_order
    ]
    return episode(
        "ab" * 16,
        [
            Message(role="user", content="Weather in Paris and in Oslo?"),
            Message(role="assistant", tool_calls=calls, finish_reason="tool_calls"),
            *results,
            Message(role="assistant", content="Paris 10°C, Oslo 11°C.", finish_reason="stop"),
        ],
        tools=[WEATHER_TOOL],
        feedback=[thumb("up")],
    )


def _paired(msgs):
    """{call id: (city asked, city answered)} for every call of the conversation."""
    asked = {c["id"]: c["function"]["arguments"]["city"] for m in msgs for c in m.get("tool_calls") or []}
    return {
        m["tool_call_id"]: (asked[m["tool_call_id"]], json.loads(m["content"])["city"])
        for m in msgs
        if m["role"] == "tool"
    }


def test_parallel_calls_keep_their_ids_and_results_answer_by_id():
    msgs = chat_messages(_parallel_run(("call_p", "call_o"), result_order=(1, 0)))
    assert [c["id"] for c in msgs[2]["tool_calls"]] == ["call_p", "call_o"]
    assert [m["tool_call_id"] for m in msgs if m["role"] == "tool"] == ["call_o", "call_p"]
    assert _paired(msgs) == {"call_p": ("Paris", "Paris"), "call_o": ("Oslo", "Oslo")}


def test_calls_without_ids_get_stable_synthetic_ones_paired_in_order():
    ep = _parallel_run((None, None), result_order=(0, 1), result_ids=False)
    msgs = chat_messages(ep)
    assert [c["id"] for c in msgs[2]["tool_calls"]] == ["call_1", "call_2"]
    assert _paired(msgs) == {"call_1": ("Paris", "Paris"), "call_2": ("Oslo", "Oslo")}
    assert chat_messages(ep) == msgs  # stable: the same run gives the same row


def test_an_id_reused_across_turns_is_replaced_so_each_call_has_its_own():
    ep = _parallel_run(("call_0", None), result_order=(0, 1))
    ep.messages[2:2] = []  # keep the first turn as it is, then add a second turn reusing the id
    second = [
        Message(role="assistant", tool_calls=[call("get_weather", {"city": "Lima"}, "call_0")]),
        Message(role="tool", name="get_weather", tool_call_id="call_0", content='{"city": "Lima"}'),
    ]
    ep.messages[-1:-1] = second
    msgs = chat_messages(ep)
    ids = [c["id"] for m in msgs for c in m.get("tool_calls") or []]
    assert len(set(ids)) == 3 and "call_0" not in ids
    assert sorted(_paired(msgs).values()) == [("Lima", "Lima"), ("Oslo", "Oslo"), ("Paris", "Paris")]


def test_rows_with_ids_render_through_the_tool_chat_template():
    ep = _parallel_run(("call_p", "call_o"), result_order=(1, 0))
    (row,) = sft_rows(labelled(ep))
    text = render_jinja_template(
        [row.data["messages"]], tools=row.data["tools"], chat_template=chatml_tool_template()
    )[0][0]
    conversation = text.split("</tool_call><|im_end|>", 1)[1]  # after the system prompt's format example
    assert conversation.count("<tool_call>") == 2 and conversation.count("<tool_response>") == 2


# --- DPO pairs differ in substance --------------------------------------------------------------------------------


def _announced(trace_id: str, announce: str, answer: str, fb) -> Episode:
    """weather_good's run with the call announced by ``announce`` and closed by ``answer``."""
    ep = weather_good(trace_id)
    ep.messages[2].content = announce
    ep.messages[4].content = answer
    ep.feedback = [fb]
    return ep


def test_pairs_that_differ_only_in_filler_are_dropped_and_counted():
    answer = weather_good().messages[4].content
    good = _announced("a1" * 16, "Let me check that.", answer, thumb("up"))
    bad = _announced("b2" * 16, "Let me look that up for you!", "Sure! " + answer.upper(), thumb("down"))
    dropped = Counter()
    assert dpo_rows(labelled(good, bad), dropped=dropped) == []
    assert dropped == {NOT_SUBSTANTIVE: 1}


def test_a_filler_partner_gives_way_to_a_good_run_that_differs():
    answer = weather_good().messages[4].content
    twin = _announced("a1" * 16, "Let me check that.", answer, thumb("up", 0.9))
    other = _announced("a2" * 16, "", "Rain tomorrow in Paris: take an umbrella.", thumb("up", 0.5))
    bad = _announced("b2" * 16, "One moment, let me look that up.", answer, thumb("down"))
    dropped = Counter()
    (row,) = dpo_rows(labelled(twin, other, bad), dropped=dropped)
    assert row.lineage["trace_ids"] == [other.trace_id, bad.trace_id] and not dropped


def test_a_correction_that_only_rewords_filler_is_no_pair():
    ep = corrected_run()
    ep.feedback[0].corrected_answer = "Sure, new employees get 15 vacation days in their first year!"
    dropped = Counter()
    assert dpo_rows(labelled(ep), dropped=dropped) == [] and dropped == {NOT_SUBSTANTIVE: 1}


@pytest.mark.parametrize(
    ("chosen", "rejected", "differ"),
    [
        # the calls made
        (
            [{"role": "assistant", "content": "", "tool_calls": [_tc("get_weather", city="Paris")]}],
            [{"role": "assistant", "content": "", "tool_calls": [_tc("get_weather", city="Lyon")]}],
            True,
        ),
        # the same call, announced differently, with ids that differ: filler
        (
            [{"role": "assistant", "content": "Let me check.", "tool_calls": [_tc("f", "1", x=1)]}],
            [{"role": "assistant", "content": "I'll look it up", "tool_calls": [_tc("f", "2", x=1)]}],
            False,
        ),
        # arguments as a JSON string or a dict, keys in another order: the same call
        (
            [{"role": "assistant", "content": "", "tool_calls": [_tc("f", a=1, b=2)]}],
            [
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"type": "function", "function": {"name": "f", "arguments": '{"b":2,"a":1}'}}
                    ],
                }
            ],
            False,
        ),
        # the tool result used
        (
            [
                {"role": "tool", "name": "f", "content": '{"temp": 12}'},
                {"role": "assistant", "content": "12"},
            ],
            [
                {"role": "tool", "name": "f", "content": '{"temp": 21}'},
                {"role": "assistant", "content": "12"},
            ],
            True,
        ),
        # the final answer's words, not its case, spacing, punctuation or filler
        ([{"role": "assistant", "content": "Paris."}], [{"role": "assistant", "content": "Lyon."}], True),
        (
            [{"role": "assistant", "content": "Sure! The answer is   Paris."}],
            [{"role": "assistant", "content": "OK, answer is paris"}],
            False,
        ),
        (
            [{"role": "assistant", "content": "It is not OK."}],
            [{"role": "assistant", "content": "It is OK."}],
            True,
        ),
    ],
)
def test_substance_is_calls_results_and_the_final_answers_words(chosen, rejected, differ):
    assert differ_in_substance(chosen, rejected) is differ


def test_runs_that_differ_only_in_call_ids_are_exact_duplicates():
    from tracewheel.curator.dedup import dedup_rows

    first = _parallel_run(("call_x1", "call_x2"), result_order=(0, 1))
    again = _parallel_run(("call_y1", "call_y2"), result_order=(0, 1)).model_copy(
        update={"trace_id": "cd" * 16}
    )
    other = _parallel_run(("call_x1", "call_x2"), result_order=(0, 1)).model_copy(
        update={"trace_id": "ef" * 16}
    )
    other.messages[1].tool_calls[0].function.arguments = json.dumps({"city": "Paris", "id": 7})
    rows = sft_rows(labelled(first, again, other))
    kept, dropped = dedup_rows(rows)
    assert [d.how for d in dropped] == [
        "exact"
    ]  # the ids are each run's own; an argument named id is content
    assert [r.lineage["trace_ids"] for r in kept] == [[first.trace_id], [other.trace_id]]
