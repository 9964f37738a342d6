"""Crontab expressions as a crontab user means them, turned into an APScheduler 3 trigger.

``CronTrigger.from_crontab`` differs from cron(8) in two ways that would silently run cycles on the wrong days:

* APScheduler 3 numbers weekdays from Monday = 0 (crontab: Sunday = 0 or 7), so ``0 3 * * 0`` would mean Monday;
  numbers in the day-of-week field are rewritten as day names here, which both read the same way;
* when both day-of-month and day-of-week are restricted, cron runs on days matching *either*
  (``0 0 1 * 1``: the 1st and every Monday), APScheduler on days matching *both*; such an expression becomes an
  ``OrTrigger`` of the two.

The ``@hourly`` / ``@daily`` / ``@weekly`` / ``@monthly`` / ``@yearly`` shorthands are accepted too. Times are in
the machine's local time zone (``TZ``) unless a time zone is given.
"""

from __future__ import annotations

from datetime import tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from tracewheel.core.errors import TracewheelError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(token: str) -> int:
    """A crontab weekday (0-7, Sunday = 0 and 7, or a name) as 0-6 from Sunday."""
    name = token.strip().lower()
    if name in _DAYS:
        return _DAYS.index(name)
    if not name.isdigit() or int(name) > 7:
        raise ValueError(f"day of week {token!r} is not 0-7 or a day name")
    return int(name) % 7


def weekdays(field: str) -> str:
    """A crontab day-of-week field as day names APScheduler reads the same way (``1-5`` -> ``mon,...,fri``).

    >>> weekdays("0")
    'sun'
    >>> weekdays("1-5/2,sun")
    'sun,mon,wed,fri'
    """
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"step {step_text!r} in day of week must be at least 1")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            low, high = base.split("-", 1)
            first, last = _day(low), _day(high)
            if high.strip() == "7":
                last = 7  # "5-7": Friday to Sunday
        else:
            first = _day(base)
            last = 6 if step_text else first  # "1/2": from Monday on, every other day
        if first > last:
            raise ValueError(f"day-of-week range {base!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_DAYS[d] for d in sorted(days))


def parse_cron(expr: str, timezone: tzinfo | str | None = None, source: str = "--cron") -> BaseTrigger:
    """The trigger for a 5-field crontab expression (or an ``@`` shorthand); ``TracewheelError`` naming the
    expression and ``source`` (the option or setting it came from) when it is not one."""
    text = MACROS.get(expr.strip().lower(), expr.strip())
    try:
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
        minute, hour, day, month, dow = fields
        common = {"minute": minute, "hour": hour, "month": month, "timezone": timezone}
        names = weekdays(dow)
        if day.startswith("*") or dow.startswith("*"):
            return CronTrigger(day=day, day_of_week=names, **common)
        return OrTrigger(
            [
                CronTrigger(day=day, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=names, **common),
            ]
        )
    except ValueError as exc:
        raise TracewheelError(f"invalid cron expression {expr!r} ({source}): {exc}") from None
