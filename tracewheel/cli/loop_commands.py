"""`tracewheel loop` commands (filled in by the loop issue)."""

from __future__ import annotations

import typer

app = typer.Typer()
