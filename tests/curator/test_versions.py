"""Dataset versions on disk, review decisions, quarantine release (curator/versions.py)."""

import json

import pyarrow.parquet as pq
import pytest
from tracewheel.curator import versions
from tracewheel.curator.versions import DatasetRow, quarantine_row

from tracewheel.core.errors import TracewheelError


def sft(text: str, trace: str = "t1") -> DatasetRow:
    return DatasetRow(
        "sft",
        {"messages": [{"role": "user", "content": text}, {"role": "assistant", "content": "ok"}]},
        {"trace_ids": [trace]},
    )


def canon(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


@pytest.fixture
def d(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    return tmp_path / "datasets"


def test_round_trip_and_content_address(d):
    rows = [sft("a"), sft("b"), DatasetRow("kto", {"prompt": [], "completion": [], "label": True})]
    m = versions.write_version(d, "acme", rows, {"parent": None})
    assert m["rows"] == {"sft": 2, "dpo": 0, "kto": 1, "rewards": 0, "quarantine": 0}
    again = versions.write_version(d, "acme", list(reversed(rows)))
    assert again["version"] == m["version"]
    assert [v["version"] for v in versions.list_versions(d, "acme")] == [m["version"]]
    got = versions.read_rows(d, "acme", m["version"], "sft")
    assert sorted(r.data["messages"][0]["content"] for r in got) == ["a", "b"]
    assert got[0].lineage == {"trace_ids": ["t1"]}


def test_a_crash_mid_write_leaves_no_half_version(d, monkeypatch):
    calls = []
    real = pq.write_table

    def dies_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(versions.pq, "write_table", dies_on_third)
    with pytest.raises(OSError, match="disk full"):
        versions.write_version(d, "acme", [sft("a")])
    assert list((d / "acme").iterdir()) == []
    assert versions.list_versions(d, "acme") == []


def test_training_rows_follow_decisions(d):
    a, b, c = sft("a"), sft("b"), sft("c")
    v = versions.write_version(d, "acme", [a, b, c])["version"]
    versions.record_decision(d, "acme", v, a.row_id, "accept")
    versions.record_decision(
        d, "acme", v, b.row_id, "edit", {"messages": [{"role": "user", "content": "B!"}]}
    )
    versions.record_decision(d, "acme", v, c.row_id, "accept")
    versions.record_decision(d, "acme", v, c.row_id, "reject")  # the latest decision wins
    taken = versions.training_rows(d, "acme", v, "sft")
    assert sorted(taken, key=canon) == sorted(
        [a.data, {"messages": [{"role": "user", "content": "B!"}]}], key=canon
    )
    assert len(versions.training_rows(d, "acme", v, "sft", reviewed_only=False)) == 2
    with pytest.raises(ValueError, match="kind"):
        versions.training_rows(d, "acme", v, "quarantine")


def test_quarantined_rows_train_only_after_release(d):
    single = DatasetRow("sft", sft("poisoned").data, {"trace_ids": ["bad1"], "quarantined_by": ["bad1"]})
    pair = DatasetRow(
        "dpo",
        {"prompt": [], "chosen": [{"role": "assistant", "content": "x"}], "rejected": []},
        {"trace_ids": ["bad1", "bad2"], "quarantined_by": ["bad1", "bad2"]},
    )
    q1 = quarantine_row("bad1", [{"excerpt": "IGNORE ALL"}], [single, pair], {"trace_ids": ["bad1"]})
    q2 = quarantine_row("bad2", [{"excerpt": "you are now"}], [pair], {"trace_ids": ["bad2"]})
    clean = sft("clean")
    v = versions.write_version(d, "acme", [q1, q2, clean])["version"]
    assert versions.training_rows(d, "acme", v, "sft", reviewed_only=False) == [clean.data]
    versions.record_decision(d, "acme", v, q1.row_id, "release")
    assert versions.training_rows(d, "acme", v, "sft") == [single.data]
    assert versions.training_rows(d, "acme", v, "dpo") == []  # needs bad2 released too
    edited = {**q2.data, "candidates": [{**q2.data["candidates"][0], "data": {**pair.data, "chosen": []}}]}
    versions.record_decision(d, "acme", v, q2.row_id, "release", edited)
    assert len(versions.training_rows(d, "acme", v, "dpo")) == 1  # one pair, not one per quarantine row
    versions.record_decision(d, "acme", v, q1.row_id, "reject")
    assert versions.training_rows(d, "acme", v, "sft") == []


def test_diff_carry_and_tenant_lookup(d):
    a, b, c = sft("a"), sft("b"), sft("c")
    v1 = versions.write_version(d, "acme", [a, b])["version"]
    versions.record_decision(d, "acme", v1, a.row_id, "accept")
    versions.record_decision(d, "acme", v1, b.row_id, "reject")
    v2 = versions.write_version(d, "acme", [a, c], {"parent": v1})["version"]
    diff = versions.diff_versions(d, "acme", v1, v2)
    assert diff["sft"] == {"added": [c.row_id], "removed": [b.row_id]}
    assert versions.carry_decisions(d, "acme", v1, v2) == 1
    assert versions.carry_decisions(d, "acme", v1, v2) == 0
    assert versions.decisions(d, "acme", v2)[a.row_id]["carried_from"] == v1
    assert versions.find_tenant(d, v2) == "acme"
    versions.write_version(d, "globex", [a, c])
    with pytest.raises(TracewheelError, match="pass --tenant"):
        versions.find_tenant(d, v2)
    assert versions.find_tenant(d, v2, "globex") == "globex"
    with pytest.raises(TracewheelError, match="not found"):
        versions.find_tenant(d, "ds-000000000000")
