"""The held-out split (curator/split.py): stratified by task, grouped by conversation, stable, append-only, and
read by the curator so no dataset version holds a row of a held-out run."""

import json

import pytest
from _evals_fixtures import arithmetic_episode, curate_episodes
from tracewheel.curator import versions
from tracewheel.curator.split import (
    Side,
    assign_split,
    group_hash,
    load_heldout_examples,
    load_split,
    split_dir,
)

from tracewheel.config import load_settings


def test_fraction_is_kept_per_task_and_small_tasks_get_their_minimum(tmp_path):
    big = [arithmetic_episode(i) for i in range(200)]
    small = [arithmetic_episode(1000 + i, task="lookup") for i in range(5)]
    untasked = [arithmetic_episode(2000 + i, task=None) for i in range(4)]
    split = assign_split(tmp_path, "acme", big + small + untasked, 0.2, 2)
    counts = split.counts()
    assert 0.12 < counts["arithmetic"]["heldout"] / 200 < 0.28
    assert counts["lookup"]["heldout"] >= 2 and counts["lookup"]["train"] >= 2
    assert counts[""]["heldout"] == 2  # no task is a stratum of its own, with its floor too
    # the groups the hash rule holds out are exactly those below the fraction (where the floor did not add)
    records = [
        json.loads(x) for x in (split_dir(tmp_path, "acme") / "assignments.jsonl").read_text().splitlines()
    ]
    for r in records:
        below = group_hash("acme", r["group"]) < 0.2
        assert (r["rule"] == "hash below fraction") == (below and r["side"] == "heldout")


def test_a_conversation_never_sits_on_both_sides(tmp_path):
    episodes = [arithmetic_episode(i, conversation=f"conv-{i % 7}") for i in range(70)]
    split = assign_split(tmp_path, "acme", episodes[:35], 0.3, 1)
    split = assign_split(tmp_path, "acme", episodes[35:], 0.3, 1)  # later episodes of the same conversations
    sides: dict[str, set[Side]] = {}
    for e in episodes:
        sides.setdefault(e.conversation_id, set()).add(split.side(e.episode_id))
    assert all(len(s) == 1 for s in sides.values())
    assert any(s == {Side.HELDOUT} for s in sides.values())


def test_assignment_is_stable_and_recorded_once(tmp_path):
    episodes = [arithmetic_episode(i) for i in range(50)]
    first = assign_split(tmp_path, "acme", episodes[:30], 0.2, 2)
    again = assign_split(tmp_path, "acme", episodes, 0.2, 2)
    assert {e: again.side(e) for e in first.episodes} == first.episodes
    lines = (split_dir(tmp_path, "acme") / "assignments.jsonl").read_text().splitlines()
    assert len(lines) == 50  # each episode once, forever
    # another home, another arrival order: the same hash decides the same groups
    other = assign_split(tmp_path / "other", "acme", list(reversed(episodes)), 0.2, 0)
    by_hash = {e.episode_id for e in episodes if group_hash("acme", f"episode:{e.episode_id}") < 0.2}
    assert other.heldout_episodes() == by_hash


def test_a_torn_last_line_is_ignored_and_the_next_append_stays_readable(tmp_path):
    assign_split(tmp_path, "acme", [arithmetic_episode(i) for i in range(5)], 0.2, 0)
    path = split_dir(tmp_path, "acme") / "assignments.jsonl"
    with open(path, "a") as fh:
        fh.write('{"episode_id": "torn", "gro')  # a crash mid-write
    assert len(load_split(tmp_path, "acme").episodes) == 5
    assign_split(tmp_path, "acme", [arithmetic_episode(i) for i in range(5, 8)], 0.2, 0)
    assert len(load_split(tmp_path, "acme").episodes) == 8


@pytest.fixture
def split_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    monkeypatch.setenv("TRACEWHEEL_CURATOR__HELDOUT_FRACTION", "0.2")
    monkeypatch.setenv("TRACEWHEEL_CURATOR__HELDOUT_MIN_PER_TASK", "2")
    return load_settings()


def _row_traces(settings, version):
    rows = versions.all_rows(settings.paths.datasets_dir, "acme", version)
    return {t for r in rows for t in r.lineage.get("trace_ids", [])}


def test_curate_never_puts_a_heldout_run_in_a_dataset_version(split_settings):
    s = split_settings
    first = curate_episodes(s, [arithmetic_episode(i) for i in range(12)])
    heldout = load_split(s.paths.splits_dir, "acme").heldout_episodes()
    assert len(heldout) >= 2
    assert first.counts["heldout"]["episodes"] == len(heldout)
    assert first.counts["heldout"]["rows_dropped"] > 0
    assert not heldout & _row_traces(s, first.version)
    examples = load_heldout_examples(s.paths.splits_dir, "acme")
    assert {e["episode_id"] for e in examples} == heldout
    assert all(e["verifier"]["type"] == "normalized" for e in examples)

    # a later batch: new runs are split too, old held-out runs stay out of the new version
    second = curate_episodes(s, [arithmetic_episode(i) for i in range(12, 24)])
    heldout = load_split(s.paths.splits_dir, "acme").heldout_episodes()
    assert second.version != first.version
    assert not heldout & _row_traces(s, second.version)
    assert len(_row_traces(s, second.version)) > 10


def test_deleting_a_tenant_or_a_trace_forgets_its_split(tmp_path):
    from tracewheel.curator.split import delete_tenant, purge_trace

    episodes = [arithmetic_episode(i) for i in range(6)]
    assign_split(tmp_path, "acme", episodes, 0.5, 3)
    gone = episodes[0].trace_id
    assert purge_trace(tmp_path, "acme", gone) == 1
    assert (
        gone not in load_split(tmp_path, "acme").episodes and len(load_split(tmp_path, "acme").episodes) == 5
    )
    assert delete_tenant(tmp_path, "acme") and not split_dir(tmp_path, "acme").exists()
