"""Stage 1: the watermark and time-range selection (curator/select.py)."""

import json
from datetime import timedelta

import pytest
from _episode_fixtures import T0, ListSource, math_run, weather_bad, weather_good
from tracewheel.curator import versions
from tracewheel.curator.select import last_watermark, received_at, select_episodes
from tracewheel.curator.versions import DatasetRow


@pytest.fixture
def datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    return tmp_path / "datasets"


def _version_with_watermark(datasets, mark):
    row = DatasetRow("sft", {"messages": [{"role": "user", "content": str(mark)}]})
    versions.write_version(datasets, "acme", [row], {"selection": {"watermark": mark.isoformat()}})


def test_first_run_takes_everything_and_sets_the_watermark(datasets):
    eps = [weather_good(), weather_bad(), math_run()]
    sel = select_episodes(ListSource(eps), datasets, "acme")
    assert sel.mode == "watermark"
    assert sel.watermark_before is None
    assert [e.trace_id for e in sel.episodes] == [e.trace_id for e in sorted(eps, key=received_at)]
    assert sel.watermark_after == max(received_at(e) for e in eps)


def test_watermark_takes_only_runs_received_later_including_late_feedback(datasets):
    old, late = weather_good(minutes=0), weather_bad(minutes=1)
    _version_with_watermark(datasets, received_at(late))
    # feedback arrived later for the old run: its last_received_at moves past the watermark
    old.last_received_at = received_at(late) + timedelta(minutes=5)
    fresh = math_run(minutes=60)
    sel = select_episodes(ListSource([old, late, fresh]), datasets, "acme")
    assert {e.trace_id for e in sel.episodes} == {old.trace_id, fresh.trace_id}
    assert sel.watermark_before == received_at(late)
    assert sel.watermark_after == received_at(fresh)


def test_watermark_file_wins_over_manifest(datasets, tmp_path):
    _version_with_watermark(datasets, T0)
    wm = tmp_path / "wm.json"
    wm.write_text(json.dumps({"watermark": (T0 + timedelta(hours=1)).isoformat()}))
    assert last_watermark(datasets, "acme", wm) == T0 + timedelta(hours=1)
    assert last_watermark(datasets, "acme") == T0


def test_range_mode_keeps_the_watermark(datasets):
    eps = [weather_good(minutes=0), weather_bad(minutes=30), math_run(minutes=90)]
    _version_with_watermark(datasets, T0 + timedelta(hours=5))
    sel = select_episodes(
        ListSource(eps), datasets, "acme", since=T0 + timedelta(minutes=10), until=T0 + timedelta(hours=1)
    )
    assert [e.trace_id for e in sel.episodes] == [eps[1].trace_id]
    assert sel.mode == "range"
    assert sel.watermark_after == sel.watermark_before == T0 + timedelta(hours=5)


def test_since_after_until_is_refused(datasets):
    with pytest.raises(ValueError, match="since"):
        select_episodes(ListSource([]), datasets, "acme", since=T0 + timedelta(hours=1), until=T0)


def test_other_tenants_runs_never_leak(datasets):
    class Leaky(ListSource):
        def episodes(self, tenant, since=None, until=None):
            return list(self.items)

    sel = select_episodes(
        Leaky([weather_good(), math_run().model_copy(update={"tenant": "globex"})]), datasets, "acme"
    )
    assert [e.tenant for e in sel.episodes] == ["acme"]
    assert sel.skipped == {"wrong tenant": 1}
