"""Stage 1: choose which episodes a curation run reads.

By default a run takes every episode the collector received anything for (a late span, late feedback) since the
tenant's last dataset version: the watermark. ``--since/--until`` select a time range instead and leave the
watermark where it was, so a back-fill never hides newer, not yet curated runs from the next default run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from tracewheel.collector.episode import Episode
from tracewheel.curator import versions

logger = logging.getLogger(__name__)


class EpisodeSource(Protocol):
    """What the curator needs from the trace store (``collector.store.TraceStore`` implements it)."""

    def tenants(self) -> list[str]: ...

    def episodes(
        self, tenant: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[Episode]: ...


@dataclass
class Selection:
    tenant: str
    mode: Literal["watermark", "range"]
    episodes: list[Episode]
    watermark_before: datetime | None
    watermark_after: datetime | None
    since: datetime | None = None
    until: datetime | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def describe(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "since": _iso(self.since),
            "until": _iso(self.until),
            "watermark_before": _iso(self.watermark_before),
            "watermark": _iso(self.watermark_after),
            "selected": len(self.episodes),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _aware(value: datetime) -> datetime:
    # Naive times from a user's --since are read as UTC, like every time the collector stores.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def received_at(episode: Episode) -> datetime:
    """When the collector last heard about the run; older episodes without it fall back to their end time."""
    return _aware(episode.last_received_at or episode.ended_at)


def last_watermark(datasets_dir: Path, tenant: str, watermark_file: Path | None = None) -> datetime | None:
    """The tenant's watermark: from ``watermark_file`` (written after every run, even one that changed no rows),
    else from its newest dataset version's manifest; None before the first run."""
    if watermark_file is not None and watermark_file.exists():
        mark = json.loads(watermark_file.read_text()).get("watermark")
        if mark:
            return _aware(datetime.fromisoformat(mark))
    for manifest in reversed(versions.list_versions(datasets_dir, tenant)):
        mark = (manifest.get("selection") or {}).get("watermark")
        if mark:
            return _aware(datetime.fromisoformat(mark))
    return None


def select_episodes(
    source: EpisodeSource,
    datasets_dir: Path,
    tenant: str,
    since: datetime | None = None,
    until: datetime | None = None,
    watermark_file: Path | None = None,
) -> Selection:
    """Episodes of ``tenant`` to curate: new since the watermark, or inside ``[since, until)`` when given."""
    if since and until and _aware(since) >= _aware(until):
        raise ValueError(f"since ({since.isoformat()}) must be before until ({until.isoformat()})")
    before = last_watermark(datasets_dir, tenant, watermark_file)
    if since is None and until is None:
        # The store filters on last activity (a run that started last week but got its feedback today is new);
        # its bound is inclusive, the watermark's is not.
        episodes = [
            e for e in source.episodes(tenant, since=before) if before is None or received_at(e) > before
        ]
        after = max((received_at(e) for e in episodes), default=before)
        mode: Literal["watermark", "range"] = "watermark"
    else:
        lo, hi = (_aware(since) if since else None), (_aware(until) if until else None)
        episodes = list(source.episodes(tenant, since=lo, until=hi))
        after, mode = before, "range"
    # Stable order so the same input always gives the same version id.
    episodes.sort(key=lambda e: (received_at(e), e.episode_id))
    wrong_tenant = [e for e in episodes if e.tenant != tenant]
    if wrong_tenant:
        logger.warning("skipping %d episodes whose tenant is not %s", len(wrong_tenant), tenant)
        episodes = [e for e in episodes if e.tenant == tenant]
    skipped = {"wrong tenant": len(wrong_tenant)} if wrong_tenant else {}
    return Selection(tenant, mode, episodes, before, after, since, until, skipped)
