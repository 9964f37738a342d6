"""Model usage per tenant from the stored GenAI metric points: tokens, calls, errors, duration percentiles.

Histogram points arrive as deltas or as cumulative series (the OTel SDK's default: every export repeats the totals
since the series started). Cumulative series are turned into deltas here, at read time, point by point, so a
window (``--since``) counts what happened in it, a retried export (the same point twice) counts once, and a restart
(a new start time) starts a new series instead of going negative. A delta belongs to the time of its point.

Percentiles come from the histogram buckets, assuming values spread evenly inside a bucket and clamped to the
points' min/max, so they are as fine as the instrumentation's buckets (the GenAI conventions advise doubling
buckets from 10 ms to 82 s for durations).

When a tenant sent both client-side (``gen_ai.client.*``) and server-side (``gen_ai.server.*``) metrics, they
describe the same calls from two ends: only the client side is counted then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from tracewheel.collector.metrics import DURATION, TOKEN_USAGE
from tracewheel.collector.metrics_store import read_records

GroupBy = Literal["model", "day"]
UNKNOWN_MODEL = "unknown"


class Usage(BaseModel):
    """One group's usage (a model, a day, or the tenant's total)."""

    key: str = Field(description="The model, the UTC day (YYYY-MM-DD), or 'total'.")
    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = Field(default=0, description="Operations timed (token-usage records when none was timed).")
    errors: int = Field(default=0, description="Timed operations that ended with an error.type.")
    duration_p50_s: float | None = None
    duration_p95_s: float | None = None


class TenantUsage(BaseModel):
    tenant: str
    by: GroupBy
    total: Usage
    groups: list[Usage]
    dropped_points: int = Field(description="Data points of other metrics, acknowledged and not stored.")
    dropped_by_metric: dict[str, int]


def _ns(when: datetime | None) -> int | None:
    if when is None:
        return None
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp() * 1e9)


def usage(
    metrics_dir: Path,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    by: GroupBy = "model",
) -> list[TenantUsage]:
    """Usage of ``tenant`` (every tenant with stored metrics for ``None``) in ``[since, until)``."""
    lo, hi = _ns(since), _ns(until)

    def inside(ns: int) -> bool:
        return (lo is None or ns >= lo) and (hi is None or ns < hi)

    points: dict[str, list[dict[str, Any]]] = defaultdict(list)
    dropped: dict[str, dict[str, int]] = defaultdict(dict)
    for record in read_records(metrics_dir, tenant):
        points[record.tenant].extend(record.points)
        if inside(record.received_at_unix_nano):
            counts = dropped[record.tenant]
            for name, n in record.dropped.items():
                counts[name] = counts.get(name, 0) + int(n)
    out = []
    for name in sorted(set(points) | set(dropped)):
        window = [p for p in to_deltas(points[name]) if inside(p["time_unix_nano"])]
        if any(p["metric"].startswith("gen_ai.client.") for p in window):
            window = [p for p in window if p["metric"].startswith("gen_ai.client.")]
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in window:
            groups[_key(p, by)].append(p)
        counts = dropped.get(name, {})
        out.append(
            TenantUsage(
                tenant=name,
                by=by,
                total=summarize("total", window),
                groups=[summarize(key, groups[key]) for key in sorted(groups)],
                dropped_points=sum(counts.values()),
                dropped_by_metric=dict(sorted(counts.items())),
            )
        )
    return out


def _key(point: dict[str, Any], by: GroupBy) -> str:
    if by == "day":
        return datetime.fromtimestamp(point["time_unix_nano"] / 1e9, UTC).strftime("%Y-%m-%d")
    return point.get("model") or UNKNOWN_MODEL


def summarize(key: str, points: Iterable[dict[str, Any]]) -> Usage:
    tokens = {"input": 0.0, "output": 0.0}
    token_records = 0
    durations: list[dict[str, Any]] = []
    for p in points:
        if p["kind"] == TOKEN_USAGE:
            if p.get("token_type") in tokens and p.get("sum") is not None:
                tokens[p["token_type"]] += p["sum"]
            if p.get("token_type") == "input":
                token_records += p["count"] or 0
        elif p["kind"] == DURATION:
            durations.append(p)
    return Usage(
        key=key,
        input_tokens=round(tokens["input"]),
        output_tokens=round(tokens["output"]),
        calls=sum(p["count"] for p in durations) if durations else token_records,
        errors=sum(p["count"] for p in durations if p.get("error_type")),
        duration_p50_s=quantile(durations, 0.5),
        duration_p95_s=quantile(durations, 0.95),
    )


# --- cumulative to delta ------------------------------------------------------------------------------------


def to_deltas(points: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Delta points: delta ones as they are, cumulative series as differences of consecutive points; a point seen
    twice (a retried export) once."""
    seen: set[tuple[str, int]] = set()
    out: list[dict[str, Any]] = []
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in points:
        identity = (p["series"], p["time_unix_nano"])
        if identity in seen:
            continue
        seen.add(identity)
        if p["temporality"] == "delta":
            out.append(p)
        else:
            series[p["series"]].append(p)
    for run in series.values():
        run.sort(key=lambda p: p["time_unix_nano"])
        previous = None
        for p in run:
            delta = p if previous is None else _minus(p, previous)
            previous = p
            if delta["count"] or (delta["count"] is None and delta.get("sum")):
                out.append(delta)
    return out


def _minus(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    if current["count"] is None:  # a counter: only its value
        if current.get("sum") is None or previous.get("sum") is None or current["sum"] < previous["sum"]:
            return current
        return {**current, "sum": current["sum"] - previous["sum"]}
    if previous["count"] is None or current["count"] < previous["count"]:
        return current  # the series restarted under the same start time: the new totals are all new
    count = current["count"] - previous["count"]
    total = None
    if current.get("sum") is not None and previous.get("sum") is not None:
        total = current["sum"] - previous["sum"]
    if current["bounds"] == previous["bounds"] and len(current["buckets"]) == len(previous["buckets"]):
        buckets = [a - b for a, b in zip(current["buckets"], previous["buckets"], strict=True)]
    else:
        # Rebucketed (an exponential histogram changed scale): spread the new count as the totals are spread.
        share = count / current["count"] if current["count"] else 0.0
        buckets = [round(c * share) for c in current["buckets"]]
    # min/max of the whole series still bound this delta's values, if loosely.
    return {**current, "count": count, "sum": total, "buckets": buckets}


# --- percentiles ------------------------------------------------------------------------------------------


def _intervals(point: dict[str, Any]) -> list[tuple[float, float, float]]:
    """``(low, high, count)`` pieces of one histogram point (low == high: a point mass)."""
    bounds, buckets = point["bounds"], point["buckets"]
    vmin, vmax = point.get("min"), point.get("max")
    if not buckets:
        # A summary (count and sum only): its mean, as a point mass.
        if point["count"] and point.get("sum") is not None:
            mean = point["sum"] / point["count"]
            return [(mean, mean, float(point["count"]))]
        return []
    pieces = []
    for i, count in enumerate(buckets):
        if count <= 0:
            continue
        low = (
            bounds[i - 1] if i > 0 else (vmin if vmin is not None else min(0.0, bounds[0]) if bounds else 0.0)
        )
        high = bounds[i] if i < len(bounds) else (vmax if vmax is not None else low)
        if vmin is not None:
            low = max(low, vmin)
        if vmax is not None:
            high = min(high, vmax)
        high = max(high, low)
        pieces.append((low, high, float(count)))
    return pieces


def quantile(points: Iterable[dict[str, Any]], q: float) -> float | None:
    """The ``q`` quantile of the values the histogram ``points`` counted together, or None when they count none."""
    pieces = [piece for p in points for piece in _intervals(p)]
    total = sum(c for _, _, c in pieces)
    if total <= 0:
        return None
    target = q * total

    def below(x: float, inclusive: bool) -> float:
        # Values counted up to x: spread pieces pro rata, point masses whole when at or below x.
        got = 0.0
        for low, high, count in pieces:
            if high > low:
                got += count * min(1.0, max(0.0, (x - low) / (high - low)))
            elif low < x or (inclusive and low == x):
                got += count
        return got

    edges = sorted({e for low, high, _ in pieces for e in (low, high)})
    previous_x, previous_f = edges[0], below(edges[0], inclusive=True)
    if previous_f >= target:
        return previous_x
    for x in edges[1:]:
        left = below(x, inclusive=False)
        if left >= target:
            span = left - previous_f
            return previous_x + (x - previous_x) * ((target - previous_f) / span if span else 1.0)
        f = below(x, inclusive=True)
        if f >= target:
            return x
        previous_x, previous_f = x, f
    return edges[-1]
