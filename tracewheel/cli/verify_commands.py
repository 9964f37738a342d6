"""CLI commands: verify (score completions against verifier specs, or probe the specs for gameability)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from tracewheel.cli.common import err_console, jsonl_input, print_json
from tracewheel.core.errors import TracewheelError

app = typer.Typer()


@app.command("verify")
def verify(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="JSONL of {'completion': ..., 'verifier': {...}}; '-' or nothing reads stdin.",
            show_default=False,
        ),
    ] = None,
    probe: Annotated[
        bool,
        typer.Option(
            "--probe",
            help="Probe every distinct verifier in the file for gameability (master keys, many candidates, echoes, "
            "format-only regexes, constant answers, one answer winning most tasks, ...) instead of scoring "
            "completions; a line may carry a 'prompt' for the echo probe (each line with its prompt is one task).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --probe: print the report as JSON.")] = False,
) -> None:
    """Score completions against verifier specs (docs/06-verifiers.md).

    Writes one {"line", "reward", "reason"} JSON object per input line to stdout. A completion is the assistant's
    text or an OpenAI-style assistant message with 'tool_calls'. A bad line (not JSON, no valid 'verifier') is
    reported on stderr with its line number, skipped and counted; the exit code is 1 if any line was bad, or,
    with --probe, if any verifier failed a probe.
    """
    with jsonl_input(path, "verify") as source:
        failed = _probe(source, as_json) if probe else _score(source, sys.stdout)
    if failed:
        raise TracewheelError(f"verify: {failed}")


def _lines(source: TextIO) -> Any:
    """(line number, object, problem) for each non-blank line."""
    from tracewheel.core.verifiers import validate_spec

    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield number, None, f"not valid JSON ({exc})"
            continue
        if not isinstance(obj, dict):
            yield number, None, f"expected a JSON object, got {type(obj).__name__}"
            continue
        if "verifier" not in obj:
            yield number, None, "missing 'verifier' field"
            continue
        try:
            obj["verifier"] = validate_spec(obj["verifier"])
        except (ValueError, TypeError) as exc:
            yield number, None, f"bad verifier: {exc}"
            continue
        yield number, obj, None


def _score(source: TextIO, sink: TextIO) -> str:
    from tracewheel.core.verifiers import verify as run_verifier

    scored = bad = 0
    total = 0.0
    for number, obj, problem in _lines(source):
        if problem is None and "completion" not in obj:
            problem = "missing 'completion' field"
        if problem is None:
            try:
                verdict = run_verifier(obj["completion"], obj["verifier"])
            except (ValueError, TypeError) as exc:
                problem = f"bad completion: {exc}"
        if problem is not None:
            bad += 1
            err_console.print(f"line {number}: {problem}", highlight=False, markup=False)
            continue
        sink.write(json.dumps({"line": number, "reward": verdict.reward, "reason": verdict.reason}) + "\n")
        sink.flush()
        scored += 1
        total += verdict.reward
    mean = f", mean reward {total / scored:.3f}" if scored else ""
    err_console.print(f"verified {scored} line(s){mean}; {bad} bad", highlight=False)
    return f"{bad} bad line(s), reported above; the others were scored" if bad else ""


def _probe(source: TextIO, as_json: bool) -> str:
    from tracewheel.trainer.verifier_probes import probe_verifiers

    specs: list[dict[str, Any]] = []
    prompts: list[Any] = []
    bad = 0
    for number, obj, problem in _lines(source):
        if problem is not None:
            bad += 1
            err_console.print(f"line {number}: {problem}", highlight=False, markup=False)
            continue
        specs.append(obj["verifier"])
        prompts.append(obj.get("prompt"))
    with err_console.status(f"probing {len(specs)} verifier(s)"):
        failures = probe_verifiers(specs, prompts)
    if as_json:
        print_json({"verifiers": len(specs), "bad_lines": bad, "failures": failures})
    else:
        for failure in failures:
            err_console.print(failure.message, highlight=False, markup=False)
        failed_specs = len({f.verifier for f in failures})
        err_console.print(
            f"probed {len(specs)} verifier(s): {failed_specs} gameable, {len(failures)} probe failure(s); {bad} bad line(s)",
            highlight=False,
        )
    problems = []
    if failures:
        problems.append(f"{len({f.verifier for f in failures})} verifier(s) failed integrity probes")
    if bad:
        problems.append(f"{bad} bad line(s)")
    return "; ".join(problems)
