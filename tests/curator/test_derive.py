"""Stage 5a: TRL conversational rows from labelled episodes (curator/derive.py)."""

import json

import pytest
from _episode_fixtures import (
    bad_arguments_run,
    binary_tool_run,
    corrected_run,
    huge_tool_run,
    injected_run,
    math_run,
    no_user_run,
    weather_bad,
    weather_good,
)
from tracewheel.curator.derive import (
    Labelled,
    UnusableEpisode,
    chat_messages,
    check_episode,
    derive_rows,
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


def labelled(*episodes):
    cfg = CuratorSettings()
    return [Labelled(e, label_episode(e, cfg, verify), chat_messages(e)) for e in episodes]


def test_messages_are_in_chat_template_form():
    msgs = chat_messages(weather_good())
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant"]
    call = msgs[2]["tool_calls"][0]
    assert call == {
        "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris", "date": "tomorrow"}},
    }
    assert msgs[3] == {"role": "tool", "name": "get_weather", "content": msgs[3]["content"]}
    assert json.loads(msgs[3]["content"])["city"] == "Paris"
    assert all(set(m) <= {"role", "content", "tool_calls", "name"} for m in msgs)


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
        (no_user_run, "no user turn"),
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
    assert row.data["chosen"][0] == row.data["rejected"][0]
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
