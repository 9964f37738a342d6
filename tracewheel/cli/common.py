"""What every command module shares: settings loading, JSON output, the console."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from tracewheel.config import Settings, load_settings
from tracewheel.core.errors import TracewheelError

# Human output goes to stderr so that ``--json`` output on stdout stays machine-readable.
console = Console(stderr=True)


def settings() -> Settings:
    return load_settings()


def print_json(obj: Any) -> None:
    """Write one JSON document to stdout (pydantic models and dataclasses welcome)."""
    sys.stdout.write(json.dumps(_plain(obj), indent=2, default=str) + "\n")
    sys.stdout.flush()


def _plain(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "__dataclass_fields__"):
        import dataclasses

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
