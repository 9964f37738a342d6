"""Episode integrity (curator/integrity.py): each defect holds a run back with its reason, clean runs (parallel
calls included) pass, a held-back run never yields a row, and the CLI shows why (``curate``, ``episodes show``,
``datasets held-back``, ``datasets review``)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from _episode_fixtures import (
    INJECTION,
    ListSource,
    call,
    engines,
    episode,
    injected_run,
    math_run,
    thumb,
    weather_bad,
    weather_good,
)
from tracewheel.collector import segments
from tracewheel.collector.episode import Message
from tracewheel.collector.otlp import parse_trace_request
from tracewheel.collector.wal import Signal, WalRecord
from tracewheel.curator import versions
from tracewheel.curator.derive import HeldBack, chat_messages, partner_runs, sft_rows
from tracewheel.curator.integrity import Defect, check_integrity, check_messages
from tracewheel.curator.pipeline import curate
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import load_settings

USER = Message(role="user", content="What's the weather in Paris and in Oslo?")
ANSWER = Message(role="assistant", content="Paris 10°C, Oslo 11°C.", finish_reason="stop")


def _calls(*pairs: tuple[str, str | None]) -> Message:
    return Message(
        role="assistant",
        tool_calls=[call("get_weather", {"city": city}, cid) for city, cid in pairs],
        finish_reason="tool_calls",
    )


def _result(city: str, cid: str | None, name: str | None = "get_weather") -> Message:
    return Message(role="tool", name=name, tool_call_id=cid, content=f'{{"city": "{city}"}}')


def _run(*messages: Message, **fields):
    return episode("ab" * 16, list(messages), feedback=[thumb("up")], **fields)


DEFECTS = {
    "ends on a tool message": (
        _run(USER, _calls(("Paris", "c1")), _result("Paris", "c1")),
        Defect.ENDS_ON_TOOL,
    ),
    "a call with no result (the run stopped at the call)": (
        _run(USER, _calls(("Paris", "c1"))),
        Defect.CALL_WITHOUT_RESULT,
    ),
    "one of two parallel calls unanswered": (
        _run(USER, _calls(("Paris", "c1"), ("Oslo", "c2")), _result("Paris", "c1"), ANSWER),
        Defect.CALL_WITHOUT_RESULT,
    ),
    "a result naming a call the turn did not make": (
        _run(USER, _calls(("Paris", "c1")), _result("Paris", "c1"), _result("Oslo", "c9"), ANSWER),
        Defect.RESULT_WITHOUT_CALL,
    ),
    "a result naming a call of an earlier turn": (
        _run(
            USER,
            _calls(("Paris", "c1")),
            _result("Paris", "c1"),
            _calls(("Oslo", "c2")),
            _result("Oslo", "c1"),
            ANSWER,
        ),
        Defect.CALL_WITHOUT_RESULT,
    ),
    "a result with no call before it": (
        _run(USER, _result("Paris", None), ANSWER),
        Defect.RESULT_WITHOUT_CALL,
    ),
    "more results than calls, no ids": (
        _run(USER, _calls(("Paris", None)), _result("Paris", None), _result("Paris", None), ANSWER),
        Defect.RESULT_WITHOUT_CALL,
    ),
    "a result answering a call of an earlier turn": (
        _run(
            USER,
            _calls(("Paris", "c1")),
            Message(role="assistant", content="Still waiting for the forecast."),
            _result("Paris", "c1"),
            ANSWER,
        ),
        Defect.CALL_WITHOUT_RESULT,
    ),
    "out of order: the answer, then a call and its result (Agents SDK v2 instrumentation)": (
        _run(USER, ANSWER, _calls(("Paris", "c1")), _result("Paris", "c1")),
        Defect.ENDS_ON_TOOL,
    ),
    "an empty assistant turn after the final answer": (
        _run(USER, _calls(("Paris", "c1")), _result("Paris", "c1"), ANSWER, Message(role="assistant")),
        Defect.AFTER_FINAL_ANSWER,
    ),
    "an empty assistant turn": (
        _run(USER, Message(role="assistant", content="  "), ANSWER),
        Defect.EMPTY_TURN,
    ),
    "no user message": (
        _run(Message(role="system", content="Be brief."), ANSWER),
        Defect.NO_USER,
    ),
    "a user message left unanswered": (
        _run(USER, ANSWER, Message(role="user", content="And in Lima?")),
        Defect.NO_FINAL_ANSWER,
    ),
    "no final answer, only a call announcement": (
        _run(USER, Message(role="assistant", content="Let me check.", tool_calls=[call("f", {}, "c1")])),
        Defect.CALL_WITHOUT_RESULT,
    ),
    "a tool result with no readable content (pydantic-ai v2 instrumentation)": (
        _run(
            USER,
            _calls(("Paris", "c1")),
            Message(role="tool", name="get_weather", tool_call_id="c1", content=None),
            ANSWER,
        ),
        Defect.UNREADABLE_TOOL_RESULT,
    ),
    "content the collector could not decode": (
        _run(
            USER,
            _calls(("Paris", "c1")),
            _result("Paris", "c1"),
            ANSWER,
            undecoded=["span 9f2 tool result: part type 'blob_ref' unknown"],
        ),
        Defect.UNDECODED,
    ),
}


@pytest.mark.parametrize("case", list(DEFECTS))
def test_each_defect_holds_the_run_back_with_its_reason(case):
    ep, defect = DEFECTS[case]
    verdict = check_integrity(ep)
    assert verdict.held_back and verdict.reason == defect, verdict.describe()
    assert defect in {f.defect for f in verdict.findings}
    with pytest.raises(HeldBack) as err:
        chat_messages(ep)  # whoever asks, a held-back run never becomes messages
    assert err.value.reason == str(defect) and ep.episode_id in str(err.value)


def test_findings_say_where_never_what():
    ep = _run(
        USER,
        _calls(("Paris", "c1")),
        Message(role="tool", name="get_weather", tool_call_id="c1", content=None),
        ANSWER,
        Message(role="assistant", tool_calls=[call("get_weather", {"city": "SECRET-CITY"}, "c2")]),
    )
    verdict = check_integrity(ep)
    assert {f.defect for f in verdict.findings} == {
        Defect.UNREADABLE_TOOL_RESULT,
        Defect.CALL_WITHOUT_RESULT,
        Defect.AFTER_FINAL_ANSWER,
    }
    assert verdict.reason == Defect.UNREADABLE_TOOL_RESULT  # the most telling defect is the one counted
    assert "message 2 (tool get_weather, call c1)" in verdict.describe()
    assert "SECRET-CITY" not in verdict.describe() and "Paris" not in verdict.describe()
    assert verdict.to_dict()["findings"][0] == {
        "defect": "unreadable tool result",
        "detail": "message 2 (tool get_weather, call c1) has no readable content",
        "message_index": 2,
    }


CLEAN = {
    "a tool round trip": weather_good(),
    "a verifiable run": math_run(),
    "parallel calls answered out of order, by id": _run(
        USER, _calls(("Paris", "c1"), ("Oslo", "c2")), _result("Oslo", "c2"), _result("Paris", "c1"), ANSWER
    ),
    "parallel calls to one tool, no ids at all": _run(
        USER, _calls(("Paris", None), ("Oslo", None)), _result("Paris", None), _result("Oslo", None), ANSWER
    ),
    "calls with ids, results without (matched by name, then position)": _run(
        USER,
        Message(
            role="assistant",
            tool_calls=[
                call("get_weather", {"city": "Paris"}, "c1"),
                call("local_time", {"city": "Paris"}, "c2"),
            ],
        ),
        _result("12:00", None, name="local_time"),
        _result("Paris", None),
        ANSWER,
    ),
    "results whose ids the framework made up on its side (matched by name)": _run(
        USER,
        _calls(("Paris", "c1"), ("Oslo", "c2")),
        _result("Paris", "fw-1"),
        _result("Oslo", "fw-2"),
        ANSWER,
    ),
    "a result named differently from its call (a framework's display name)": _run(
        USER, _calls(("Paris", None)), _result("Paris", None, name="Weather lookup"), ANSWER
    ),
    "two rounds of calls and a second user turn": _run(
        USER,
        _calls(("Paris", "c1")),
        _result("Paris", "c1"),
        Message(role="assistant", content="Paris 10°C.", tool_calls=None),
        Message(role="user", content="And Oslo?"),
        Message(
            role="assistant",
            content="Checking Oslo.",
            tool_calls=[call("get_weather", {"city": "Oslo"}, "c1")],
        ),
        _result("Oslo", "c1"),
        ANSWER,
    ),
    "an injected tool result (screening's business, not integrity's)": injected_run(),
}


@pytest.mark.parametrize("case", list(CLEAN))
def test_clean_runs_pass(case):
    ep = CLEAN[case]
    assert not check_integrity(ep).held_back, check_integrity(ep).describe()
    msgs = chat_messages(ep)
    assert not check_messages(msgs).held_back  # the rows' messages pass the same check
    calls = {c["id"] for m in msgs for c in m.get("tool_calls") or []}
    answered = [m["tool_call_id"] for m in msgs if m["role"] == "tool"]
    assert sorted(answered) == sorted(calls)  # every call answered once, by its own id


def test_an_unreadable_tool_result_with_an_injection_never_yields_rows(tmp_path, monkeypatch):
    """The issue's pydantic-ai v2 case: the poisoned result is lost, so screening sees nothing; the run must still
    give no SFT, KTO, DPO or reward row, and no quarantine candidate."""
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    settings = load_settings()
    poisoned = injected_run()
    poisoned.messages[3] = poisoned.messages[3].model_copy(update={"content": None})
    poisoned.undecoded = ["tool span span-fetch: tool_call_response part keyed 'result' not read"]
    bad = weather_bad()  # a bad run of another task: a DPO partner for nothing
    (result,) = curate(
        settings.curator, settings.paths, ListSource([poisoned, bad, weather_good()]), engines()
    )
    assert result.counts["held_back"] == {"undecoded content": 1}
    (held,) = result.held_back
    assert held["trace_id"] == poisoned.trace_id
    assert {f["defect"] for f in held["findings"]} == {"undecoded content", "unreadable tool result"}
    everything = versions.all_rows(settings.paths.datasets_dir, "acme", result.version)
    assert everything and all(poisoned.trace_id not in json.dumps([r.data, r.lineage]) for r in everything)
    assert INJECTION[:20] not in json.dumps([r.data for r in everything])
    manifest = versions.read_manifest(settings.paths.datasets_dir, "acme", result.version)
    assert manifest["counts"]["held_back"] == {"undecoded content": 1}
    assert [h["trace_id"] for h in manifest["held_back"]] == [poisoned.trace_id]


def test_a_run_held_back_while_incomplete_is_curated_once_its_result_arrives(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    settings = load_settings()
    complete = weather_good()
    cut = complete.model_copy(update={"messages": complete.messages[:3], "final_answer": None})
    source = ListSource([cut])
    (first,) = curate(settings.curator, settings.paths, source, engines())
    assert first.counts["held_back"] == {"tool call without result": 1} and first.version is None
    # the tool and final spans arrive late: the run is selected again, whole now
    late = complete.model_copy(update={"last_received_at": complete.last_received_at + timedelta(hours=1)})
    source.items = [late]
    (second,) = curate(settings.curator, settings.paths, source, engines())
    assert second.counts["held_back"] == {} and second.counts["new_rows"]["sft"] == 1


def test_earlier_rows_that_fail_the_check_pair_with_nothing():
    """A version written before the check may hold a row of a run ending on a tool call: no DPO partner."""
    good = sft_rows([_labelled(weather_good())])[0]
    cut = json.loads(json.dumps(good.data))
    cut["messages"] = cut["messages"][:3]  # ends on the assistant's tool call
    old = versions.DatasetRow("sft", cut, {**good.lineage, "trace_ids": ["cd" * 16]})
    assert [p.trace_id for p in partner_runs([good, old])] == [weather_good().trace_id]


def _labelled(ep):
    from tracewheel.curator.derive import Labelled
    from tracewheel.curator.label import label_episode
    from tracewheel.curator.settings import CuratorSettings

    from tracewheel.core.verifiers import verify

    return Labelled(ep, label_episode(ep, CuratorSettings(), verify), chat_messages(ep))


# --- the CLI --------------------------------------------------------------------------------------------------------

SAMPLES = Path("/work/shared/otel-samples")
T0 = 1_795_388_603_000_000_000
WEATHER_OK = "5940924a519c837dfebd220dcea4efc9"  # tool call round trip with the final answer
WEATHER_CUT = "ee55c34096a06b6a16a648839d31f9f1"  # the same question, the run stopped at the tool call
CUT_COPIES = {WEATHER_CUT, "6c30dcd553b2f7f6a32fd3bf8a65e602", "e8439e1c118f8a7129530c755593bb22"}


def _cli(home: Path, *args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(
        app, list(args), env={"TRACEWHEEL_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}, input=input
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    records = []
    for i, label in enumerate(
        ["openinference_default", "traceloop_default", "otel-v2_latest_span_and_event"]
    ):
        body = (SAMPLES / f"{label}.otlp.json").read_bytes()
        records.append(
            WalRecord(
                Signal.TRACES,
                "acme",
                T0 + i,
                parse_trace_request(body, "application/json").SerializeToString(),
            )
        )
    feedback = {
        "trace_id": WEATHER_OK,
        "score": 1.0,
        "thumb": "up",
        "comment": None,
        "corrected_answer": None,
    }
    records.append(WalRecord(Signal.FEEDBACK, "acme", T0 + 10, json.dumps(feedback).encode()))
    segments.flush_segment(home / "traces", 1, records)
    return home


@pytest.fixture(scope="module")
def curated(home):
    return _cli(home, "curate")


def test_curate_counts_held_back_runs(home, curated):
    assert "held back" in curated and "tool call without result: 3" in curated
    assert "tracewheel datasets held-back" in curated
    (version,) = [v["version"] for v in json.loads(_cli(home, "datasets", "list", "--json"))]
    manifest = json.loads(_cli(home, "datasets", "show", version, "--json"))
    assert manifest["counts"]["held_back"] == {"tool call without result": 3}
    assert {h["trace_id"] for h in manifest["held_back"]} == CUT_COPIES
    rows = [json.loads(line) for line in _cli(home, "datasets", "export", version).splitlines()]
    assert rows and not any(CUT_COPIES & set(r["lineage"]["trace_ids"]) for r in rows)


def test_curate_json_lists_the_held_back_runs(home, curated):
    (result,) = json.loads(_cli(home, "curate", "--json", "--since", "2020-01-01T00:00:00Z"))
    assert result["counts"]["held_back"] == {"tool call without result": 3}
    assert {h["trace_id"] for h in result["held_back"]} == CUT_COPIES
    assert {h["reason"] for h in result["held_back"]} == {"tool call without result"}


def test_episodes_show_states_the_integrity_verdict(home):
    shown = _cli(home, "episodes", "show", WEATHER_CUT)
    assert "held back: tool call without result" in shown
    assert "message 1 calls get_weather (id call_abc123) with no result" in shown
    assert "integrity" in _cli(home, "episodes", "show", WEATHER_OK) and "held back" not in _cli(
        home, "episodes", "show", WEATHER_OK
    )
    cut = json.loads(_cli(home, "episodes", "show", WEATHER_CUT, "--json"))
    assert cut["integrity"]["held_back"] and cut["integrity"]["reason"] == "tool call without result"
    assert {f["defect"] for f in cut["integrity"]["findings"]} == {
        "tool call without result",
        "no final answer",
    }
    ok = json.loads(_cli(home, "episodes", "show", WEATHER_OK, "--json"))
    assert ok["integrity"] == {"held_back": False, "reason": None, "findings": []}
    listed = {e["episode_id"]: e["held_back"] for e in json.loads(_cli(home, "episodes", "list", "--json"))}
    assert listed[WEATHER_CUT] == "tool call without result" and listed[WEATHER_OK] is None


def test_datasets_held_back_lists_runs_with_reasons(home):
    listed = json.loads(_cli(home, "datasets", "held-back", "--json"))
    assert {r["trace_id"] for r in listed} == CUT_COPIES
    assert all(r["tenant"] == "acme" and r["reason"] == "tool call without result" for r in listed)
    table = _cli(home, "datasets", "held-back", "--tenant", "acme")
    assert "3 run(s) held back" in table and WEATHER_CUT in table and "no final answer" in table
    assert (
        json.loads(_cli(home, "datasets", "held-back", "--limit", "1", "--json"))[0]["trace_id"] in CUT_COPIES
    )
    assert "no run is held back" in _cli(home, "datasets", "held-back", "--until", "2020-01-01T00:00:00Z")


def test_review_lists_the_held_back_runs_first(home, curated):
    (version,) = [v["version"] for v in json.loads(_cli(home, "datasets", "list", "--json"))]
    out = _cli(home, "datasets", "review", version, input="q\n")
    assert f"3 run(s) held back when {version} was curated" in out
    assert WEATHER_CUT in out and out.index(WEATHER_CUT) < out.index("to review")
