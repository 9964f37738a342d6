"""Outcomes that arrive after the run: ``POST /v1/feedback`` (like scores in Langfuse).

A feedback item names a trace of the caller's own tenant plus any of ``score`` (number), ``thumb``
(``"up"``/``"down"``), ``comment`` and ``corrected_answer`` (strings). It is stored like spans: WAL first, then
``feedback/tenant=<t>/hour=<h>/*.parquet`` with ``FEEDBACK_SCHEMA``.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

FEEDBACK_SCHEMA = pa.schema(
    [
        pa.field("tenant", pa.string(), nullable=False),
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("score", pa.float64()),
        pa.field("thumb", pa.string()),
        pa.field("comment", pa.string()),
        pa.field("corrected_answer", pa.string()),
        pa.field("received_at_unix_nano", pa.int64(), nullable=False),
    ]
)

_TRACE_ID_RE = re.compile(r"[0-9a-f]{32}")
_FIELDS = ("score", "thumb", "comment", "corrected_answer")
MAX_TEXT = 64 * 1024


class FeedbackError(ValueError):
    """Invalid feedback; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def validate_feedback(doc: Any) -> dict[str, Any]:
    """Check a decoded JSON body; returns ``{"trace_id", "score", "thumb", "comment", "corrected_answer"}``."""
    if not isinstance(doc, dict):
        raise FeedbackError(422, "feedback must be a JSON object")
    unknown = sorted(set(doc) - {"trace_id", *_FIELDS})
    if unknown:
        raise FeedbackError(422, f"unknown field(s): {', '.join(unknown)}")
    trace_id = doc.get("trace_id")
    if (
        not isinstance(trace_id, str)
        or not _TRACE_ID_RE.fullmatch(trace_id.lower())
        or set(trace_id) == {"0"}
    ):
        raise FeedbackError(422, "trace_id must be 32 hex characters (the OTLP trace id)")
    if not any(doc.get(f) is not None for f in _FIELDS):
        raise FeedbackError(422, "give at least one of score, thumb, comment, corrected_answer")
    score = doc.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
            raise FeedbackError(422, "score must be a finite number")
        score = float(score)
    thumb = doc.get("thumb")
    if thumb is not None and thumb not in ("up", "down"):
        raise FeedbackError(422, "thumb must be 'up' or 'down'")
    out: dict[str, Any] = {"trace_id": trace_id.lower(), "score": score, "thumb": thumb}
    for name in ("comment", "corrected_answer"):
        value = doc.get(name)
        if value is not None and not isinstance(value, str):
            raise FeedbackError(422, f"{name} must be a string")
        if value is not None and len(value) > MAX_TEXT:
            raise FeedbackError(422, f"{name} is longer than {MAX_TEXT} characters")
        out[name] = value
    return out


def feedback_row(item: dict[str, Any], tenant: str, received_at_unix_nano: int) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "trace_id": item["trace_id"],
        "score": item.get("score"),
        "thumb": item.get("thumb"),
        "comment": item.get("comment"),
        "corrected_answer": item.get("corrected_answer"),
        "received_at_unix_nano": received_at_unix_nano,
    }


class TraceIndex:
    """Which trace ids a tenant has: recent ones in memory, older ones looked up in its Parquet segments.

    The in-memory part is filled on every acknowledged span (so feedback can follow a trace at once, before the
    flush) and bounded: the oldest ids fall back to the Parquet lookup.
    """

    def __init__(self, traces_dir: Path, max_recent: int = 500_000) -> None:
        self.traces_dir = Path(traces_dir)
        self.max_recent = max_recent
        self._recent: dict[str, dict[bytes, None]] = {}
        self._size = 0
        self._lock = threading.Lock()

    def add(self, tenant: str, trace_ids: Iterable[bytes]) -> None:
        with self._lock:
            recent = self._recent.setdefault(tenant, {})
            before = len(recent)
            recent.update(dict.fromkeys(trace_ids))
            self._size += len(recent) - before
            if self._size > self.max_recent:
                self._evict()

    def _evict(self) -> None:
        # Down to 3/4 of the bound, oldest first (dicts keep insertion order), so eviction is amortized.
        share = (self.max_recent * 3 // 4) // max(1, len(self._recent))
        for recent in self._recent.values():
            drop = max(0, len(recent) - share)
            if drop:
                for key in list(itertools.islice(recent, drop)):
                    del recent[key]
                self._size -= drop

    def known_recent(self, tenant: str, trace_id: str) -> bool:
        recent = self._recent.get(tenant)
        return recent is not None and bytes.fromhex(trace_id) in recent

    def known_in_segments(self, tenant: str, trace_id: str) -> bool:
        """Look in the tenant's own Parquet files only (slow path; call off the event loop)."""
        root = self.traces_dir / "spans" / f"tenant={tenant}"
        if not root.is_dir() or not any(root.glob("hour=*/*.parquet")):
            return False
        import duckdb  # only on this slow path: keeps the collector's start-up light

        pattern = str(root / "hour=*" / "*.parquet")
        with duckdb.connect() as con:
            row = con.execute(
                "SELECT 1 FROM read_parquet(?, hive_partitioning = false) WHERE trace_id = ? LIMIT 1",
                [pattern, trace_id],
            ).fetchone()
        return row is not None
