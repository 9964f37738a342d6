"""CLI commands of the evals stage: ``tracewheel evals run|show`` and ``tracewheel gate``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracewheel.cli.common import JsonOpt, console, err_console, print_json, settings
from tracewheel.core.errors import TracewheelError

TenantOpt = Annotated[
    str | None,
    typer.Option("--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: trainer.default_tenant)."),
]

app = typer.Typer()
evals = typer.Typer(help="Held-out suites, forgetting probes and the promotion gate.", no_args_is_help=True)
app.add_typer(evals, name="evals")


class _RichProgress:
    """The runner's progress (stage/advance) as one Rich bar per stage on stderr."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        )
        self._task: Any = None

    def __enter__(self) -> _RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def stage(self, name: str, total: int) -> None:
        self._task = self._bar.add_task(name, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, n)


def _quiet() -> None:
    import logging
    import warnings

    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("ragas").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)


def _engine_factory(s: Any, base_model: str) -> Any:
    def open_() -> Any:
        from tracewheel.serving.engine import open_engine

        err_console.print(f"loading {base_model} into the engine...")
        return open_engine(s.serving, s.trainer, s.paths, model=base_model)

    return open_


def _close(engine: Any) -> None:
    close = getattr(engine, "close", None)
    if callable(close):
        close()


def _summary(run: Any, result: Any, reused: bool | None = None) -> dict[str, Any]:
    out = {
        "run_id": run.run_id,
        "tenant": run.tenant,
        "candidate": run.candidate,
        "baseline": run.baseline,
        "against": run.against,
        "decision": result.decision.value,
        "reasons": result.reasons,
        "report": f"{run.path}/report.html",
        "path": run.path,
        "suites": run.suites,
        "suite_fingerprint": run.suite_fingerprint,
        "seeds": run.seeds,
        "metrics": run.metrics,
        "perplexity": run.perplexity,
        "reused_outputs": run.reused_outputs,
        "evidence": result.model_dump(mode="json"),
    }
    if reused is not None:
        out["reused_run"] = reused
    return out


def _print_human(summary: dict[str, Any]) -> None:
    ev = summary["evidence"]
    iv = ev.get("interval") or {}
    console.print(
        f"[bold]{summary['decision'].upper()}[/bold] {summary['candidate']} vs "
        f"{summary['baseline'] or 'base'} (run {summary['run_id']})"
    )
    for reason in summary["reasons"]:
        console.print(f"  - {reason}")
    if iv:
        console.print(
            f"  success {ev['candidate_success']:.3f} vs {ev['baseline_success']:.3f}; interval "
            f"[{iv['low']:+.3f}, {iv['high']:+.3f}] on {ev['examples']} examples / {ev['clusters']} clusters"
        )
    console.print(f"report: {summary['report']}")


@evals.command("run")
def run_command(
    adapter: Annotated[str, typer.Option("--adapter", help="The candidate adapter id (ad-...).")],
    against: Annotated[
        str,
        typer.Option("--against", help="Baseline: the tenant's champion (the base when none) or the base."),
    ] = "champion",
    tenant: TenantOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Evaluate an adapter on the tenant's held-out suites and the forgetting probes; prints the report's path."""
    from tracewheel.evals.runner import run_eval
    from tracewheel.trainer import registry

    if against not in ("champion", "base"):
        raise TracewheelError(f"--against must be 'champion' or 'base', got {against!r}")
    s = settings()
    tenant = tenant or s.trainer.default_tenant
    _quiet()
    record = registry.get(s.paths.adapters_dir, tenant, adapter)
    engine = _engine_factory(s, record.base_model)()
    try:
        with _RichProgress() as progress:
            run = run_eval(s.evals, s.trainer, s.paths, engine, tenant, adapter, against, progress)  # type: ignore[arg-type]
    finally:
        _close(engine)
    summary = _summary(run, run.gate)
    print_json(summary) if json_out else _print_human(summary)


@evals.command("show")
def show_command(
    run_id: Annotated[str, typer.Argument(help="Eval run id (ev-...).")],
    tenant: TenantOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show an eval run: the decision, its evidence and the report's path."""
    from tracewheel.evals import store

    s = settings()
    run = store.load_run(s.paths.evals_dir, run_id, tenant)
    summary = _summary(run, run.gate)
    if json_out:
        summary["examples"] = [r.model_dump(mode="json") for r in store.load_results(run)]
        print_json(summary)
    else:
        _print_human(summary)


@app.command("gate")
def gate_command(
    candidate: Annotated[str, typer.Argument(help="The candidate adapter id (ad-...).")],
    tenant: TenantOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide promote | reject | underpowered for a candidate against the champion (or the base), with evidence.

    Reuses the newest eval run on the same suites, else runs one. Does not change the adapter's status."""
    from tracewheel.evals.runner import gate
    from tracewheel.trainer import registry

    s = settings()
    tenant = tenant or s.trainer.default_tenant
    _quiet()
    record = registry.get(s.paths.adapters_dir, tenant, candidate)
    opened: list[Any] = []

    def factory() -> Any:
        opened.append(_engine_factory(s, record.base_model)())
        return opened[-1]

    try:
        with _RichProgress() as progress:
            run, result, reused = gate(s.evals, s.trainer, s.paths, factory, tenant, candidate, progress)
    finally:
        for engine in opened:
            _close(engine)
    summary = _summary(run, result, reused)
    print_json(summary) if json_out else _print_human(summary)
