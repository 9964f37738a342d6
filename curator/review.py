"""Interactive review of a dataset version in the terminal (Rich).

Rows are shown one at a time, with redaction placeholders (``<PERSON_1>``) and the excerpts the injection screener
flagged highlighted. Keys: ``a`` accept (on a quarantine row: release it into training), ``r`` reject, ``e`` edit
(opens ``$EDITOR`` on the row JSON; an edit is recorded as ``edit``, or as a release carrying the edited row for a
quarantine row), ``s`` skip, ``q`` quit. Each decision is appended at once (``versions.record_decision``), so
quitting or a crash loses nothing, and a later review starts at the first undecided row.

Each decision records who made it (``by``: ``--by``, or the OS user) and, for a spot check over a selection or a
sample, the selector. Decisions over many rows at once (by kind, label, reason, source) and the auto-accept policy
live in ``curator/review_bulk.py``.

Runs the integrity check held back (``curator/integrity.py``) have no row to decide on: the review lists them first,
with their reasons, as recorded in the version's manifest (``held_back_table``; ``tracewheel datasets held-back``
lists every held-back run in the trace store).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from tracewheel.curator import versions
from tracewheel.curator.versions import DatasetRow, Kind

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")
_REQUIRED: dict[str, tuple[str, ...]] = {
    "sft": ("messages",),
    "dpo": ("prompt", "chosen", "rejected"),
    "kto": ("prompt", "completion", "label"),
    "rewards": ("prompt", "verifier"),
    "quarantine": ("trace_id", "flags", "candidates"),
}
_MAX_SHOWN = 1500  # characters of one message shown; the editor shows all of it


@dataclass
class ReviewSummary:
    reviewed: Counter[str]
    remaining: int
    total: int


def pending_rows(
    datasets_dir: Path, tenant: str, version: str, kinds: list[Kind] | None = None
) -> list[DatasetRow]:
    """Rows without a decision, quarantine first (they hold back data until someone looks)."""
    order: list[Kind] = ["quarantine", *versions.TRAINABLE_KINDS]
    done = versions.decisions(datasets_dir, tenant, version)
    return [
        row
        for kind in order
        if kinds is None or kind in kinds
        for row in versions.read_rows(datasets_dir, tenant, version, kind)
        if row.row_id not in done
    ]


def validate_edit(kind: str, text: str) -> dict[str, Any]:
    """The edited row, or ``ValueError`` with a message a reviewer can act on."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"the edited row is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise ValueError("the edited row must be a JSON object")
    missing = [k for k in _REQUIRED.get(kind, ()) if k not in data]
    if missing:
        raise ValueError(f"the edited {kind} row lacks {', '.join(missing)}")
    return data


def _highlighted(text: str, excerpts: list[str]) -> Text:
    out = Text(
        text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + f" … (+{len(text) - _MAX_SHOWN} chars)"
    )
    out.highlight_regex(PLACEHOLDER, "bold magenta")
    for excerpt in excerpts:
        excerpt = excerpt.strip()
        if excerpt:
            out.highlight_regex(re.escape(excerpt[:200]), "bold white on red")
    return out


def _message_lines(messages: list[dict[str, Any]], excerpts: list[str], title: str = "") -> list[Any]:
    lines: list[Any] = [Text(title, style="bold underline")] if title else []
    colors = {"system": "dim", "user": "green", "assistant": "cyan", "tool": "yellow"}
    for m in messages:
        role = m.get("role", "?")
        head = Text(
            f"{role}{' ' + m['name'] if m.get('name') else ''}: ", style=f"bold {colors.get(role, '')}"
        )
        lines.append(head + _highlighted(str(m.get("content") or ""), excerpts))
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {})
            args = json.dumps(fn.get("arguments"), ensure_ascii=False)
            lines.append(
                Text("  → call ", style="cyan") + _highlighted(f"{fn.get('name')}({args})", excerpts)
            )
    return lines


def render_row(row: DatasetRow, position: int, total: int) -> Panel:
    lin = row.lineage
    flags = (
        [f for fl in (lin.get("screening") or {}).values() for f in fl] if row.kind != "quarantine" else []
    )
    if row.kind == "quarantine":
        flags = row.data.get("flags", [])
    excerpts = [str(f.get("excerpt", "")) for f in flags]
    body: list[Any] = [
        Text(f"traces: {', '.join(lin.get('trace_ids', []))}", style="dim"),
        Text(f"why: {lin.get('selected_because', '')}", style="dim"),
    ]
    redaction = lin.get("redaction") or {}
    counts = redaction if row.kind == "quarantine" else Counter()
    if row.kind != "quarantine":
        for per_trace in redaction.values():
            counts.update(per_trace)
    if counts and any(counts.values()):
        body.append(
            Text(
                "redacted: " + ", ".join(f"{k}×{v}" for k, v in sorted(counts.items()) if v), style="magenta"
            )
        )
    for f in flags:
        body.append(
            Text(
                f"⚠ injection suspected in tool {f.get('tool')} (message {f.get('message_index')}, score "
                f"{f.get('score')}): {', '.join(map(str, f.get('reasons', [])))}",
                style="bold red",
            )
        )
    data = row.data
    if row.kind == "sft":
        body += _message_lines(data.get("messages", []), excerpts)
    elif row.kind == "dpo":
        body += _message_lines(data.get("prompt", []), excerpts, "prompt")
        body += _message_lines(data.get("chosen", []), excerpts, "chosen")
        body += _message_lines(data.get("rejected", []), excerpts, "rejected")
    elif row.kind == "kto":
        body += _message_lines(data.get("prompt", []), excerpts, "prompt")
        body += _message_lines(
            data.get("completion", []), excerpts, f"completion (label: {data.get('label')})"
        )
    elif row.kind == "rewards":
        body += _message_lines(data.get("prompt", []), excerpts, "prompt")
        body.append(Text(f"verifier: {json.dumps(data.get('verifier'), ensure_ascii=False)}", style="bold"))
    else:
        for cand in data.get("candidates", []):
            shown = cand["data"].get("messages") or cand["data"].get("prompt", []) + (
                cand["data"].get("chosen") or cand["data"].get("completion") or []
            )
            body += _message_lines(shown, excerpts, f"held-back {cand['kind']} row {cand['row_id']}")
        if not data.get("candidates"):
            body.append(Text("(no rows were derived from this episode)", style="dim"))
    title = Text(f"[{position}/{total}] {row.kind} row {row.row_id}")
    return Panel(Group(*body), title=title, border_style="red" if row.kind == "quarantine" else "blue")


def held_back_table(runs: list[dict[str, Any]], title: str) -> Table:
    """Held-back runs (``HeldBackRun.to_dict`` or a manifest's ``held_back`` entries) with every finding."""
    table = Table(title=title, title_justify="left", show_lines=True)
    with_tenant = any("tenant" in r for r in runs)
    if with_tenant:
        table.add_column("tenant", no_wrap=True)
    table.add_column("trace", no_wrap=True)
    table.add_column("reason", style="bold red")
    table.add_column("findings")
    for r in runs:
        findings = "\n".join(f"{f.get('defect')}: {f.get('detail')}" for f in r.get("findings") or [])
        cells = [str(r.get("trace_id")), str(r.get("reason")), findings]
        table.add_row(*([str(r.get("tenant", ""))] if with_tenant else []), *cells)
    return table


def _edit_in_editor(text: str, editor: str) -> str:
    fd, path = tempfile.mkstemp(prefix="tracewheel-row-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        subprocess.run([*shlex.split(editor), path], check=False)
        return Path(path).read_text()
    finally:
        os.unlink(path)


def _terminal_ask(console: Console) -> Callable[[str], str]:
    def ask(prompt: str) -> str:
        try:
            return console.input(Text(prompt, style="bold"))
        except EOFError:  # stdin closed: stop like a quit, keeping what was decided
            return "q"

    return ask


def review(
    datasets_dir: Path,
    tenant: str,
    version: str,
    console: Console,
    kinds: list[Kind] | None = None,
    ask: Callable[[str], str] | None = None,
    editor: str | None = None,
    rows: list[DatasetRow] | None = None,
    by: str | None = None,
    selector: dict[str, Any] | None = None,
) -> ReviewSummary:
    """Walk the undecided rows of ``version`` (or only ``rows``, e.g. a spot-check sample from
    ``review_bulk.select_rows``), recording each decision as it is made, with who made it (``by``) and the
    selection it was made in (``selector``)."""
    ask = ask or _terminal_ask(console)
    editor = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"

    def say(message: str, style: str = "") -> None:
        console.print(Text(message, style=style))

    held = versions.read_manifest(datasets_dir, tenant, version).get("held_back") or []
    if held:
        console.print(
            held_back_table(
                held,
                f"{len(held)} run(s) held back when {version} was curated: not trained on, in no row "
                "(an incomplete or unreadable conversation)",
            )
        )
    only = None if rows is None else {r.row_id for r in rows}

    def undecided() -> list[DatasetRow]:
        return [
            r for r in pending_rows(datasets_dir, tenant, version, kinds) if only is None or r.row_id in only
        ]

    rows = undecided()
    total = len(rows)
    done: Counter[str] = Counter()
    if not rows:
        say(f"nothing to review in {version}: every row has a decision")
        return ReviewSummary(done, 0, 0)
    say(f"{total} row(s) to review in {version} ({tenant})")
    index = 0
    while index < len(rows):
        row = rows[index]
        console.print(render_row(row, index + 1, total))
        accept_word = "(a) release" if row.kind == "quarantine" else "(a)ccept"
        draft: str | None = None
        while True:
            key = ask(f"{accept_word} (r)eject (e)dit (s)kip (q)uit > ").strip().lower()
            if key in ("q", "quit"):
                say(f"stopped; {len(rows) - index} row(s) left undecided")
                return ReviewSummary(done, len(rows) - index, total)
            if key in ("s", "skip"):
                break
            if key in ("a", "accept", "release"):
                decision = "release" if row.kind == "quarantine" else "accept"
                versions.record_decision(
                    datasets_dir, tenant, version, row.row_id, decision, by=by, selector=selector
                )
                done[decision] += 1
                break
            if key in ("r", "reject"):
                versions.record_decision(
                    datasets_dir, tenant, version, row.row_id, "reject", by=by, selector=selector
                )
                done["reject"] += 1
                break
            if key in ("e", "edit"):
                draft = _edit_in_editor(draft or json.dumps(row.data, indent=2, ensure_ascii=False), editor)
                try:
                    edited = validate_edit(row.kind, draft)
                except ValueError as exc:
                    say(f"{exc}; press e to fix it (your text is kept), or s to skip", "red")
                    continue
                decision = "release" if row.kind == "quarantine" else "edit"
                versions.record_decision(
                    datasets_dir, tenant, version, row.row_id, decision, edited, by=by, selector=selector
                )
                done[decision] += 1
                say(f"recorded edited row ({decision})", "green")
                break
            say(f"unknown key {key!r}: a, r, e, s or q")
        index += 1
    left = len(undecided())
    say(f"review done: {dict(done)}; {left} row(s) still undecided")
    return ReviewSummary(done, left, total)
