"""tracewheel.core.timeparse: the one parser of --since/--until values."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tracewheel.core.timeparse import parse_since

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "ago"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        (" 7d ", timedelta(days=7)),
        ("2 w", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
    ],
)
def test_durations_count_back_from_now(text: str, ago: timedelta) -> None:
    assert parse_since(text, NOW) == NOW - ago


def test_iso_times_are_aware_and_naive_means_utc() -> None:
    assert parse_since("2026-11-23T05:00:00") == datetime(2026, 11, 23, 5, tzinfo=UTC)
    assert parse_since("2026-11-23T05:00:00Z") == datetime(2026, 11, 23, 5, tzinfo=UTC)
    plus_two = parse_since("2026-11-23T07:00:00+02:00")
    assert plus_two.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)
    assert plus_two == datetime(2026, 11, 23, 5, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "5x", "h", "", "-3h"])
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO 8601 time or a duration"):
        parse_since(text, NOW)
