"""``new_episode_count``: episodes in the real trace store since the tenant's curation watermark or its last cycle's
start, whichever is later."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from _schedule_home import write_episodes

from tracewheel.config import Settings
from tracewheel.loop import store
from tracewheel.loop.cycle import Cycle
from tracewheel.loop.triggers import new_episode_count, new_episodes_since, watermark_file


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path)


def write_watermark(settings: Settings, tenant: str, mark: datetime) -> None:
    """What the curator records after a curation (curator/pipeline.py ``_save_watermark``)."""
    path = watermark_file(settings.paths.datasets_dir, tenant)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"watermark": mark.isoformat(), "version": None}))


def test_counts_every_episode_before_the_first_curation(settings):
    assert new_episode_count(settings, "acme") == 0
    write_episodes(settings.home, "acme", 3)
    write_episodes(settings.home, "globex", 1)
    assert new_episode_count(settings, "acme") == 3
    assert new_episode_count(settings, "acme", limit=2) == 2
    assert new_episode_count(settings, "globex") == 1
    assert new_episodes_since(settings, "acme") is None


def test_counts_from_the_watermark_exclusive(settings):
    t0 = datetime.now(UTC) - timedelta(hours=3)
    write_episodes(settings.home, "acme", 2, received=t0)
    write_episodes(settings.home, "acme", 1, received=t0 + timedelta(hours=1))
    # The watermark is the last activity of the newest episode curated: that one is not new any more.
    write_watermark(settings, "acme", t0)
    assert new_episode_count(settings, "acme") == 1
    write_watermark(settings, "acme", t0 + timedelta(hours=1))
    assert new_episode_count(settings, "acme") == 0
    write_episodes(settings.home, "acme", 2)
    assert new_episode_count(settings, "acme") == 2


def test_a_cycle_that_did_not_curate_still_resets_the_count(settings):
    # A cycle that failed before curating leaves the watermark where it was; the episodes it saw must not trigger
    # the next check again, only episodes that arrived after it started.
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    write_episodes(settings.home, "acme", 4, received=t0)
    cycle = Cycle.new("acme", "new_episodes")
    store.save_cycle(settings.paths.cycles_dir, cycle)
    assert new_episodes_since(settings, "acme") == cycle.started_at
    assert new_episode_count(settings, "acme") == 0
    write_episodes(settings.home, "acme", 1, received=cycle.started_at + timedelta(seconds=1))
    assert new_episode_count(settings, "acme") == 1
    # A later watermark (episodes curated that arrived after the cycle started) wins.
    write_watermark(settings, "acme", cycle.started_at + timedelta(seconds=1))
    assert new_episode_count(settings, "acme") == 0


def test_limit_must_be_positive(settings):
    with pytest.raises(ValueError, match="limit must be >= 1"):
        new_episode_count(settings, "acme", limit=0)
