"""The canary monitor: reads served traffic's outcomes from the trace store and acts on the sequential test.

Outcomes. An episode counts for a canary when it started after the canary did and its ``adapter`` (the server's
``tracewheel.adapter``) is the candidate or the champion at the canary's start (``"base"`` for the base model). Its
outcome, in ``[0, 1]``, comes from the curator's labeller (``curator/label.py``, not re-implemented here), first
signal that applies:

1. a corrected answer: 0 (the user had to fix it);
2. the last feedback score, when it lies in ``[0, 1]`` (a score on another scale is not guessed at);
3. the last thumb: up 1, down 0;
4. the task verifier's reward on ``tracewheel.task`` / ``tracewheel.expected``, clipped to ``[0, 1]``.

An episode with none of these is not counted yet, and looked at again at the next check. Once counted, an outcome is
frozen: it is appended to ``outcomes/<canary_id>.jsonl`` in the order the monitor saw it, and the sequential test
pairs each arm's outcomes in that order. Recording them instead of re-sorting the store on every check keeps the
sequence's past fixed, which is what makes it valid to look at after every check (a late span cannot reorder
history). The sequence's running state is kept beside the log (``.cs.npz``), so a check consumes only new pairs.

Acting: ``promote`` makes the candidate champion, ``rollback`` retires it (the champion untouched, routing back to
it at once), both through ``canary.close_canary``, logged in ``decisions.jsonl`` with the evidence (counts, means,
the confidence sequence) the test decided on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from tracewheel.collector.episode import Episode
from tracewheel.collector.store import TraceStore
from tracewheel.curator.label import Label, default_verify_fn, label_episode
from tracewheel.curator.settings import CuratorSettings
from tracewheel.serving import canary
from tracewheel.serving.canary import CanaryState, CanaryStatus
from tracewheel.serving.sequential import BettingState, Decision, Evidence, decide_with_state
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterStatus

from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)

CANDIDATE_ARM = "candidate"
CHAMPION_ARM = "champion"


class CanaryReport(BaseModel):
    """What ``tracewheel canary status`` shows and the monitor acts on."""

    state: CanaryState
    evidence: Evidence
    new_outcomes: int = 0


def outcome_of(label: Label) -> tuple[float, str] | None:
    """The outcome in ``[0, 1]`` and which signal gave it, or None when the run has none yet."""
    if label.corrected_answer:
        return 0.0, "corrected"
    if label.score is not None and 0.0 <= label.score <= 1.0:
        return float(label.score), "score"
    if label.thumb is not None:
        return (1.0 if label.thumb == "up" else 0.0), "thumb"
    if label.verifier_reward is not None:
        return min(1.0, max(0.0, float(label.verifier_reward))), "verifier"
    return None


def _outcome_time(episode: Episode) -> datetime:
    times = [f.received_at for f in episode.feedback] or [episode.ended_at]
    return max(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)


LATE_WINDOW = timedelta(minutes=5)
"""Each check reads the episodes with activity since the previous check's start less this much: a record the
collector received (and stamped) just before that check may have reached its WAL just after, and the collector's
and the monitor's clocks may differ a little. Re-reading an episode is harmless (recorded ones are skipped)."""


def _watermark_path(paths: Paths, state: CanaryState) -> Path:
    return canary.outcomes_path(paths, state).with_suffix(".watermark")


def _read_watermark(paths: Paths, state: CanaryState) -> datetime:
    try:
        return datetime.fromisoformat(_watermark_path(paths, state).read_text().strip())
    except (FileNotFoundError, ValueError):
        return state.started_at


def record_outcomes(
    paths: Paths, state: CanaryState, curator: CuratorSettings, store: TraceStore | None = None
) -> int:
    """Append the outcomes of episodes not yet recorded for this canary; returns how many were added.

    Only episodes with new activity (a span or a feedback) since the last check are read: an outcome only ever
    appears with new activity, so an older episode without one has none yet.
    """
    store = store or TraceStore(paths.traces_dir)
    arms = {state.candidate: CANDIDATE_ARM, state.champion_arm: CHAMPION_ARM}
    verify = default_verify_fn()
    with canary.tenant_lock(paths, state.tenant):
        path = canary.outcomes_path(paths, state)
        seen = {row["trace_id"] for row in canary.read_jsonl(path)}
        checked_at = datetime.now(UTC)
        since = max(state.started_at, _read_watermark(paths, state) - LATE_WINDOW)
        fresh: list[tuple[datetime, str, dict[str, Any]]] = []
        for episode in store.episodes(state.tenant, since=since):
            started = (
                episode.started_at if episode.started_at.tzinfo else episode.started_at.replace(tzinfo=UTC)
            )
            arm = arms.get(episode.adapter or "")
            if arm is None or episode.trace_id in seen or started < state.started_at:
                continue
            found = outcome_of(label_episode(episode, curator, verify))
            if found is None:
                continue
            value, signal = found
            when = _outcome_time(episode)
            row = {"trace_id": episode.trace_id, "arm": arm, "outcome": value, "signal": signal, "at": when}
            fresh.append((when, episode.trace_id, row))
        fresh.sort(key=lambda item: (item[0], item[1]))
        if fresh:
            canary.append_jsonl(path, [row for _, _, row in fresh])
        canary.write_atomic(_watermark_path(paths, state), checked_at.isoformat())
        return len(fresh)


def evaluate(
    paths: Paths,
    state: CanaryState,
    curator: CuratorSettings | None = None,
    now: datetime | None = None,
    store: TraceStore | None = None,
) -> CanaryReport:
    """Record new outcomes and run the sequential test on all of them (no action taken)."""
    added = 0
    if state.status == CanaryStatus.RUNNING:
        added = record_outcomes(paths, state, curator or CuratorSettings(), store)
    rows = canary.read_jsonl(canary.outcomes_path(paths, state))
    candidate = [float(r["outcome"]) for r in rows if r.get("arm") == CANDIDATE_ARM]
    champion = [float(r["outcome"]) for r in rows if r.get("arm") == CHAMPION_ARM]
    # An ended canary is judged as of its end: its time cap must not "expire" it afterwards.
    now = state.ended_at if state.ended_at is not None else (now or datetime.now(UTC))
    evidence, test_state = decide_with_state(
        candidate,
        champion,
        alpha=state.alpha,
        margin=state.margin,
        min_samples=state.min_samples,
        max_samples=state.max_samples,
        expired=now - state.started_at >= timedelta(hours=state.max_duration_hours),
        state=_read_test_state(paths, state),
    )
    canary.write_atomic(_test_state_path(paths, state), test_state.to_bytes())
    return CanaryReport(state=state, evidence=evidence, new_outcomes=added)


def _test_state_path(paths: Paths, state: CanaryState) -> Path:
    return canary.outcomes_path(paths, state).with_suffix(".cs.npz")


def _read_test_state(paths: Paths, state: CanaryState) -> BettingState | None:
    """The confidence sequence's state after the last check (``lift_cs`` ignores one that does not fit)."""
    try:
        return BettingState.from_bytes(_test_state_path(paths, state).read_bytes())
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a torn or foreign file only costs a recomputation from the outcome log
        logger.warning("canary %s: unreadable test state, recomputing", state.canary_id)
        return None


def check_canary(
    paths: Paths, tenant: str, curator: CuratorSettings | None = None, now: datetime | None = None
) -> CanaryReport | None:
    """Evaluate the tenant's running canary and act on the decision; None when it has none running."""
    state = canary.active_state(paths, tenant)
    if state is None:
        return None
    # The registry moved under the canary (a promotion or rollback by hand, the candidate deleted): its control
    # arm or its candidate is gone, so there is nothing left to compare; stop it without a decision.
    candidate_status = canary.candidate_status(paths, state)
    champ = registry.champion(paths.adapters_dir, tenant)
    champion_now = champ.adapter_id if champ else None
    if candidate_status != AdapterStatus.CANARY or champion_now != state.champion:
        reason = (
            f"candidate is {candidate_status or 'gone'} in the registry"
            if candidate_status != AdapterStatus.CANARY
            else f"champion changed to {champion_now or 'the base model'}"
        )
        canary.close_canary(paths, state, CanaryStatus.STOPPED, "monitor", reason, None)
        return None
    report = evaluate(paths, state, curator, now)
    evidence = report.evidence
    if evidence.decision == Decision.STILL_COLLECTING:
        return report
    outcome = CanaryStatus.PROMOTED if evidence.decision == Decision.PROMOTE else CanaryStatus.ROLLED_BACK
    reason = f"canary {evidence.decision}: {evidence.rule}"
    report.state = canary.close_canary(paths, state, outcome, "monitor", reason, evidence)
    logger.info(
        "tenant %s: %s %s (lift in [%.3f, %.3f], %d/%d outcomes)",
        tenant,
        evidence.decision,
        state.candidate,
        evidence.lower,
        evidence.upper,
        evidence.n_candidate,
        evidence.n_champion,
    )
    return report


def running_tenants(paths: Paths) -> list[str]:
    if not paths.serving_dir.is_dir():
        return []
    return sorted(
        d.name
        for d in paths.serving_dir.iterdir()
        if d.is_dir() and canary.active_state(paths, d.name) is not None
    )


def check_all(paths: Paths, curator: CuratorSettings | None = None) -> dict[str, CanaryReport | None]:
    reports: dict[str, CanaryReport | None] = {}
    for tenant in running_tenants(paths):
        try:
            reports[tenant] = check_canary(paths, tenant, curator)
        except Exception:  # one tenant's broken state must not stop the others' canaries
            logger.exception("canary check failed for tenant %s", tenant)
    return reports


async def monitor_canaries(
    serving: ServingSettings, paths: Paths, stop: asyncio.Event, curator: CuratorSettings | None = None
) -> None:
    """Check every tenant's canary every ``serving.canary_check_seconds`` until ``stop`` is set.

    ``curator``: the operator's outcome rules (``settings.curator``: task verifiers); the defaults without it.
    The checks read Parquet and run numpy, so they run in a worker thread, off the server's event loop.
    """
    interval = serving.canary_check_seconds
    if interval <= 0:
        return
    while not stop.is_set():
        try:
            await asyncio.to_thread(check_all, paths, curator)
        except Exception:
            logger.exception("canary monitor pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
