"""CLI commands: verify."""

import typer


def register(app: typer.Typer) -> None:
    """Add these commands to the top-level app."""
