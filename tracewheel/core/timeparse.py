"""The one parser of times a user types: ``--since 24h``, ``--until 2026-11-23T05:00``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
NOT_A_TIME = "is not an ISO 8601 time or a duration like 24h or 7d"
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """A duration back from ``now`` (``45s``, ``30m``, ``1h``, ``2d``, ``1w``, ``1.5h``) or an ISO 8601 time.

    A naive time (and a trailing ``Z``) means UTC; the result is always timezone-aware. Raises ``ValueError``.
    """
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[relative.group(2)]: float(relative.group(1))})
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"since/until {text!r} {NOT_A_TIME}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
