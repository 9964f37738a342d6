"""CLI command: ``tracewheel usage``: model usage per tenant from the GenAI metrics the collector stored.

Reads ``$TRACEWHEEL_HOME/metrics`` (``collector.metrics_store``) while the collector runs; every acknowledged export
is there. Without ``--tenant`` it shows every tenant (the operator's view on the collector's machine).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from tracewheel.cli.common import JsonOpt, console, not_found, parse_when, print_json, settings
from tracewheel.collector.metrics_usage import GroupBy, TenantUsage, Usage, usage
from tracewheel.core import ids

app = typer.Typer()


@app.command("usage")
def usage_command(
    tenant: Annotated[
        str | None, typer.Option("--tenant", "-t", help="Only this tenant (default: every tenant).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time: ISO 8601 or a duration back from now (24h, 7d).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this time (same forms as --since).")] = None,
    by: Annotated[str, typer.Option("--by", help="Group by 'model' or 'day' (UTC).")] = "model",
    as_json: JsonOpt = False,
) -> None:
    """Input/output tokens, calls, errors and duration p50/p95 per model (or day), plus metrics dropped."""
    if by not in ("model", "day"):
        raise typer.BadParameter(f"must be 'model' or 'day', got {by!r}", param_hint="--by")
    name = None if tenant is None else ids.tenant_name(tenant, "--tenant")
    paths = settings().paths
    found = usage(
        paths.metrics_dir,
        name,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        by=by,  # type: ignore[arg-type]
    )
    if name is not None and not found:
        raise not_found("metrics", name)
    if as_json:
        print_json({"tenants": found})
        return
    if not found:
        console.print("no metrics stored yet")
        return
    for item in found:
        console.print(_table(item, by))  # type: ignore[arg-type]


def _shown(key: str) -> str:
    # Model names come from the tenant's agents: no Rich markup, no terminal control characters.
    return escape("".join(ch if ch.isprintable() else "?" for ch in key))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(item: TenantUsage, by: GroupBy) -> Table:
    table = Table(
        title=f"{item.tenant}: {item.dropped_points} data point(s) of other metrics dropped",
        box=box.SIMPLE_HEAD,
    )
    for column in (by, "input tokens", "output tokens", "calls", "errors", "p50 s", "p95 s"):
        table.add_column(column, justify="left" if column == by else "right")

    def row(u: Usage, style: str | None = None) -> None:
        table.add_row(
            _shown(u.key),
            str(u.input_tokens),
            str(u.output_tokens),
            str(u.calls),
            str(u.errors),
            _seconds(u.duration_p50_s),
            _seconds(u.duration_p95_s),
            style=style,
        )

    for group in item.groups:
        row(group)
    row(item.total, style="bold")
    return table
