"""CLI commands of the curator stage: ``curate`` and the ``datasets`` group (list, show, diff, export, review,
decide, auto-accept)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tracewheel.cli.common import JsonOpt, console, err_console, parse_when, print_json, settings
from tracewheel.collector.store import TraceStore
from tracewheel.config import Settings
from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.curator import versions

app = typer.Typer()
datasets = typer.Typer(
    help="Dataset versions: list, show, diff, export, review, decide, auto-accept; runs held back from them.",
    no_args_is_help=True,
)
app.add_typer(datasets, name="datasets")


class _RichProgress:
    """The pipeline's Progress hook drawn as a Rich bar on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def stage(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(name, total=max(total, 1))

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)


def _trace_store(cfg: Settings) -> TraceStore:
    return TraceStore(cfg.paths.traces_dir, cfg.collector.object_store)


def _tenant(tenant: str | None) -> str | None:
    """A ``--tenant`` value, checked before it names any directory."""
    return None if tenant is None else ids.tenant_name(tenant, "--tenant")


def _tenants_with_versions(datasets_dir: Path, tenant: str | None) -> list[str]:
    return [tenant] if _tenant(tenant) else versions.list_tenants(datasets_dir)


def _review_state(datasets_dir: Path, tenant: str, version: str) -> dict[str, Any]:
    chosen = versions.decisions(datasets_dir, tenant, version)
    total = sum(versions.read_manifest(datasets_dir, tenant, version)["rows"].values())
    by: dict[str, int] = {}
    deciders: dict[str, int] = {}
    for entry in chosen.values():
        by[entry["decision"]] = by.get(entry["decision"], 0) + 1
        who = entry.get("by") or "unrecorded"
        deciders[who] = deciders.get(who, 0) + 1
    return {
        "decided": len(chosen),
        "undecided": max(total - len(chosen), 0),
        "decisions": by,
        "by": deciders,
    }


@app.command("curate")
def curate_command(
    tenant: Annotated[
        str | None, typer.Option(help="Curate only this tenant (default: every tenant).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Select episodes from this time (ISO 8601 or 24h/7d) instead of the watermark."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Select episodes before this time (ISO 8601 or 24h/7d).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON on stdout.")] = False,
    on_ray: Annotated[
        bool,
        typer.Option(
            "--ray", help="Redact and screen on Ray (RAY_ADDRESS, else a local Ray); needs the ray extra."
        ),
    ] = False,
    ray_address: Annotated[
        str | None, typer.Option(help="The Ray cluster to run on (implies --ray), e.g. ray://head:10001.")
    ] = None,
    ray_workers: Annotated[
        int | None, typer.Option(min=1, help="Ray actors, each loading the models once (default: the CPUs).")
    ] = None,
) -> None:
    """Curate new episodes into a new dataset version: redact, screen, label, derive, dedup, decontaminate."""
    from tracewheel.curator.pipeline import Engines, curate

    tenant = _tenant(tenant)
    cfg = settings()
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    if start and end and start >= end:
        raise TracewheelError("--since must be before --until")
    store = _trace_store(cfg)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    if on_ray or ray_address or ray_workers:
        try:
            from tracewheel.curator.ray_curate import curate_on_ray
        except ModuleNotFoundError as exc:
            if exc.name != "ray":
                raise
            raise TracewheelError("--ray needs Ray: pip install 'tracewheel[ray]'") from None
        with Progress(*columns, console=err_console, transient=as_json) as bar:
            run = curate_on_ray(
                cfg.curator,
                cfg.paths,
                store,
                tenant,
                start,
                end,
                _RichProgress(bar),
                address=ray_address,
                workers=ray_workers,
            )
        results = run.results
        err_console.print(f"Ray: {run.episodes} episodes, {run.batches} batches, {run.workers} workers")
    else:
        with err_console.status("loading the redaction and screening engines"):
            engines = Engines.default(cfg.curator, cfg.paths)
        with Progress(*columns, console=err_console, transient=as_json) as bar:
            results = curate(cfg.curator, cfg.paths, store, engines, tenant, start, end, _RichProgress(bar))
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    table = Table(
        "tenant",
        "version",
        "selected",
        "skipped",
        "held back",
        "redacted",
        "quarantined",
        "new rows",
        "dedup",
        "decontam",
    )
    for r in results:
        c = r.counts
        table.add_row(
            r.tenant,
            (r.version or "-") + ("" if r.new_version else " (unchanged)"),
            str(c["selected"]),
            ", ".join(f"{k}: {v}" for k, v in c["skipped"].items()) or "0",
            ", ".join(f"{k}: {v}" for k, v in c.get("held_back", {}).items()) or "0",
            ", ".join(f"{k}: {v}" for k, v in sorted(c["redacted"].items())) or "0",
            str(c["quarantined"]),
            ", ".join(f"{k}: {v}" for k, v in c["new_rows"].items() if v) or "0",
            str(sum(c["deduplicated"].values())),
            str(c["decontaminated"]),
        )
    console.print(table)
    if not results:
        console.print("no tenants have episodes yet")
    if any(r.held_back for r in results):
        console.print("held-back runs are listed, with why, by `tracewheel datasets held-back`")


@datasets.command("held-back")
def held_back_command(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant (default: every tenant).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only runs active since: ISO time or a duration ago (30m, 1h, 2d).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only runs last active before this (same forms).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, most recently active first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List the runs curation holds back (no SFT, DPO, KTO or reward row), each with its reasons.

    Reads the trace store with the same integrity check ``curate`` runs: a run ending on a tool message, a tool
    call without a result or a result without a call, a turn after the final answer, no user message or final
    answer, an empty turn, or content the collector could not read.
    """
    from tracewheel.curator.integrity import held_back_runs
    from tracewheel.curator.review import held_back_table

    tenant = _tenant(tenant)
    store = _trace_store(settings())
    episodes = store.episodes(
        tenant, since=parse_when(since, "--since"), until=parse_when(until, "--until"), newest_first=True
    )
    runs = [r.to_dict() for r in held_back_runs(episodes)][:limit]
    if as_json:
        print_json(runs)
        return
    if not runs:
        console.print("no run is held back")
        return
    console.print(held_back_table(runs, f"{len(runs)} run(s) held back: not trained on, in no row"))


@datasets.command("list")
def list_command(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's versions.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List dataset versions, oldest first."""
    d = settings().paths.datasets_dir
    out = []
    for t in _tenants_with_versions(d, tenant):
        for m in versions.list_versions(d, t):
            out.append(
                {
                    "tenant": t,
                    "version": m["version"],
                    "created_at": m["created_at"],
                    "parent": m.get("parent"),
                    "rows": m["rows"],
                    "review": _review_state(d, t, m["version"]),
                }
            )
    if as_json:
        print_json(out)
        return
    table = Table("tenant", "version", "created", "parent", "rows", "reviewed")
    for v in out:
        rows = ", ".join(f"{k}: {n}" for k, n in v["rows"].items() if n) or "0"
        table.add_row(
            v["tenant"],
            v["version"],
            v["created_at"][:19],
            v["parent"] or "-",
            rows,
            str(v["review"]["decided"]),
        )
    console.print(table if out else "no dataset versions yet")


@datasets.command("show")
def show_command(
    version: Annotated[str, typer.Argument(help="Version id (ds-...).")],
    tenant: Annotated[
        str | None, typer.Option(help="Tenant holding the version (found when omitted).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a version's manifest (selection, counts, config) and review progress."""
    tenant, version = _tenant(tenant), ids.dataset_version(version)
    d = settings().paths.datasets_dir
    t = versions.find_tenant(d, version, tenant)
    manifest = versions.read_manifest(d, t, version)
    manifest["review"] = _review_state(d, t, version)
    if as_json:
        print_json(manifest)
        return
    console.print_json(json.dumps(manifest, default=str))


@datasets.command("diff")
def diff_command(
    old: Annotated[str, typer.Argument(help="The older version.")],
    new: Annotated[str, typer.Argument(help="The newer version.")],
    tenant: Annotated[str | None, typer.Option(help="Tenant holding both versions.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rows added and removed per kind between two versions."""
    tenant, old, new = (
        _tenant(tenant),
        ids.dataset_version(old, "old version"),
        ids.dataset_version(new, "new version"),
    )
    d = settings().paths.datasets_dir
    t = versions.find_tenant(d, old, tenant)
    versions.find_tenant(d, new, t)
    diff = versions.diff_versions(d, t, old, new)
    summary = {k: {"added": len(v["added"]), "removed": len(v["removed"])} for k, v in diff.items()}
    if as_json:
        print_json({"tenant": t, "old": old, "new": new, "summary": summary, "rows": diff})
        return
    table = Table("kind", "added", "removed", title=f"{old} → {new}")
    for k, v in summary.items():
        table.add_row(k, f"+{v['added']}", f"-{v['removed']}")
    console.print(table)


@datasets.command("export")
def export_command(
    version: Annotated[str, typer.Argument(help="Version id (ds-...).")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or parquet.")] = "jsonl",
    kind: Annotated[
        str | None,
        typer.Option(help="Only this kind, as bare TRL rows (sft, dpo, kto, rewards, quarantine)."),
    ] = None,
    reviewed: Annotated[
        bool,
        typer.Option("--reviewed", help="With --kind: only what training takes (decisions applied)."),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (jsonl default: stdout).")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant holding the version.")] = None,
) -> None:
    """Export a version's rows: with --kind, the TRL rows themselves; without, every row with its lineage."""
    tenant, version = _tenant(tenant), ids.dataset_version(version)
    from tracewheel.curator import export

    if fmt not in export.FORMATS:
        raise TracewheelError(f"--format must be jsonl or parquet, got {fmt!r}")
    if kind is not None and kind not in versions.KINDS:
        raise TracewheelError(f"--kind must be one of {', '.join(versions.KINDS)}, got {kind!r}")
    if reviewed and kind in (None, "quarantine"):
        raise TracewheelError("--reviewed needs --kind sft, dpo, kto or rewards")
    if fmt == "parquet" and output is None:
        raise TracewheelError("--format parquet needs -o PATH")
    d = settings().paths.datasets_dir
    t = versions.find_tenant(d, version, tenant)
    if kind is not None:
        records = (
            versions.training_rows(d, t, version, kind, reviewed_only=True)
            if reviewed
            else [r.data for r in versions.read_rows(d, t, version, kind)]
        )
    else:
        chosen = versions.decisions(d, t, version)
        records = [
            {
                "kind": r.kind,
                "row_id": r.row_id,
                "data": r.data,
                "lineage": r.lineage,
                "decision": (chosen.get(r.row_id) or {}).get("decision"),
            }
            for r in versions.all_rows(d, t, version)
        ]
    if output is None:
        sys.stdout.write(export.jsonl_text(records))
    else:
        export.export_rows(records, output, fmt)  # type: ignore[arg-type]  # checked above
        err_console.print(f"wrote {len(records)} row(s) to {output}")


def _by(by: str | None) -> str:
    """Who decides: ``--by``, or the OS user running the command."""
    import getpass

    name = (by or "").strip() or getpass.getuser()
    if len(name) > 200 or any(not c.isprintable() for c in name):
        raise TracewheelError("--by must be a short printable name")
    return name


def _selector(
    kind: list[str] | None,
    label: list[str] | None,
    reason: list[str] | None,
    source: list[str] | None,
    sample: int | None,
    seed: int,
    include_decided: bool = False,
) -> Any:
    from tracewheel.curator.review_bulk import Selector

    for k in kind or []:
        if k not in versions.KINDS:
            raise TracewheelError(f"--kind must be one of {', '.join(versions.KINDS)}, got {k!r}")
    for lab in label or []:
        if lab not in ("good", "bad", "unknown"):
            raise TracewheelError(f"--label must be good, bad or unknown, got {lab!r}")
    return Selector(
        kinds=kind or [],
        labels=label or [],
        reasons=reason or [],
        sources=source or [],
        include_decided=include_decided,
        sample=sample,
        seed=seed,
    )


KindOpt = Annotated[list[str] | None, typer.Option(help="Only rows of this kind (repeatable).")]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Only rows whose run is labelled this: good, bad, unknown (repeatable; a pair: its chosen run)."
    ),
]
ReasonOpt = Annotated[
    list[str] | None,
    typer.Option(help="Only rows whose reasons or flags contain this text, any case (repeatable)."),
]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="Only rows from this source: feedback, verifier, rejection_sampling, ... (repeatable)."
    ),
]
SampleOpt = Annotated[
    int | None, typer.Option(min=1, help="A random sample of this many of the selected rows (spot check).")
]
SeedOpt = Annotated[int, typer.Option(help="Seed of --sample (the same seed picks the same rows).")]
ByOpt = Annotated[
    str | None, typer.Option(help="Who decides, recorded on each decision (default: the OS user).")
]


@datasets.command("review")
def review_command(
    version: Annotated[str, typer.Argument(help="Version id (ds-...).")],
    tenant: Annotated[str | None, typer.Option(help="Tenant holding the version.")] = None,
    kind: KindOpt = None,
    label: LabelOpt = None,
    reason: ReasonOpt = None,
    source: SourceOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    by: ByOpt = None,
) -> None:
    """Review rows one by one: (a)ccept/release, (r)eject, (e)dit in $EDITOR, (s)kip, (q)uit; resumable.

    With --label/--reason/--source/--sample, only the undecided rows so selected are shown (a spot check); the
    rest stay as they are."""
    tenant, version = _tenant(tenant), ids.dataset_version(version)
    from tracewheel.curator.review import review
    from tracewheel.curator.review_bulk import select_rows

    selector = _selector(kind, label, reason, source, sample, seed)
    d = settings().paths.datasets_dir
    t = versions.find_tenant(d, version, tenant)
    bulk = bool(label or reason or source or sample)
    rows = select_rows(d, t, version, selector) if bulk else None
    review(
        d,
        t,
        version,
        console,
        kinds=list(kind) if kind else None,
        rows=rows,
        by=_by(by),
        selector=selector.record() if bulk else None,
    )


def _print_decisions(result: Any, what: str) -> None:
    verb = "would record" if result.dry_run else "recorded"
    counts = ", ".join(f"{k}: {n}" for k, n in sorted(result.counts.items())) or "no decision"
    console.print(f"{result.version} ({result.tenant}): {verb} {counts} ({what})")
    by_kind: dict[tuple[str, str], int] = {}
    for d in result.rows:
        by_kind[(d.kind, d.by)] = by_kind.get((d.kind, d.by), 0) + 1
    if by_kind:
        table = Table("kind", "by", "rows")
        for (k, b), n in sorted(by_kind.items()):
            table.add_row(k, b, str(n))
        console.print(table)
    for why, n in result.refused.items():
        console.print(f"left undecided: {n} row(s), {why}")


@datasets.command("decide")
def decide_command(
    version: Annotated[str, typer.Argument(help="Version id (ds-...).")],
    accept: Annotated[bool, typer.Option("--accept", help="Accept the selected rows.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject the selected rows.")] = False,
    kind: KindOpt = None,
    label: LabelOpt = None,
    reason: ReasonOpt = None,
    source: SourceOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 0,
    include_decided: Annotated[
        bool,
        typer.Option("--include-decided", help="Also rows that already have a decision (it is replaced)."),
    ] = False,
    by: ByOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be decided; record nothing.")
    ] = False,
    tenant: Annotated[str | None, typer.Option(help="Tenant holding the version.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept or reject many rows at once, by kind, label, reason, source or a random sample.

    Undecided rows only, unless --include-decided. Quarantine rows are never released in bulk (review them one by
    one), and rows from flagged or held-back runs are never accepted in bulk; a reject is always allowed."""
    if accept == reject:
        raise TracewheelError("pass exactly one of --accept or --reject")
    tenant, version = _tenant(tenant), ids.dataset_version(version)
    from tracewheel.curator.review_bulk import decide

    selector = _selector(kind, label, reason, source, sample, seed, include_decided)
    d = settings().paths.datasets_dir
    t = versions.find_tenant(d, version, tenant)
    result = decide(d, t, version, selector, "accept" if accept else "reject", _by(by), dry_run)
    if as_json:
        print_json(result.to_dict())
        return
    _print_decisions(result, f"by {_by(by)}")


@datasets.command("auto-accept")
def auto_accept_command(
    version: Annotated[str | None, typer.Argument(help="Version id (ds-...); or --latest.")] = None,
    latest: Annotated[
        bool,
        typer.Option("--latest", help="The newest version of the tenant (of each tenant without --tenant)."),
    ] = False,
    tenant: Annotated[str | None, typer.Option(help="Tenant holding the version.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be accepted; record nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Accept the undecided rows the tenant's [curator.auto_accept] rules match (recorded as policy:<rule>).

    Never releases a quarantine row, never accepts a row from a flagged or held-back run, never overrides a
    decision already made."""
    if (version is None) == (not latest):
        raise TracewheelError("pass a VERSION or --latest (not both)")
    tenant = _tenant(tenant)
    from tracewheel.curator.review_bulk import apply_auto_accept

    cfg = settings()
    d = cfg.paths.datasets_dir
    targets: list[tuple[str, str]] = []
    if version is not None:
        version = ids.dataset_version(version)
        targets.append((versions.find_tenant(d, version, tenant), version))
    else:
        for t in _tenants_with_versions(d, tenant):
            found = versions.list_versions(d, t)
            if found:
                targets.append((t, found[-1]["version"]))
        if tenant is not None and not targets:
            raise TracewheelError(f"tenant {tenant!r} has no dataset version yet")
    results = [apply_auto_accept(d, t, v, cfg.curator.auto_accept, dry_run) for t, v in targets]
    if as_json:
        print_json([r.to_dict() for r in results])
        return
    if not results:
        console.print("no dataset versions yet")
    for r in results:
        rules = cfg.curator.auto_accept.rules_for(r.tenant)
        _print_decisions(
            r, f"{len(rules)} auto-accept rule(s)" if rules else "no auto-accept rule for this tenant"
        )
