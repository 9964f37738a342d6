"""How many episodes arrived since a tenant's last cycle: what `tracewheel schedule --min-new-episodes` checks.

"New" is measured from the later of two marks:

* the curator's watermark (``curator/select.py``: the last activity of the newest episode the tenant's last
  curation read), so an episode counts exactly when the next curation would select it;
* the start of the tenant's last cycle, so a cycle that failed before it curated (its watermark did not move)
  is not retried on every check for the same episodes: only episodes that arrived after it started count.

Counting reads the trace store from that mark on (its hour partitions are pruned by it), and stops at ``limit``
when given, so a check costs about the episodes it needs to see, not the tenant's history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from tracewheel.collector.store import TraceStore
from tracewheel.config import Settings
from tracewheel.curator import versions
from tracewheel.curator.select import last_watermark
from tracewheel.loop.store import last_cycle

# The curator's selection is strictly after the watermark, the store's ``since`` is inclusive and both keep
# microseconds: one microsecond past the mark selects exactly what the next curation would.
_AFTER = timedelta(microseconds=1)


def watermark_file(datasets_dir: Path, tenant: str) -> Path:
    """Where ``curator/pipeline.py`` records a tenant's watermark after every curation (even one that made no
    version). Named here rather than imported: importing the pipeline loads the redaction engines."""
    return versions.tenant_dir(datasets_dir, tenant) / ".watermark.json"


def new_episodes_since(settings: Settings, tenant: str) -> datetime | None:
    """The time after which an episode of ``tenant`` is new; ``None`` before its first curation and cycle."""
    paths = settings.paths
    marks = [last_watermark(paths.datasets_dir, tenant, watermark_file(paths.datasets_dir, tenant))]
    cycle = last_cycle(paths.cycles_dir, tenant)
    if cycle is not None:
        marks.append(cycle.started_at)
    known = [m for m in marks if m is not None]
    return max(known) if known else None


def new_episode_count(settings: Settings, tenant: str, *, limit: int | None = None) -> int:
    """Episodes of ``tenant`` that arrived since its last curation or cycle (at most ``limit`` when given)."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    since = new_episodes_since(settings, tenant)
    store = TraceStore(settings.paths.traces_dir, settings.collector.object_store)
    return len(store.episodes(tenant, since=since + _AFTER if since else None, limit=limit))
