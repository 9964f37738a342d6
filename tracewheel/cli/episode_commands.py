"""CLI commands: ``tracewheel episodes list|show`` and ``tracewheel traces show|delete``.

They read the trace store through ``collector.store.TraceStore`` and work while the collector runs (Parquet
segments plus the acknowledged rows still in its WAL; no lock is taken). Without ``--tenant`` they show every
tenant: these commands read the local store directly, so they are the operator's view on their own machine,
not a tenant-facing API (tenants reach their data through the collector's authenticated endpoints). Two tenants
may send the same trace id: ``show`` then names the tenants and asks for ``--tenant`` instead of merging them.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.tree import Tree

from tracewheel.cli.common import (
    JsonOpt,
    console,
    err_console,
    not_found,
    parse_when,
    pipe_friendly,
    print_json,
    settings,
)
from tracewheel.collector.episode import Episode, Message
from tracewheel.collector.store import TraceStore
from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.curator.integrity import Integrity, check_integrity

TenantOpt = Annotated[
    str | None, typer.Option("--tenant", "-t", help="Only this tenant (default: all tenants, operator view).")
]

app = typer.Typer()
episodes = typer.Typer(help="Normalized episodes: one agent run per trace.", no_args_is_help=True)
traces = typer.Typer(help="Raw spans as the collector stored them.", no_args_is_help=True)
app.add_typer(episodes, name="episodes")
app.add_typer(traces, name="traces")

_ROLE_STYLE = {"system": "magenta", "user": "cyan", "assistant": "green", "tool": "yellow"}


def summary(episode: Episode) -> dict[str, Any]:
    """The one-line view of an episode that ``episodes list --json`` prints."""
    return {
        "episode_id": episode.episode_id,
        "tenant": episode.tenant,
        "started_at": episode.started_at,
        "ended_at": episode.ended_at,
        "last_received_at": episode.last_received_at,
        "agent_name": episode.agent_name,
        "services": episode.services,
        "model": episode.model,
        "status": episode.status,
        "task": episode.task,
        "user_task": episode.user_task,
        "turns": sum(1 for m in episode.messages if m.role == "assistant"),
        "tool_calls": sum(len(m.tool_calls or []) for m in episode.messages),
        "usage": episode.usage,
        "feedback": len(episode.feedback),
        "span_count": episode.span_count,
        # Why curation would hold the run back (curator/integrity.py), or None: it would be curated.
        "held_back": check_integrity(episode).to_dict()["reason"],
    }


def _short(text: str | None, width: int | None = 60) -> str:
    text = " ".join((text or "").split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def episodes_table(episodes: list[Episode], full: bool = False) -> Table:
    """The ``episodes list`` table; ``full`` prints every value whole (for a pipe) instead of fitting a screen."""
    # Ids and times never wrap (they are what you copy); on a terminal, free text gives way to fit its width.
    table = Table(
        title=f"{len(episodes)} episode(s), most recently active first", box=box.SIMPLE_HEAD, padding=(0, 1)
    )
    table.add_column("episode", no_wrap=True, min_width=32)
    table.add_column("tenant", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True, min_width=16)
    table.add_column("status", no_wrap=True)
    table.add_column("turns/calls", justify="right", no_wrap=True)
    for header, width in (("model", 24), ("task", 12), ("user task", 40)):
        if full:
            # Past even the pipe's width, a cell folds onto more lines rather than losing its end.
            table.add_column(header, overflow="fold")
        else:
            table.add_column(header, overflow="ellipsis", no_wrap=True, max_width=width)
    for e in episodes:
        s = summary(e)
        table.add_row(
            e.episode_id,
            e.tenant,
            e.started_at.strftime("%Y-%m-%d %H:%M"),
            "[red]error[/red]" if e.status == "error" else "ok",
            f"{s['turns']}/{s['tool_calls']}",
            escape(e.model or "-"),
            escape(e.task or "-"),
            escape(_short(e.user_task, None if full else 80)),
        )
    return table


def _message_panel(message: Message) -> Panel:
    body: list[str] = []
    if message.content:
        body.append(escape(message.content))
    for call in message.tool_calls or []:
        body.append(
            f"[bold]→ {escape(call.function.name)}[/bold]({escape(call.function.arguments)})"
            + (f"  [dim]{escape(call.id)}[/dim]" if call.id else "")
        )
    title = message.role
    if message.role == "tool":
        title += f" {message.name or ''} [dim]{message.tool_call_id or ''}[/dim]"
    if message.finish_reason:
        title += f" [dim]({message.finish_reason})[/dim]"
    style = _ROLE_STYLE.get(message.role, "white")
    return Panel(
        "\n".join(body) or "[dim](no content captured)[/dim]",
        title=title,
        title_align="left",
        border_style=style,
        # A pipe gets panels as wide as their text, not as wide as its (very wide) page.
        expand=not pipe_friendly(),
    )


def _integrity_rows(integrity: Integrity) -> list[tuple[str, str]]:
    """The ``integrity`` line of ``episodes show``: whether curation would train on the run, and if not, why."""
    if not integrity.held_back:
        return [("integrity", "[green]ok[/green]")]
    rows = [("integrity", f"[red]held back: {escape(str(integrity.reason))}[/red] (curation derives no row)")]
    rows += [("", f"[red]{escape(str(f.defect))}[/red]: {escape(f.detail)}") for f in integrity.findings]
    return rows


def render_episode(episode: Episode) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    rows = [
        ("episode", episode.episode_id),
        ("tenant", episode.tenant),
        ("time", f"{episode.started_at:%Y-%m-%d %H:%M:%S.%f} → {episode.ended_at:%H:%M:%S.%f} UTC"),
        ("agent", episode.agent_name),
        ("services", ", ".join(episode.services)),
        ("model", f"{episode.model or '-'} ({episode.provider or '?'})"),
        ("usage", f"{episode.usage.input_tokens} in / {episode.usage.output_tokens} out"),
        ("status", episode.status),
        ("task", episode.task),
        ("expected", episode.expected),
        ("tools", ", ".join(t["function"]["name"] for t in episode.tools)),
        ("finish", ", ".join(episode.finish_reasons)),
    ]
    for key, value in rows:
        if value:
            head.add_row(key, escape(str(value)))
    for error in episode.errors:
        head.add_row("[red]error[/red]", escape(error))
    for fb in episode.feedback:
        parts = [
            f"score={fb.score}" if fb.score is not None else "",
            f"thumb={fb.thumb}" if fb.thumb else "",
            f"comment={fb.comment!r}" if fb.comment else "",
            f"corrected={fb.corrected_answer!r}" if fb.corrected_answer else "",
        ]
        head.add_row("feedback", escape(" ".join(p for p in parts if p)))
    for key, value in _integrity_rows(check_integrity(episode)):
        head.add_row(key, value)
    console.print(Panel(head, title="episode", title_align="left", expand=not pipe_friendly()))
    for message in episode.messages:
        console.print(_message_panel(message))


def span_tree(spans: list[dict[str, Any]], trace_id: str) -> Tree:
    span_ids = {s["span_id"] for s in spans}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for s in spans:
        parent = s["parent_span_id"] if s["parent_span_id"] in span_ids else None
        children.setdefault(parent, []).append(s)
    tenants = sorted({s.get("tenant") or "?" for s in spans})
    root = Tree(
        f"trace [bold]{trace_id}[/bold] ({len(spans)} spans) tenant [bold]{escape(', '.join(tenants))}[/bold]"
    )

    def label(s: dict[str, Any]) -> str:
        ms = (s["end_time_unix_nano"] - s["start_time_unix_nano"]) / 1e6
        status = {1: " [green]ok[/green]", 2: f" [red]error {escape(s['status_message'] or '')}[/red]"}.get(
            s["status_code"], ""
        )
        attrs = s["attributes"]
        keys = (
            "gen_ai.operation.name",
            "openinference.span.kind",
            "gen_ai.request.model",
            "llm.model_name",
            "gen_ai.tool.name",
            "tool.name",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
        )
        # "gen_ai.usage.input_tokens" -> "usage.input_tokens": short, still unambiguous.
        facts = " ".join(f"{k.split('.', 1)[1]}={attrs[k]}" for k in keys if k in attrs)
        return (
            f"[bold]{escape(s['name'])}[/bold] [dim]{s['span_id']} {escape(s['service_name'] or '-')} "
            f"{ms:.1f} ms[/dim]{status} {escape(facts)}"
        )

    def add(node: Tree, parent: str | None) -> None:
        for s in children.get(parent, []):
            add(node.add(label(s)), s["span_id"])

    add(root, None)
    return root


def _tenant(tenant: str | None) -> str | None:
    return None if tenant is None else ids.tenant_name(tenant, "--tenant")


def _ambiguous(what: str, trace_id: str, holders: list[str]) -> TracewheelError:
    return TracewheelError(
        f"{what} {trace_id} exists for tenants {', '.join(holders)}; pass --tenant to pick one"
    )


def _one_tenant(store: TraceStore, trace_id: str, what: str) -> str | None:
    """The one tenant holding ``trace_id`` (None when none does); two holders are never merged into one view."""
    holders = sorted({s["tenant"] for s in store.spans(None, trace_id)})
    if len(holders) > 1:
        raise _ambiguous(what, trace_id, holders)
    return holders[0] if holders else None


@episodes.command("list")
def list_episodes(
    tenant: TenantOpt = None,
    since: Annotated[
        str | None, typer.Option(help="Only runs active since: ISO time or a duration ago (30m, 1h, 2d).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only runs last active before this (same forms).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """List episodes, most recently active first."""
    tenant = _tenant(tenant)
    store = TraceStore(settings().paths.traces_dir, settings().collector.object_store)
    found = store.episodes(
        tenant,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        limit=limit,
        newest_first=True,
    )
    if as_json:
        print_json([summary(e) for e in found])
        return
    console.print(episodes_table(found, full=pipe_friendly()))
    if store.skipped_segments:
        err_console.print(f"[yellow]{len(store.skipped_segments)} unreadable segment(s) skipped[/yellow]")


@episodes.command("show")
def show_episode(
    episode_id: Annotated[str, typer.Argument(help="Episode id (= trace id, 32 hex).")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one episode: its conversation, tools, model, usage and outcome signals."""
    tenant = _tenant(tenant)
    episode_id = ids.episode_id(episode_id)
    store = TraceStore(settings().paths.traces_dir, settings().collector.object_store)
    if tenant is None:
        tenant = _one_tenant(store, episode_id, "episode")
    episode = store.episode(tenant, episode_id) if tenant else None
    if episode is None:
        raise not_found(f"episode {episode_id}", tenant)
    if as_json:
        # The episode as stored, plus the curator's integrity verdict (the same check ``curate`` runs).
        print_json({**episode.model_dump(mode="json"), "integrity": check_integrity(episode).to_dict()})
        return
    render_episode(episode)


@traces.command("show")
def show_trace(
    trace_id: Annotated[str, typer.Argument(help="Trace id (32 hex).")],
    tenant: TenantOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the raw spans of one trace as a parent/child tree."""
    tenant = _tenant(tenant)
    trace_id = ids.trace_id(trace_id)
    spans = TraceStore(settings().paths.traces_dir, settings().collector.object_store).spans(tenant, trace_id)
    holders = sorted({s["tenant"] for s in spans})
    if len(holders) > 1:
        raise _ambiguous("trace", trace_id, holders)
    if not spans:
        raise not_found(f"spans for trace {trace_id}", tenant)
    if as_json:
        print_json(spans)
        return
    console.print(span_tree(spans, trace_id))


@traces.command("delete")
def delete_trace(
    trace_id: Annotated[str, typer.Argument(help="Trace id (32 hex).")],
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant that sent the trace.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Forget one trace: its spans, logs, feedback and dead letters, and every dataset row made from it.

    The collector must be stopped (its shutdown flushes the WAL). Dataset versions that held rows of the trace
    are rewritten in place without them (ids kept); adapters already trained on them are listed, not changed.
    """
    from tracewheel.cli.forget import forget_trace

    tenant = ids.tenant_name(tenant, "--tenant")
    trace_id = ids.trace_id(trace_id)
    if not yes:
        typer.confirm(
            f"Delete trace {trace_id} of tenant {tenant!r} everywhere? This cannot be undone", abort=True
        )
    out = forget_trace(settings(), tenant, trace_id)
    if as_json:
        print_json(out.to_dict())
        return
    if not out.anything:
        err_console.print(f"nothing held trace {trace_id} for tenant {tenant!r}", highlight=False)
        return
    versions = ", ".join(f"{v} (-{n})" for v, n in out.dataset_versions.items()) or "none"
    err_console.print(
        f"deleted trace {trace_id} of tenant {tenant!r}: {out.raw_rows} raw row(s); dataset versions "
        f"rewritten: {versions}; {len(out.run_dirs)} run dir(s) removed",
        highlight=False,
    )
    if out.adapters_trained_on_it:
        err_console.print(
            "[yellow]adapters trained on those versions learned from the trace: "
            f"{', '.join(out.adapters_trained_on_it)} (retire or delete them)[/yellow]",
            highlight=False,
        )
