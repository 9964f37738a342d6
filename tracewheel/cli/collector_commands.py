"""CLI commands of the collector stage."""

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
