"""What every command module shares: settings loading, JSON output, the console."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from tracewheel.config import Settings, load_settings

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
