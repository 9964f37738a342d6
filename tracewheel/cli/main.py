"""Entry point: composes each stage's commands and turns ``TracewheelError`` into a one-line exit.

Every ``*_commands`` module declares its commands on its own module-level ``app`` (resource groups such as
``episodes`` are sub-Typers added to it by name); this module merges them with ``add_typer``.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.logging import RichHandler
from rich.markup import escape

from tracewheel.cli import (
    canary_commands,
    collector_commands,
    curator_commands,
    episode_commands,
    evals_commands,
    loop_commands,
    redact_commands,
    report_commands,
    schedule_commands,
    screen_commands,
    serving_commands,
    trainer_commands,
    usage_commands,
    verify_commands,
)
from tracewheel.cli.common import err_console, settings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.logs import setup_logging

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
    usage_commands,
    evals_commands,
    serving_commands,
    canary_commands,
    loop_commands,
    schedule_commands,
    report_commands,
):
    app.add_typer(commands.app)


@app.command("version")
def version() -> None:
    """Print tracewheel's version."""
    from importlib.metadata import version as _version

    print(_version("tracewheel"))


def _fail(message: str) -> None:
    # soft_wrap: the message stays one line however long it is (a pasted id, a path).
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(1)


def _setup_logging() -> None:
    # Here in the process entry point rather than in the app's callback: commands invoked in-process (tests)
    # leave the host's logging alone.
    try:
        level = settings().log_level
    except TracewheelError:
        # The command that needs the settings reports what is wrong with them; ``version`` needs none.
        level = "WARNING"
    setup_logging(level, RichHandler(console=err_console, show_path=False, rich_tracebacks=False))


# Traces, datasets, adapters and keys are tenant data: whatever this process creates is owner-only (0600/0700).
PRIVATE_UMASK = 0o077


def run() -> None:
    os.umask(PRIVATE_UMASK)
    _setup_logging()
    try:
        # With standalone_mode off, Typer returns a command's ``typer.Exit`` code instead of exiting.
        code = app(standalone_mode=False)
    except TracewheelError as exc:
        _fail(str(exc))
    except OSError as exc:
        # A path the user gave that cannot be used: a missing directory for -o, a name too long, no permission.
        _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except typer.Abort:
        err_console.print("aborted")
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
