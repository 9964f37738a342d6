"""Crontab expressions read as cron(8) reads them (weekday numbers, day-of-month OR day-of-week, shorthands), and
the schedule's plan: options over settings, and clear errors for what cannot run."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tracewheel.config import ScheduleSettings
from tracewheel.core.errors import TracewheelError
from tracewheel.schedule.cron import parse_cron, weekdays
from tracewheel.schedule.service import make_plan

UTC = ZoneInfo("UTC")


def fire_times(expr: str, start: datetime, n: int) -> list[datetime]:
    trigger = parse_cron(expr, timezone=UTC)
    out, previous, now = [], None, start
    for _ in range(n):
        nxt = trigger.get_next_fire_time(previous, now)
        out.append(nxt)
        previous, now = nxt, nxt
    return out


def test_weekday_numbers_count_from_sunday_like_crontab():
    # 2026-12-06 is a Sunday. APScheduler 3 alone would read 0 as Monday.
    start = datetime(2026, 12, 1, tzinfo=UTC)
    assert [t.strftime("%a %d") for t in fire_times("0 3 * * 0", start, 2)] == ["Sun 06", "Sun 13"]
    assert [t.strftime("%a") for t in fire_times("0 3 * * 7", start, 1)] == ["Sun"]
    assert [t.strftime("%a") for t in fire_times("30 9 * * 1-5", start, 5)] == [
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Mon",
    ]
    assert weekdays("*/2") == "sun,tue,thu,sat"
    assert weekdays("5-7") == "sun,fri,sat"
    assert weekdays("MON,wed") == "mon,wed"


def test_day_of_month_and_weekday_both_set_mean_either():
    # cron(8): "the 1st of the month, and every Monday"; APScheduler alone would want a Monday the 1st.
    start = datetime(2026, 11, 28, tzinfo=UTC)
    days = [t.strftime("%a %d") for t in fire_times("0 0 1 * 1", start, 4)]
    assert days == ["Mon 30", "Tue 01", "Mon 07", "Mon 14"]


def test_shorthands_and_local_time():
    start = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
    assert fire_times("@hourly", start, 1) == [datetime(2026, 12, 1, 11, tzinfo=UTC)]
    assert fire_times("@daily", start, 1) == [datetime(2026, 12, 2, tzinfo=UTC)]
    assert parse_cron("0 3 * * *").timezone is not None  # the machine's zone when none is given


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("0 3 * *", "expected 5 fields"),
        ("61 * * * *", "61"),
        ("0 3 * * 8", "day of week '8'"),
        ("0 3 * * fri-mon", "runs backwards"),
        ("@fortnightly", "expected 5 fields"),
    ],
)
def test_bad_expression_is_one_clear_error_naming_it(expr, why):
    with pytest.raises(TracewheelError) as caught:
        parse_cron(expr)
    message = str(caught.value)
    assert message.startswith(f"invalid cron expression {expr!r} (--cron): ") and why in message
    assert "\n" not in message


def test_plan_takes_options_over_settings():
    configured = ScheduleSettings(cron="0 3 * * *", min_new_episodes=50, poll_seconds=30, tenants=["acme"])
    assert make_plan(configured) == make_plan(configured, cron=None, tenants=[])
    plan = make_plan(configured, cron="*/5 * * * *", min_new_episodes=2, poll_seconds=0.5, tenants=["globex"])
    assert (plan.cron, plan.min_new_episodes, plan.poll_seconds, plan.tenants) == (
        "*/5 * * * *",
        2,
        0.5,
        ("globex",),
    )
    assert make_plan(ScheduleSettings(min_new_episodes=3)).tenants == ()  # every tenant


def test_plan_needs_a_trigger_and_a_valid_cron():
    with pytest.raises(TracewheelError, match="nothing to schedule: give --cron and/or --min-new-episodes"):
        make_plan(ScheduleSettings())
    with pytest.raises(TracewheelError, match=r"invalid cron expression '0 3' \(schedule.cron\)"):
        make_plan(ScheduleSettings(cron="0 3"))
    with pytest.raises(TracewheelError, match="--min-new-episodes must be at least 1"):
        make_plan(ScheduleSettings(), min_new_episodes=0)
    with pytest.raises(TracewheelError, match="--max-cycles must be at least 1"):
        make_plan(ScheduleSettings(cron="@daily"), max_cycles=0)
