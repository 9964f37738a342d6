"""The one logging set-up of every tracewheel process: the CLI, the collector and its flusher subprocess.

tracewheel's own loggers (``tracewheel.*``) log at the configured level; other libraries' records still reach
the handler at WARNING and above, so DEBUG does not drown our messages in theirs. Records go to stderr: stdout
carries command output (tables, JSON) that a pipe must get alone.
"""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_OURS = "tracewheel"


def level_number(level: str | int) -> int:
    """``"debug"``/``"DEBUG"``/``10`` -> 10; an unknown name is a ``ValueError``."""
    if isinstance(level, int):
        return level
    try:
        return logging.getLevelNamesMapping()[level.upper()]
    except KeyError:
        raise ValueError(f"unknown log level {level!r}") from None


def setup_logging(level: str | int, handler: logging.Handler | None = None) -> None:
    """Send log records to ``handler`` (default: plain lines on stderr), ours from ``level`` up.

    Calling it again replaces the handler it installed before, so a process never prints a record twice.
    """
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
    handler.set_name(_OURS)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _OURS]:
        root.removeHandler(old)
    root.addHandler(handler)
    number = level_number(level)
    root.setLevel(max(number, logging.WARNING))
    logging.getLogger(_OURS).setLevel(number)


def current_level() -> str:
    """The level tracewheel's loggers log at now: what a child process is told to use."""
    return logging.getLevelName(logging.getLogger(_OURS).getEffectiveLevel())
