"""The scheduler service behind `tracewheel schedule`: flywheel cycles on a cron expression and/or whenever enough
new episodes arrived, one cycle at a time.

Two APScheduler jobs on a ``BackgroundScheduler``:

* ``cron`` runs a cycle for every tenant at each time of the crontab expression;
* ``new_episodes`` checks every ``poll_seconds`` (and once at start) how many episodes arrived per tenant since its
  last cycle (``loop/triggers.py``) and runs a cycle for each tenant with at least ``min_new_episodes``.

Never two cycles at once: both jobs take one service-wide lock before starting cycles; a trigger that finds it
held is recorded as ``skipped`` at once rather than queued behind the running cycle (the new-episode check just
waits for its next turn, which counts what arrived meanwhile), and each job has ``max_instances=1``. Across
processes, the loop's per-tenant lock (``loop/lock.py``) turns a cycle already running elsewhere (a manual
``tracewheel run``) into ``CycleBusy``, recorded as ``skipped`` too. Missed run times coalesce into one run
(``coalesce=True``); a cron time missed by more than ``CRON_GRACE_S`` (the machine was asleep) is recorded as
``missed`` and the next one is waited for.

Stopping (``request_stop``, which the CLI calls from its SIGTERM/SIGINT handler) starts no new cycle and lets the
running one finish before ``run`` returns. A cycle that raises is recorded and the service keeps running.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from rich.console import Console

from tracewheel.collector.store import TraceStore
from tracewheel.collector.tenants import list_tenants
from tracewheel.config import ScheduleSettings, Settings
from tracewheel.core.errors import TracewheelError
from tracewheel.loop.triggers import new_episode_count
from tracewheel.schedule.cron import parse_cron
from tracewheel.schedule.records import ERROR_OUTCOME, Event, RecordLog, ScheduleRecord, Trigger

logger = logging.getLogger(__name__)

CycleFn = Callable[..., Any]
"""``run_cycle(settings, tenant, *, trigger=..., console=...) -> Cycle`` (``loop/runner.py``) or a stand-in."""

CRON_GRACE_S = 3600
"""A cron time the scheduler wakes up to late by at most this much (a suspended laptop) still runs, once."""
_WAIT_TICK_S = 0.2  # how often ``run`` looks at the stop flag


@dataclass(frozen=True)
class SchedulePlan:
    """What the service does: the ``[schedule]`` settings with the command line's overrides applied."""

    cron: str | None
    min_new_episodes: int | None
    poll_seconds: float
    tenants: tuple[str, ...]
    max_cycles: int | None = None

    def describe(self) -> str:
        parts = []
        if self.cron:
            parts.append(f"cron {self.cron!r}")
        if self.min_new_episodes:
            parts.append(f">= {self.min_new_episodes} new episodes (checked every {self.poll_seconds:g}s)")
        parts.append("tenants " + (", ".join(self.tenants) if self.tenants else "all"))
        if self.max_cycles:
            parts.append(f"stop after {self.max_cycles} cycles")
        return "; ".join(parts)


def make_plan(
    settings: ScheduleSettings,
    *,
    cron: str | None = None,
    min_new_episodes: int | None = None,
    poll_seconds: float | None = None,
    tenants: Sequence[str] = (),
    max_cycles: int | None = None,
) -> SchedulePlan:
    """Options over settings; ``TracewheelError`` when no trigger is set or a value is out of range."""
    plan = SchedulePlan(
        cron=cron if cron is not None else settings.cron,
        min_new_episodes=min_new_episodes if min_new_episodes is not None else settings.min_new_episodes,
        poll_seconds=poll_seconds if poll_seconds is not None else settings.poll_seconds,
        tenants=tuple(tenants) or tuple(settings.tenants),
        max_cycles=max_cycles,
    )
    if not plan.cron and plan.min_new_episodes is None:
        raise TracewheelError(
            "nothing to schedule: give --cron and/or --min-new-episodes (or set schedule.cron / "
            "schedule.min_new_episodes)"
        )
    if plan.min_new_episodes is not None and plan.min_new_episodes < 1:
        raise TracewheelError(f"--min-new-episodes must be at least 1, got {plan.min_new_episodes}")
    if plan.poll_seconds <= 0:
        raise TracewheelError(f"--poll-seconds must be positive, got {plan.poll_seconds:g}")
    if plan.max_cycles is not None and plan.max_cycles < 1:
        raise TracewheelError(f"--max-cycles must be at least 1, got {plan.max_cycles}")
    if plan.cron:
        parse_cron(plan.cron, source="--cron" if cron is not None else "schedule.cron")
    return plan


def _default_cycle_fn() -> CycleFn:
    # Imported when the service is built, not with this module: the runner brings the training stack.
    from tracewheel.loop.runner import run_cycle

    return run_cycle


def _is_busy(exc: TracewheelError) -> bool:
    from tracewheel.loop.lock import CycleBusy

    return isinstance(exc, CycleBusy)


class ScheduleService:
    """Runs cycles as ``plan`` says until stopped; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        plan: SchedulePlan,
        *,
        cycle_fn: CycleFn | None = None,
        console: Console | None = None,
        on_record: Callable[[ScheduleRecord], None] | None = None,
    ) -> None:
        self.settings = settings
        self.plan = plan
        self._cycle_fn = cycle_fn or _default_cycle_fn()
        self._console = console
        self._on_record = on_record
        self._log = RecordLog(settings.paths.cycles_dir)
        # One cycle at a time across both jobs; held for a job's whole batch of tenants.
        self._cycle_lock = threading.Lock()
        self._running: str | None = None  # "tenant (trigger)" of the cycle under way, for skip records
        self._stop_reason: str | None = None  # set (only) by request_stop: a plain attribute is signal-safe
        self.cycles_run = 0
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)},  # one thread per job, never two cycles
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Add the jobs and start the scheduler's thread; returns at once."""
        detail = self.plan.describe()
        if self.plan.cron:
            trigger: BaseTrigger = parse_cron(self.plan.cron)
            self.scheduler.add_job(
                self._cron_job, trigger, id=Trigger.CRON.value, name="cron", misfire_grace_time=CRON_GRACE_S
            )
            upcoming = trigger.get_next_fire_time(None, datetime.now(UTC))
            if upcoming is not None:
                detail += f"; next cron run {upcoming.isoformat(timespec='seconds')}"
        if self.plan.min_new_episodes is not None:
            self.scheduler.add_job(
                self._poll_job,
                IntervalTrigger(seconds=self.plan.poll_seconds),
                id=Trigger.NEW_EPISODES.value,
                name="new_episodes",
                next_run_time=datetime.now(UTC),  # check once at start: episodes may be waiting already
                misfire_grace_time=None,  # a late check is as good as a timely one
            )
        self.scheduler.add_listener(self._on_scheduler_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        # Recorded before the jobs can run: the first check at start may begin a cycle at once.
        self._record(ScheduleRecord(event=Event.SERVICE_STARTED, detail=detail))
        self.scheduler.start()

    def request_stop(self, reason: str) -> None:
        """Start no new cycle and make ``wait`` return once the running one (if any) ends. Safe in a signal
        handler: it only sets an attribute."""
        if self._stop_reason is None:
            self._stop_reason = reason

    @property
    def stopping(self) -> bool:
        return self._stop_reason is not None

    @property
    def running(self) -> str | None:
        """The cycle under way, as "tenant (trigger)", or None."""
        return self._running

    def wait(self) -> None:
        """Block until a stop is requested, then shut the scheduler down, waiting for a running cycle."""
        while not self.stopping:
            time.sleep(_WAIT_TICK_S)
        self.scheduler.shutdown(wait=True)
        self._record(
            ScheduleRecord(
                event=Event.SERVICE_STOPPED, detail=f"{self._stop_reason}; {self.cycles_run} cycles run"
            )
        )

    def run(self) -> None:
        self.start()
        self.wait()

    # --- the jobs ------------------------------------------------------------------------------------------------

    def tenants(self) -> list[str]:
        """The plan's tenants, else every tenant known now (the tenants file and the trace store)."""
        if self.plan.tenants:
            return list(self.plan.tenants)
        paths = self.settings.paths
        known = {t.name for t in list_tenants(paths.tenants_file)}
        known.update(TraceStore(paths.traces_dir, self.settings.collector.object_store).tenants())
        return sorted(known)

    def _tenants_now(self) -> list[str]:
        try:
            return self.tenants()
        except Exception as exc:  # noqa: BLE001 - an unreadable tenants file must not end the service
            logger.warning("could not list the tenants: %s; trying again at the next trigger", exc)
            return []

    def _cron_job(self) -> None:
        self._run_cycles(Trigger.CRON, [(tenant, None) for tenant in self._tenants_now()])

    def _poll_job(self) -> None:
        if self.stopping or self._cycle_lock.locked():
            return  # the next check after the running cycle counts what arrived meanwhile
        threshold = self.plan.min_new_episodes
        assert threshold is not None
        due = []
        for tenant in self._tenants_now():
            try:
                count = new_episode_count(self.settings, tenant, limit=threshold)
            except Exception as exc:  # noqa: BLE001 - one tenant's unreadable store must not stop the others
                logger.warning("could not count new episodes of tenant %s: %s", tenant, exc)
                continue
            if count >= threshold:
                due.append((tenant, count))
        self._run_cycles(Trigger.NEW_EPISODES, due)

    def _run_cycles(self, trigger: Trigger, due: list[tuple[str, int | None]]) -> None:
        if not due or self.stopping:
            return
        if not self._cycle_lock.acquire(blocking=False):
            for tenant, count in due:
                self._record(
                    ScheduleRecord(
                        event=Event.SKIPPED,
                        tenant=tenant,
                        trigger=trigger,
                        new_episodes=count,
                        detail=f"a cycle is running ({self._running or 'starting'})",
                    )
                )
            return
        try:
            for tenant, count in due:
                if self.stopping:
                    break
                self._run_one(trigger, tenant, count)
                if self.plan.max_cycles is not None and self.cycles_run >= self.plan.max_cycles:
                    self.request_stop(f"ran {self.cycles_run} cycles (--max-cycles)")
        finally:
            self._cycle_lock.release()

    def _run_one(self, trigger: Trigger, tenant: str, count: int | None) -> None:
        base = {"tenant": tenant, "trigger": trigger, "new_episodes": count}
        self._running = f"{tenant} ({trigger.value})"
        self._record(ScheduleRecord(event=Event.STARTED, **base))
        began = time.monotonic()
        try:
            cycle = self._cycle_fn(self.settings, tenant, trigger=trigger.value, console=self._console)
        except TracewheelError as exc:
            if _is_busy(exc):
                self._record(ScheduleRecord(event=Event.SKIPPED, detail=str(exc), **base))
                return
            self._finished(base, began, None, ERROR_OUTCOME, str(exc))
        except Exception as exc:  # noqa: BLE001 - a failing cycle is recorded; the service keeps running
            logger.exception("cycle for tenant %s raised", tenant)
            self._finished(base, began, None, ERROR_OUTCOME, f"{type(exc).__name__}: {exc}")
        else:
            error = getattr(cycle, "error", None)
            outcome = getattr(cycle, "outcome", None)
            self._finished(base, began, getattr(cycle, "cycle_id", None), str(outcome), error)
        finally:
            self._running = None

    def _finished(
        self, base: dict[str, Any], began: float, cycle_id: str | None, outcome: str, detail: str | None
    ) -> None:
        self.cycles_run += 1
        duration = round(time.monotonic() - began, 3)
        self._record(
            ScheduleRecord(
                event=Event.FINISHED,
                cycle_id=cycle_id,
                outcome=outcome,
                duration_s=duration,
                detail=detail,
                **base,
            )
        )

    # --- records -------------------------------------------------------------------------------------------------

    def _on_scheduler_event(self, event: JobEvent) -> None:
        trigger = Trigger(event.job_id)
        if event.code == EVENT_JOB_MISSED:
            when = event.scheduled_run_time.astimezone(UTC).isoformat(timespec="seconds")
            self._record(
                ScheduleRecord(event=Event.MISSED, trigger=trigger, detail=f"run time {when} missed")
            )
        elif trigger is Trigger.CRON:
            # The cron job's previous run is still going: its cycles are the ones this time would have started.
            # (The new-episode check hits this on every tick of a long cycle it started; nothing to tell there.)
            self._record(
                ScheduleRecord(
                    event=Event.SKIPPED,
                    trigger=trigger,
                    detail=f"the previous cron run is still running ({self._running or 'finishing'})",
                )
            )

    def _record(self, record: ScheduleRecord) -> None:
        try:
            self._log.append(record)
        except OSError as exc:
            logger.error("could not append to the schedule log: %s", exc)
        if self._on_record is not None:
            self._on_record(record)
        else:
            logger.info("%s", record.line())
