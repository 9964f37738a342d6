"""CLI commands of the curator stage."""

import typer


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
