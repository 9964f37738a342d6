"""Commands: serving (filled in by its stage)."""

from __future__ import annotations

import typer

app = typer.Typer()
