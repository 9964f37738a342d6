"""Curation fixtures both tests/curator and tests/evals use: an in-memory episode source and the real engines."""

from __future__ import annotations

import functools
from datetime import datetime

from tracewheel.collector.episode import Episode


class ListSource:
    """An in-memory episode source with TraceStore's interface and time semantics (last activity in [since, until))."""

    def __init__(self, episodes: list[Episode]) -> None:
        self.items = list(episodes)

    def tenants(self) -> list[str]:
        return sorted({e.tenant for e in self.items})

    def episodes(
        self, tenant: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[Episode]:
        return [
            e
            for e in self.items
            if e.tenant == tenant
            and (since is None or e.last_received_at >= since)
            and (until is None or e.last_received_at < until)
        ]


@functools.cache
def engines():
    """The real redactor, screener and verifier, built once per test process."""
    from tracewheel.curator.pipeline import Engines
    from tracewheel.curator.redaction.redact import Redactor
    from tracewheel.curator.screening.screen import Screener

    from tracewheel.core.verifiers import verify

    return Engines(Redactor(), Screener(), verify)
