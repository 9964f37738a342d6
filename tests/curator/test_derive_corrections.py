"""SFT from corrections: a run a user corrected becomes an SFT row with the correction as its last answer, which
the review policy can select by its source (``correction``)."""

from _episode_fixtures import corrected_run, weather_good
from tracewheel.curator.derive import CORRECTION_SOURCE, Labelled, chat_messages, derive_rows, sft_rows
from tracewheel.curator.label import label_episode
from tracewheel.curator.review_bulk import row_facts
from tracewheel.curator.settings import CuratorSettings

from tracewheel.core.verifiers import verify


def _labelled(*episodes):
    cfg = CuratorSettings()
    return [Labelled(e, label_episode(e, cfg, verify), chat_messages(e)) for e in episodes]


def test_a_corrected_run_is_an_sft_row_ending_in_the_correction():
    run = corrected_run()
    (row,) = sft_rows(_labelled(run))
    messages = row.data["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[-1]["content"] == run.feedback[0].corrected_answer
    assert messages[:-1] == chat_messages(run)[:-1]
    assert row.lineage["source"] == CORRECTION_SOURCE and row.lineage["trace_ids"] == [run.trace_id]
    facts = row_facts(row)
    assert facts.label == "bad" and {"correction", "feedback"} <= facts.sources


def test_good_runs_stay_as_they_went_and_the_correction_is_still_a_dpo_pair():
    rows = derive_rows(_labelled(weather_good(), corrected_run()))
    sft = [r for r in rows if r.kind == "sft"]
    assert [r.lineage.get("source") for r in sft] == [None, CORRECTION_SOURCE]
    assert any(r.kind == "dpo" and r.lineage["selected_because"].startswith("user-corrected") for r in rows)


def test_a_correction_equal_to_the_answer_makes_no_row():
    run = corrected_run()
    run.feedback[0].corrected_answer = run.messages[-1].content
    assert sft_rows(_labelled(run)) == []
