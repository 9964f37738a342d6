"""The scheduler service with a stand-in cycle function (a real cycle trains a model): which triggers start cycles,
never two at once, skipped and failing triggers recorded, and a clean stop."""

from datetime import UTC, datetime, timedelta

import pytest
from _schedule_home import StandInCycles, wait_for, write_episodes

from tracewheel.config import Settings
from tracewheel.loop.lock import cycle_lock
from tracewheel.schedule.records import Event, Trigger, log_path, read_records
from tracewheel.schedule.service import SchedulePlan, ScheduleService


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path)


def plan(**kw) -> SchedulePlan:
    base = {"cron": None, "min_new_episodes": None, "poll_seconds": 0.1, "tenants": ()}
    return SchedulePlan(**{**base, **kw})


def events(settings: Settings, kind: Event | None = None) -> list:
    return [r for r in read_records(settings.paths.cycles_dir) if kind is None or r.event is kind]


def finished(settings: Settings, n: int) -> list:
    return wait_for(
        lambda: (done := events(settings, Event.FINISHED)) and len(done) >= n and done, what=f"{n} cycles"
    )


def fire_cron_now(service: ScheduleService) -> None:
    """APScheduler's own way to run a job now rather than at its next cron time."""
    service.scheduler.get_job(Trigger.CRON.value).modify(next_run_time=datetime.now(UTC))


def stop(service: ScheduleService) -> None:
    service.request_stop("test over")
    service.wait()


def test_new_episodes_trigger_a_cycle_per_tenant_that_reaches_the_threshold(settings):
    write_episodes(settings.home, "acme", 2)
    write_episodes(settings.home, "globex", 1)
    cycles = StandInCycles()
    service = ScheduleService(settings, plan(min_new_episodes=2), cycle_fn=cycles)
    service.start()
    try:
        first = finished(settings, 1)
        assert cycles.calls == [("acme", "new_episodes")]  # globex has 1 of 2
        assert (first[0].tenant, first[0].trigger, first[0].outcome) == (
            "acme",
            Trigger.NEW_EPISODES,
            "no_data",
        )
        assert first[0].cycle_id.startswith("cyc-") and first[0].new_episodes == 2
        assert first[0].duration_s is not None
        # The cycle reset acme's count; one more episode for globex reaches its threshold.
        write_episodes(settings.home, "globex", 1)
        finished(settings, 2)
        assert cycles.calls == [("acme", "new_episodes"), ("globex", "new_episodes")]
    finally:
        stop(service)
    kinds = [r.event for r in events(settings)]
    assert kinds == [
        Event.SERVICE_STARTED,
        Event.STARTED,
        Event.FINISHED,
        Event.STARTED,
        Event.FINISHED,
        Event.SERVICE_STOPPED,
    ]
    assert "2 cycles run" in events(settings)[-1].detail


def test_cron_runs_a_cycle_for_every_listed_tenant_and_max_cycles_stops(settings):
    cycles = StandInCycles()
    service = ScheduleService(
        settings, plan(cron="0 3 * * *", tenants=("acme", "globex"), max_cycles=2), cycle_fn=cycles
    )
    service.start()
    assert "next cron run" in events(settings, Event.SERVICE_STARTED)[0].detail
    fire_cron_now(service)
    service.wait()  # returns by itself: --max-cycles
    assert cycles.calls == [("acme", "cron"), ("globex", "cron")]
    assert events(settings)[-1].detail.startswith("ran 2 cycles (--max-cycles)")


def test_never_two_cycles_at_once_and_a_trigger_during_a_cycle_is_skipped(settings):
    write_episodes(settings.home, "acme", 1)
    cycles = StandInCycles(hold=True)
    service = ScheduleService(
        settings, plan(cron="0 3 * * *", min_new_episodes=1, tenants=("acme",)), cycle_fn=cycles
    )
    service.start()
    try:
        assert cycles.started.wait(10)  # the new-episode check started a cycle and it is still running
        write_episodes(settings.home, "acme", 3)  # more arrive meanwhile: the check waits, nothing is queued
        fire_cron_now(service)
        skipped = wait_for(lambda: events(settings, Event.SKIPPED), what="the cron run skipped")
        assert (
            skipped[0].trigger is Trigger.CRON
            and "a cycle is running (acme (new_episodes))" in skipped[0].detail
        )
        cycles.release.set()
        # After it, the first check counts the 3 that arrived during the cycle and runs one more, not a backlog.
        finished(settings, 2)
    finally:
        stop(service)
    assert cycles.max_active == 1
    assert cycles.calls == [("acme", "new_episodes"), ("acme", "new_episodes")]


def test_a_cron_time_that_comes_while_its_own_run_is_going_is_skipped(settings):
    cycles = StandInCycles(hold=True)
    service = ScheduleService(settings, plan(cron="0 3 * * *", tenants=("acme",)), cycle_fn=cycles)
    service.start()
    try:
        fire_cron_now(service)
        assert cycles.started.wait(10)
        fire_cron_now(service)  # max_instances=1: APScheduler refuses it, the service records it
        skipped = wait_for(lambda: events(settings, Event.SKIPPED), what="the second cron run skipped")
        assert "the previous cron run is still running (acme (cron))" in skipped[0].detail
        cycles.release.set()
        finished(settings, 1)
    finally:
        stop(service)
    assert len(cycles.calls) == 1 and len(events(settings, Event.FINISHED)) == 1


def test_a_cron_time_missed_by_more_than_the_grace_is_recorded_not_run(settings):
    cycles = StandInCycles()
    service = ScheduleService(settings, plan(cron="0 3 * * *", tenants=("acme",)), cycle_fn=cycles)
    service.start()
    try:
        # As if the machine slept through a run time two hours ago (CRON_GRACE_S is one hour).
        late = datetime.now(UTC) - timedelta(hours=2)
        service.scheduler.get_job(Trigger.CRON.value).modify(next_run_time=late)
        missed = wait_for(lambda: events(settings, Event.MISSED), what="the missed record")
    finally:
        stop(service)
    assert missed[0].trigger is Trigger.CRON and late.isoformat(timespec="seconds") in missed[0].detail
    assert cycles.calls == []


def test_a_failing_cycle_is_recorded_and_the_service_keeps_going(settings):
    write_episodes(settings.home, "acme", 1)
    cycles = StandInCycles(fail=RuntimeError("disk on fire"))
    service = ScheduleService(
        settings, plan(min_new_episodes=1, tenants=("acme",), max_cycles=2), cycle_fn=cycles
    )
    service.start()
    first = finished(settings, 1)[0]
    assert (first.outcome, first.detail, first.cycle_id) == ("error", "RuntimeError: disk on fire", None)
    write_episodes(settings.home, "acme", 1)
    service.wait()  # a second cycle ran after the failure: --max-cycles 2 stopped it
    assert [r.outcome for r in events(settings, Event.FINISHED)] == ["error", "error"]


def test_a_cycle_running_in_another_process_is_skipped_not_counted(settings):
    write_episodes(settings.home, "acme", 1)

    def locked_cycle(settings, tenant, *, trigger, console=None):
        # The real runner takes the tenant's cycle lock first; the test holds it as another process would.
        with cycle_lock(settings.paths.cycles_dir, tenant):
            raise AssertionError("unreachable: the lock is held")

    with cycle_lock(settings.paths.cycles_dir, "acme"):
        service = ScheduleService(
            settings, plan(min_new_episodes=1, tenants=("acme",)), cycle_fn=locked_cycle
        )
        service.start()
        try:
            skipped = wait_for(lambda: events(settings, Event.SKIPPED), what="the busy tenant skipped")
        finally:
            stop(service)
    assert skipped[0].tenant == "acme" and "already running" in skipped[0].detail
    assert service.cycles_run == 0 and not events(settings, Event.FINISHED)


def test_stop_lets_the_running_cycle_finish_and_starts_no_other(settings):
    write_episodes(settings.home, "acme", 1)
    write_episodes(settings.home, "globex", 1)
    cycles = StandInCycles(hold=True)
    service = ScheduleService(settings, plan(min_new_episodes=1), cycle_fn=cycles)
    service.start()
    assert cycles.started.wait(10)
    service.request_stop("stopped by SIGTERM")
    cycles.release.set()
    service.wait()
    assert cycles.calls == [("acme", "new_episodes")]  # globex was due too, but the stop came first
    records = events(settings)
    assert [r.event for r in records][-2:] == [Event.FINISHED, Event.SERVICE_STOPPED]
    assert records[-1].detail == "stopped by SIGTERM; 1 cycles run"
    assert log_path(settings.paths.cycles_dir) == settings.home / "cycles" / "schedule.jsonl"
