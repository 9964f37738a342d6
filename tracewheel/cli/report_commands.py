"""``tracewheel report``: write a tenant's flywheel report, one self-contained HTML file (tracewheel/report/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracewheel.cli.common import JsonOpt, console, print_json, settings

app = typer.Typer()


@app.command("report")
def report(
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: trainer.default_tenant)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the report here (default: reports_dir/<tenant>/report-<time>.html and report.html).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write an HTML report of the tenant's cycles: held-out success, eval deltas, datasets, redactions,
    quarantines and canaries, with charts. Works offline: nothing in it is fetched."""
    from tracewheel.report.page import write_report

    s = settings()
    written = write_report(s, tenant or s.trainer.default_tenant, out)
    if json_out:
        print_json(written)
        return
    console.print(written.path, highlight=False, soft_wrap=True)
