"""`tracewheel schedule`: the long-running service that runs flywheel cycles on a cron expression and/or when
enough new episodes arrived (``tracewheel/schedule/service.py``; docs/14-schedule.md)."""

from __future__ import annotations

import logging
import os
import signal
from types import FrameType
from typing import Annotated

import typer
from rich.markup import escape

from tracewheel.cli.common import err_console, settings
from tracewheel.core import ids
from tracewheel.schedule.records import Event, ScheduleRecord, log_path
from tracewheel.schedule.service import ScheduleService, make_plan

app = typer.Typer()

_STYLE = {
    Event.STARTED: "cyan",
    Event.FINISHED: "green",
    Event.SKIPPED: "yellow",
    Event.MISSED: "yellow",
}
_BAD_OUTCOMES = {"error", "failed", "rolled_back", "abandoned"}


def _print(record: ScheduleRecord) -> None:
    style = _STYLE.get(record.event, "bold")
    if record.event is Event.FINISHED and record.outcome in _BAD_OUTCOMES:
        style = "red"
    err_console.print(f"[{style}]{escape(record.line())}[/{style}]", highlight=False, soft_wrap=True)


def _install_signal_handlers(service: ScheduleService) -> None:
    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if service.stopping:
            if signum != signal.SIGINT:
                return  # the same request again (``timeout`` and process-group kills deliver SIGTERM twice)
            # Ctrl-C again: the user wants out now. The cycle's per-step records and the kernel-released lock
            # make that safe; the next cycle for the tenant resumes it.
            err_console.print(f"{name} again: exiting now; the interrupted cycle resumes on its next run")
            os._exit(128 + signum)
        service.request_stop(f"stopped by {name}")
        running = service.running
        if running:
            err_console.print(
                f"{name}: stopping after the running cycle for {running} finishes (Ctrl-C again: exit now)"
            )
        else:
            err_console.print(f"{name}: stopping")

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


@app.command("schedule")
def schedule_command(
    cron: Annotated[
        str | None,
        typer.Option(
            help='Run a cycle per tenant on this crontab expression, e.g. "0 3 * * *" (schedule.cron).'
        ),
    ] = None,
    min_new_episodes: Annotated[
        int | None,
        typer.Option(
            help="Run a cycle for a tenant once this many new episodes arrived since its last cycle "
            "(schedule.min_new_episodes)."
        ),
    ] = None,
    poll_seconds: Annotated[
        float | None,
        typer.Option(help="How often to count new episodes (schedule.poll_seconds, default 60)."),
    ] = None,
    tenant: Annotated[
        list[str] | None,
        typer.Option(
            "--tenant",
            help="Tenant to run cycles for; repeat for several (default: schedule.tenants, else all).",
        ),
    ] = None,
    max_cycles: Annotated[
        int | None,
        typer.Option(help="Exit after this many cycles (demos, tests). Default: run until stopped."),
    ] = None,
) -> None:
    """Run cycles on a schedule until SIGTERM/SIGINT: on a cron expression and/or when enough new episodes
    arrived. One cycle at a time; each trigger and outcome is logged on stderr and in cycles/schedule.jsonl."""
    cfg = settings()
    tenants = [ids.tenant_name(t, "--tenant") for t in tenant or []]
    plan = make_plan(
        cfg.schedule,
        cron=cron,
        min_new_episodes=min_new_episodes,
        poll_seconds=poll_seconds,
        tenants=tenants,
        max_cycles=max_cycles,
    )
    # The service records skipped and missed runs itself; APScheduler's own warnings about them would print a
    # line on every new-episode check during a long cycle.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    service = ScheduleService(cfg, plan, console=err_console, on_record=_print)
    _install_signal_handlers(service)
    err_console.print(f"schedule log: {log_path(cfg.paths.cycles_dir)}", highlight=False, soft_wrap=True)
    service.run()
