"""Every recorded framework capture (tests/collector/captures/*.json, made by captures/record.py with the real
framework and instrumentation installed from the registry) replays into one right episode per run, and through
the real curator: PII redacted, the injected run quarantined. docs/08-frameworks.md is generated from these."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _framework_capture import INJECTION, Capture, captures, check_episode, episodes, load_capture
from tracewheel.collector import segments
from tracewheel.collector.otlp import parse_logs_request, parse_trace_request
from tracewheel.collector.store import TraceStore
from tracewheel.collector.wal import Signal, WalRecord

from tracewheel.config import load_settings

CAPTURES = captures()


@pytest.fixture(scope="module")
def loaded() -> dict[str, Capture]:
    return {path.stem: load_capture(path) for path in CAPTURES}


@pytest.mark.parametrize("name", [p.stem for p in CAPTURES])
def test_capture_replays_into_one_right_episode_per_run(name: str, loaded: dict[str, Capture]) -> None:
    capture = loaded[name]
    found = episodes(capture.spans, capture.logs)
    expect = capture.expect
    assert len(found) == expect["episodes"], [e.trace_id for e in found]
    if expect["episodes"] == 1:
        check_episode(found[0], capture.scenario, expect)
        return
    # One trace per model call (no root span): the last call's trace holds the whole run; the earlier ones end on
    # a tool call and have no final answer, so nothing downstream takes them for a finished run.
    check_episode(found[-1], capture.scenario, expect)
    for episode in found[:-1]:
        assert episode.final_answer is None and episode.messages[-1].tool_calls, episode.messages[-1]


def _store_with(captures_: list[Capture], home: Path) -> TraceStore:
    records = []
    for i, capture in enumerate(captures_):
        doc = json.loads(capture.path.read_text())
        body = parse_trace_request(json.dumps(doc["traces"]).encode(), "application/json")
        records.append(
            WalRecord(Signal.TRACES, "acme", 1_800_000_000_000_000_000 + i, body.SerializeToString())
        )
        if doc.get("logs"):
            logs = parse_logs_request(json.dumps(doc["logs"]).encode(), "application/json")
            records.append(
                WalRecord(Signal.LOGS, "acme", 1_800_000_000_000_000_000 + i, logs.SerializeToString())
            )
    segments.flush_segment(home, 1, records)
    return TraceStore(home)


@pytest.mark.skipif(not CAPTURES, reason="no captures recorded")
def test_curating_captures_redacts_pii_quarantines_injections_and_trains_no_cut_short_run(
    loaded: dict[str, Capture], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracewheel.curator import versions
    from tracewheel.curator.pipeline import Engines, curate
    from tracewheel.curator.redaction.redact import Redactor
    from tracewheel.curator.screening.screen import Screener

    from tracewheel.core.verifiers import verify

    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    settings = load_settings()
    # The PII and injection runs of every capture (the weather and parallel runs add nothing here).
    chosen = [c for c in loaded.values() if c.scenario.pii or c.scenario.injected]
    store = _store_with(chosen, settings.paths.traces_dir)
    (result,) = curate(
        settings.curator, settings.paths, store, Engines(Redactor(), Screener(), verify), tenant="acme"
    )
    rows = versions.all_rows(settings.paths.datasets_dir, "acme", result.version)
    text = json.dumps([r.data for r in rows], ensure_ascii=False)
    quarantined = {t for r in rows if r.kind == "quarantine" for t in r.lineage.get("trace_ids", [])}
    trained = {t for r in rows if r.kind != "quarantine" for t in r.lineage.get("trace_ids", [])}
    for capture in chosen:
        for value in capture.scenario.pii:
            assert value not in text, (capture.path.name, value)
        for episode in episodes(capture.spans, capture.logs):
            name = f"{capture.path.name} trace {episode.trace_id}"
            if episode.final_answer is None:  # a run cut short (one model call of a run without a root span)
                assert episode.trace_id not in trained, name
            if any(m.role == "tool" and m.content == INJECTION for m in episode.messages):
                assert episode.trace_id not in trained, name
                # A whole run is screened and quarantined; one held back as incomplete never gets that far.
                if episode.final_answer is not None and not episode.undecoded:
                    assert episode.trace_id in quarantined, name
            elif capture.expect["episodes"] == 1:
                assert episode.trace_id not in quarantined, name
