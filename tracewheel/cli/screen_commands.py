"""CLI commands: screen (prompt-injection screening of tool results, ``curator/screen.py``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from tracewheel.cli.common import err_console, jsonl_input, settings
from tracewheel.core.errors import TracewheelError

_BATCH = 64


app = typer.Typer()


@app.command("screen")
def screen(
    path: Annotated[
        Path | None,
        typer.Argument(
            help='JSONL file with one tool result per line ({"text": ..., "tool": ...}); stdin if omitted or \'-\'.'
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Score at which a result counts as an injection (default: the curator.screening.threshold setting)."
        ),
    ] = None,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Skip the learned classifier; rules alone decide.")
    ] = False,
) -> None:
    """Screen tool results for prompt injection: one {"injection", "score", "reasons", "line"} JSON line out per line in.

    A line that is not a JSON object with a string "text" is reported on stderr with its line number and
    counted; the others are still screened. Exits 1 if any line was bad.
    """

    cfg = settings()
    config = cfg.curator.screening
    updates: dict[str, Any] = {}
    if threshold is not None:
        if not 0.0 < threshold < 1.0:
            raise TracewheelError(f"--threshold must be between 0 and 1, got {threshold}")
        updates["threshold"] = threshold
    if rules_only:
        updates["use_classifier"] = False
    if updates:
        config = config.model_copy(update=updates)
    screener = _build_screener(config)

    with jsonl_input(path, "screen") as stream:
        counts = _screen_stream(screener, stream)
    err_console.print(
        f"screened {counts['screened']}, flagged {counts['flagged']}, bad lines {counts['bad']}",
        highlight=False,
    )
    if counts["bad"]:
        # Every good line was screened and written; the exit status still tells a pipeline that input was lost.
        raise TracewheelError(f"{counts['bad']} bad input line(s), reported above with their line numbers")


def _parse(line: str) -> tuple[str, str | None]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError('missing string field "text"')
    tool = obj.get("tool")
    if tool is not None and not isinstance(tool, str):
        raise ValueError('field "tool" must be a string')
    return text, tool


def _screen_stream(screener: Any, stream: TextIO) -> dict[str, int]:
    counts = {"screened": 0, "flagged": 0, "bad": 0}
    batch: list[tuple[int, str, str | None]] = []

    def _flush() -> None:
        results = screener.screen_many([(text, tool) for _, text, tool in batch])
        for (number, _, _), result in zip(batch, results, strict=True):
            out = {
                "line": number,
                "injection": result.injection,
                "score": result.score,
                "reasons": result.reasons,
            }
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            counts["screened"] += 1
            counts["flagged"] += int(result.injection)
        sys.stdout.flush()
        batch.clear()

    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            text, tool = _parse(line)
        except ValueError as exc:
            counts["bad"] += 1
            err_console.print(f"[red]line {number}:[/red] {exc}", highlight=False)
            continue
        batch.append((number, text, tool))
        if len(batch) >= _BATCH:
            _flush()
    if batch:
        _flush()
    return counts


def _build_screener(config: Any) -> Any:
    """The screener, with the classifier shipped fitted in the package (loaded, never trained here)."""
    from tracewheel.curator.screening.screen import Screener

    return Screener(config)
