"""Commands: ``tracewheel run`` (one cycle of the flywheel) and ``tracewheel cycles list|show``.

Thin over ``tracewheel/loop/runner.py`` and ``loop/store.py``; docs/12-loop.md.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tracewheel.cli.common import JsonOpt, console, err_console, print_json, settings
from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.loop.cycle import Cycle, CycleOutcome

app = typer.Typer()
cycles_app = typer.Typer(
    help="The flywheel's cycles: what each step took in and gave out.", no_args_is_help=True
)
app.add_typer(cycles_app, name="cycles")

TenantOpt = Annotated[
    str | None,
    typer.Option("--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: trainer.default_tenant)."),
]


def _tenant(tenant: str | None) -> str:
    return ids.tenant_name(tenant or settings().trainer.default_tenant, "--tenant")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}s" if value < 120 else f"{value / 60:.1f}m"


def _pct(value: object) -> str:
    return "-" if value is None else f"{100 * float(value):.0f}%"  # type: ignore[arg-type]


@app.command("run")
def run_command(
    tenant: TenantOpt = None,
    restart: Annotated[
        bool,
        typer.Option("--restart", help="Abandon an unfinished (interrupted) cycle and start a new one."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run one cycle: curate → review → sample the wins → choose a method → train → evaluate → gate → canary.

    Resumes the tenant's interrupted cycle at the step it was in (unless --restart). Exits 0 when the cycle
    ended promoted, canary, rolled_back, rejected or no_data; 1 when it failed."""
    from tracewheel.loop.runner import run_cycle

    s = settings()
    name = _tenant(tenant)
    cycle = run_cycle(s, name, restart=restart, console=err_console)
    if as_json:
        print_json(cycle)
    else:
        _print_cycle(cycle)
    if cycle.outcome == CycleOutcome.FAILED:
        raise TracewheelError(f"cycle {cycle.cycle_id} {cycle.error}")


@cycles_app.command("list")
def list_command(tenant: TenantOpt = None, as_json: JsonOpt = False) -> None:
    """The tenant's cycles, oldest first: trigger, outcome, dataset, method, candidate, gate, canary."""
    from tracewheel.loop import store
    from tracewheel.loop.lock import is_locked
    from tracewheel.loop.runner import settle_canaries

    s = settings()
    name = _tenant(tenant)
    settle_canaries(s, name)
    cycles = store.list_cycles(s.paths.cycles_dir, name)
    if as_json:
        print_json(cycles)
        return
    if not cycles:
        console.print(f"no cycles for tenant {name!r} yet (`tracewheel run` starts one)")
        return
    busy = is_locked(s.paths.cycles_dir, name)
    table = Table(
        "cycle", "started", "trigger", "step", "outcome", "dataset", "method", "candidate", "gate", "success",
        "canary", "took",
    )  # fmt: skip
    for c in cycles:
        outcome = str(c.outcome)
        if c.outcome == CycleOutcome.RUNNING and not busy:
            outcome = "interrupted (run resumes it)"
        gate = c.gate or {}
        table.add_row(
            c.cycle_id,
            f"{c.started_at:%Y-%m-%d %H:%M:%S}",
            c.trigger,
            str(c.step),
            outcome,
            c.dataset_version or "-",
            c.method or "-",
            c.candidate or "-",
            gate.get("decision", "-"),
            f"{_pct(gate.get('candidate_success'))} vs {_pct(gate.get('baseline_success'))}" if gate else "-",
            (c.canary or {}).get("decision", "-"),
            _seconds(c.seconds),
        )
    console.print(table)


@cycles_app.command("show")
def show_command(
    cycle_id: Annotated[str, typer.Argument(help="Cycle id (cyc-...).")],
    tenant: Annotated[
        str | None,
        typer.Option(
            "--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: the one holding the cycle)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """One cycle: its steps with their durations and what each did (--json: every input and output)."""
    from tracewheel.loop import store
    from tracewheel.loop.runner import settle_canaries

    s = settings()
    store.cycle_id(cycle_id)
    if tenant is None:
        # The tenant whose cycles directory holds this id (ids are unique), else the default tenant.
        holders = [
            t
            for t in store.tenants(s.paths.cycles_dir)
            if store.cycle_path(s.paths.cycles_dir, t, cycle_id).is_file()
        ]
        tenant = holders[0] if holders else None
    name = _tenant(tenant)
    settle_canaries(s, name)
    cycle = store.load_cycle(s.paths.cycles_dir, name, cycle_id)
    if as_json:
        print_json(cycle)
        return
    _print_cycle(cycle)


def _print_cycle(cycle: Cycle) -> None:
    from tracewheel.loop.runner import step_summary

    console.print(
        f"cycle [bold]{cycle.cycle_id}[/bold]  tenant {cycle.tenant}  trigger {cycle.trigger}  "
        f"outcome [bold]{cycle.outcome}[/bold]  took {_seconds(cycle.seconds)}",
        highlight=False,
    )
    facts = {
        "dataset": cycle.dataset_version,
        "method": cycle.method,
        "init": f"{cycle.init_from}" + (f" ({cycle.init_adapter})" if cycle.init_adapter else ""),
        "candidate": cycle.candidate,
        "champion": f"{cycle.champion_before or 'base'} → {cycle.champion_after or 'base'}",
        "eval run": cycle.eval_run,
    }
    console.print("  ".join(f"{k}: {v}" for k, v in facts.items() if v), highlight=False)
    table = Table("step", "ok", "took", "what it did")
    for r in cycle.steps:
        ok = "yes" if r.ok else ("running" if r.finished_at is None and r.error is None else "no")
        table.add_row(str(r.step), ok, _seconds(r.seconds), Text(r.error or step_summary(r)))
    console.print(table)
    if cycle.error:
        console.print(Text(f"why: {cycle.error}"))
