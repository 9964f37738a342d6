"""What every command module shares: settings loading, the two consoles, JSON output, common options.

Output a person reads (tables, panels, trees, reports) goes to ``console`` on stdout, so ``| less`` and
``| grep`` get it; progress bars, spinners, warnings and ``error:`` lines go to ``err_console`` on stderr, so
they never mix into what a pipe receives.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console

from tracewheel.config import Settings, load_settings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.timeparse import NOT_A_TIME, parse_since

# Without a terminal there is no width to fit: Rich would assume 80 columns and cut table cells down to "…".
# A wide page keeps every value whole for ``grep``; a terminal keeps its own width.
_PIPE_WIDTH = 1000

console = Console(width=None if sys.stdout.isatty() else _PIPE_WIDTH)
err_console = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table or text.")]


def settings() -> Settings:
    return load_settings()


def parse_when(value: str | None, option: str) -> datetime | None:
    """A ``--since``/``--until`` value (ISO 8601 time or a duration back from now), or ``None`` if not given."""
    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError:
        raise TracewheelError(f"{option} {value.strip()!r} {NOT_A_TIME}") from None


def pipe_friendly() -> bool:
    """Whether stdout is not a terminal: tables then print every value in full instead of fitting a width."""
    return not console.is_terminal


def not_found(what: str, tenant: str | None) -> TracewheelError:
    where = f" for tenant {tenant!r}" if tenant else ""
    return TracewheelError(f"no {what}{where}")


def print_json(obj: Any) -> None:
    """Write one JSON document to stdout (pydantic models and dataclasses welcome)."""
    sys.stdout.write(json.dumps(_plain(obj), indent=2, default=str) + "\n")
    sys.stdout.flush()


def _plain(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, list):
        return [_plain(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


@contextmanager
def jsonl_input(path: Path | None, command: str) -> Iterator[TextIO]:
    """The input stream of a JSONL filter command: the file at ``path``, or stdin for ``None`` / ``-``."""
    if path is None or str(path) == "-":
        yield sys.stdin
        return
    if not path.is_file():
        raise TracewheelError(f"{command}: no such file: {path}")
    with path.open(encoding="utf-8", errors="replace") as stream:
        yield stream
