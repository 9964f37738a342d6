"""Entry point: composes each stage's commands and turns ``TracewheelError`` into a one-line exit."""

from __future__ import annotations

import logging
import sys

import typer
from rich.logging import RichHandler

from tracewheel.cli import (
    collector_commands,
    curator_commands,
    episode_commands,
    redact_commands,
    screen_commands,
    trainer_commands,
    verify_commands,
)
from tracewheel.cli.common import console
from tracewheel.core.errors import TracewheelError

app = typer.Typer(
    name="tracewheel",
    help="Trace-to-training flywheel: OTel GenAI traces in, reviewed datasets and better LoRA adapters out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
@app.callback()
def _root() -> None:
    """Trace-to-training flywheel: OTel GenAI traces in, reviewed datasets and better LoRA adapters out."""


for commands in (
    collector_commands,
    episode_commands,
    redact_commands,
    screen_commands,
    curator_commands,
    trainer_commands,
    verify_commands,
):
    commands.register(app)


@app.command("version")
def version() -> None:
    """Print tracewheel's version."""
    from importlib.metadata import version as _version

    print(_version("tracewheel"))


def _setup_logging() -> None:
    level = logging.getLevelName(__import__("os").environ.get("TRACEWHEEL_LOG_LEVEL", "WARNING").upper())
    handler = RichHandler(console=console, show_path=False, rich_tracebacks=False)
    for name in ("tracewheel", "collector", "curator", "trainer", "serving", "evals"):
        logger = logging.getLogger(name)
        logger.setLevel(level if isinstance(level, int) else logging.WARNING)
        logger.addHandler(handler)


def run() -> None:
    _setup_logging()
    try:
        # With standalone_mode off, Typer returns a command's ``typer.Exit`` code instead of exiting.
        code = app(standalone_mode=False)
    except TracewheelError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Abort:
        console.print("aborted")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors from Typer's bundled click carry their own message and exit code.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    run()
