"""CLI commands: redact."""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from tracewheel.cli.common import err_console, jsonl_input
from tracewheel.core.errors import TracewheelError

# Lines are redacted in batches so that spaCy's nlp.pipe and the dedup of identical texts pay off on big files.
_BATCH = 256


app = typer.Typer()


@app.command("redact")
def redact(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="JSONL file of objects with a 'text' field; '-' or nothing reads stdin.", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False)
    ] = None,
) -> None:
    """Redact PII and secrets in the 'text' field of JSONL objects.

    Each object is written back, one per line, with 'text' redacted (placeholders such as <PERSON_1>, numbered per
    line) and 'entities': [{type, start, end}].

    Offsets index the ORIGINAL text, in Python string indices (Unicode code points), end exclusive.

    Other fields pass through unchanged. A bad line is reported on stderr with its line number, skipped and
    counted; the exit status is 1 if any line was bad.
    """
    from tracewheel.cli.common import settings
    from tracewheel.curator.redaction.redact import Redactor

    try:
        redactor = Redactor(settings().curator.redaction)
    except ValueError as exc:
        raise TracewheelError(f"redact: {exc}") from exc
    with jsonl_input(path, "redact") as source:
        sink = sys.stdout if output is None else output.open("w", encoding="utf-8")
        try:
            with Progress(SpinnerColumn(), TextColumn("redacting: {task.completed} line(s)"), console=err_console,
                          transient=True) as progress:  # fmt: skip
                summary = _run(
                    redactor, source, sink, functools.partial(progress.advance, progress.add_task("redact"))
                )
        finally:
            if sink is not sys.stdout:
                sink.close()
    found = ", ".join(f"{t}={n}" for t, n in sorted(summary["entities"].items())) or "none"
    err_console.print(
        f"redacted {summary['redacted']} line(s), {summary['bad']} bad; entities: {found}", highlight=False
    )
    if summary["bad"]:
        raise TracewheelError(
            f"redact: {summary['bad']} bad line(s), reported above; the others were written"
        )


def _run(redactor, source: TextIO, sink: TextIO, advance: Callable[[int], None]) -> dict:
    counts: Counter[str] = Counter()
    redacted = bad = 0
    batch: list[dict] = []

    def flush() -> None:
        nonlocal redacted
        if not batch:
            return
        for obj, result in zip(batch, redactor.redact_texts([o["text"] for o in batch]), strict=True):
            obj["text"] = result.text
            obj["entities"] = result.entities
            counts.update(e["type"] for e in result.entities)
            sink.write(json.dumps(obj, ensure_ascii=False) + "\n")
        redacted += len(batch)
        advance(len(batch))
        batch.clear()

    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        obj, problem = _parse(line)
        if problem:
            bad += 1
            err_console.print(f"line {number}: {problem}", highlight=False, markup=False)
            continue
        batch.append(obj)
        if len(batch) >= _BATCH:
            flush()
    flush()
    return {"redacted": redacted, "bad": bad, "entities": dict(counts)}


def _parse(line: str) -> tuple[dict | None, str | None]:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, got {type(obj).__name__}"
    if not isinstance(obj.get("text"), str):
        return None, "missing 'text' string field"
    return obj, None
