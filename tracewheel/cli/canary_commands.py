"""Commands: ``tracewheel canary start|status|stop``, ``tracewheel promote`` and ``tracewheel rollback``.

Thin over ``serving/canary.py`` (state, routing, promotions and rollbacks, each logged in the tenant's
``decisions.jsonl``) and ``serving/canary_monitor.py`` (outcomes and the sequential test); docs/11-canary.md.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tracewheel.cli.common import JsonOpt, console, not_found, print_json, settings

app = typer.Typer()
canary_app = typer.Typer(
    help="Send a share of a tenant's traffic to a candidate adapter; promote or roll back on the evidence.",
    no_args_is_help=True,
)
app.add_typer(canary_app, name="canary")

TenantOpt = Annotated[
    str | None,
    typer.Option("--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: trainer.default_tenant)."),
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why, recorded with the change.")]


def _tenant(tenant: str | None) -> str:
    return tenant or settings().trainer.default_tenant


@canary_app.command("start")
def start(
    candidate: Annotated[str, typer.Argument(help="The candidate adapter id (ad-...).")],
    share: Annotated[
        float | None,
        typer.Option(
            "--share",
            help="Share of the main model's traffic for the candidate (default: serving.canary_share).",
        ),
    ] = None,
    tenant: TenantOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Start a canary: the tenant's main model answers with CANDIDATE for SHARE of users (sticky per user)."""
    from tracewheel.serving.canary import start_canary
    from tracewheel.trainer import registry

    s = settings()
    name = tenant or registry.find(s.paths.adapters_dir, candidate).tenant
    state = start_canary(s.paths, s.serving, name, candidate, share)
    if json_out:
        print_json(state)
        return
    against = state.champion or "the base model"
    console.print(
        f"canary [bold]{state.canary_id}[/bold]: {state.candidate} gets {state.share:.0%} of tenant {name}'s "
        f"traffic against {against}"
    )


def _report_dict(report: Any) -> dict[str, Any]:
    state, evidence = report.state, report.evidence
    return {
        "canary_id": state.canary_id,
        "tenant": state.tenant,
        "status": state.status,
        "candidate": state.candidate,
        "champion": state.champion,
        "share": state.share,
        "started_at": state.started_at,
        "ended_at": state.ended_at,
        "reason": state.reason,
        "arms": {
            "candidate": {
                "adapter": state.candidate,
                "n": evidence.n_candidate,
                "mean": evidence.mean_candidate,
            },
            "champion": {
                "adapter": state.champion or "base",
                "n": evidence.n_champion,
                "mean": evidence.mean_champion,
            },
        },
        "lift": evidence.lift,
        "confidence_sequence": {"lower": evidence.lower, "upper": evidence.upper, "alpha": evidence.alpha},
        "pairs": evidence.n_pairs,
        "margin": evidence.margin,
        # While running: what the test says now. Once ended: the evidence it ended on, if it decided.
        "decision": (state.evidence or evidence).decision,
        "rule": (state.evidence or evidence).rule,
    }


@canary_app.command("status")
def status(tenant: TenantOpt = None, json_out: JsonOpt = False) -> None:
    """The tenant's current (or last) canary: arms, outcome counts and means, the confidence sequence, decision."""
    from tracewheel.serving.canary import read_state
    from tracewheel.serving.canary_monitor import evaluate

    s = settings()
    name = _tenant(tenant)
    state = read_state(s.paths, name)
    if state is None:
        raise not_found("canary", name)
    info = _report_dict(evaluate(s.paths, state, s.curator))
    if json_out:
        print_json(info)
        return
    table = Table(
        title=f"canary {info['canary_id']} ({info['status']}) · tenant {name} · share {info['share']:.0%}"
    )
    for column in ("arm", "adapter", "outcomes", "mean"):
        table.add_column(column)
    for arm, data in info["arms"].items():
        mean = "-" if data["mean"] is None else f"{data['mean']:.3f}"
        table.add_row(arm, str(data["adapter"]), str(data["n"]), mean)
    console.print(table)
    cs = info["confidence_sequence"]
    lift = "-" if info["lift"] is None else f"{info['lift']:+.3f}"
    console.print(
        f"lift {lift} over {info['pairs']} pairs; {1 - cs['alpha']:.0%} confidence sequence "
        f"[{cs['lower']:+.3f}, {cs['upper']:+.3f}]; margin {info['margin']:g}"
    )
    console.print(f"decision: [bold]{info['decision']}[/bold] ({info['rule']})")


@canary_app.command("stop")
def stop(tenant: TenantOpt = None, reason: ReasonOpt = None, json_out: JsonOpt = False) -> None:
    """Stop the tenant's canary without a decision: all traffic back to the champion, the candidate stays one."""
    from tracewheel.serving.canary import stop_canary

    s = settings()
    state = stop_canary(s.paths, _tenant(tenant), reason or "stopped by hand")
    if json_out:
        print_json(state)
        return
    console.print(f"canary {state.canary_id} stopped; {state.candidate} is a candidate again")


@app.command("promote")
def promote(
    adapter: Annotated[str, typer.Argument(help="The adapter id to make champion (ad-...).")],
    tenant: TenantOpt = None,
    reason: ReasonOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Make ADAPTER the tenant's champion by hand (the old champion is retired; logged with the reason).

    Ends the tenant's canary as promoted when ADAPTER is its candidate; refused while another canary runs."""
    from tracewheel.serving import canary
    from tracewheel.trainer import registry

    s = settings()
    name = tenant or registry.find(s.paths.adapters_dir, adapter).tenant
    running = canary.active_state(s.paths, name)
    evidence = None
    if running is not None and running.candidate == adapter:
        from tracewheel.serving.canary_monitor import evaluate

        evidence = evaluate(s.paths, running, s.curator).evidence  # what the test said when a person decided
    record = canary.promote(s.paths, name, adapter, reason or "promoted by hand", evidence)
    if json_out:
        print_json(record)
        return
    console.print(f"[bold]{record.adapter_id}[/bold] is tenant {name}'s champion")


@app.command("rollback")
def rollback(tenant: TenantOpt = None, reason: ReasonOpt = None, json_out: JsonOpt = False) -> None:
    """Retire the tenant's champion and restore the one it replaced (or the base model); logged with the reason.

    Refused while a canary runs (stop it first)."""
    from tracewheel.serving import canary

    s = settings()
    name = _tenant(tenant)
    retired, restored = canary.rollback(s.paths, name, reason or "rolled back by hand")
    if json_out:
        print_json({"tenant": name, "retired": retired, "champion": restored})
        return
    now = restored.adapter_id if restored else "the base model"
    console.print(f"retired {retired.adapter_id}; tenant {name} is served {now}")
