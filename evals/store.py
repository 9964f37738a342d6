"""Eval runs on disk: ``paths.evals_dir/<tenant>/<run_id>/``.

``run.json`` (the run: adapters, suites, seeds, settings, metrics, the gate's result), ``examples.jsonl`` (every
example's prompt, reference, both outputs and scores), ``report.html`` (``evals/report.py``) and
``decisions.jsonl`` (each later ``gate`` decision taken on this run's results, with its evidence). A run directory is
written under a temporary name and renamed into place, so a crash never leaves half a run. The curator's
decontamination reads only ``*.jsonl`` directly under ``evals/<tenant>/``, never these run folders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

from pydantic import BaseModel, Field
from tracewheel.evals.gate import GateResult
from tracewheel.evals.metrics import Generation, Score

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError

RUN_FILE = "run.json"
EXAMPLES_FILE = "examples.jsonl"
REPORT_FILE = "report.html"
DECISIONS_FILE = "decisions.jsonl"
_RUN_RE = re.compile(r"ev-[0-9A-Za-z-]{1,100}")


class ExampleResult(BaseModel):
    example_id: str
    kind: str  # "task" | "probe"
    suite: str
    cluster: str
    messages: list[dict[str, Any]]
    reference_text: str | None = None
    reference_tool_calls: list[dict[str, Any]] | None = None
    candidate: Generation
    baseline: Generation
    candidate_score: Score
    baseline_score: Score


class EvalRun(BaseModel):
    run_id: str
    tenant: str
    created_at: datetime
    candidate: str = Field(description="The candidate adapter id.")
    baseline: str | None = Field(description="The baseline adapter id; None: the base model.")
    against: str = Field(description="'champion' or 'base': what the baseline was asked to be.")
    base_model: str
    suites: dict[str, int] = Field(description="Suite id (<tenant>/<task>, or probes) -> examples.")
    suite_fingerprint: str
    probes_fingerprint: str
    left_out: dict[str, int] = Field(default_factory=dict)
    settings: dict[str, Any]
    seeds: dict[str, int]
    metrics: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    perplexity: dict[str, float] | None = None
    reference_fingerprint: str = Field(default="", description="Of the text the perplexity was measured on.")
    reused_outputs: int = Field(
        default=0,
        description="Outputs read from earlier runs instead of generated (evals/generation_cache.py).",
    )
    gate: GateResult
    path: str = ""


def new_run_id() -> str:
    return f"ev-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{token_hex(3)}"


def check_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not _RUN_RE.fullmatch(run_id):
        shown = repr(run_id)[:60]
        raise TracewheelError(
            f"invalid eval run id {shown}: an eval run id is 'ev-' and letters, digits or '-'"
        )
    return run_id


def tenant_dir(evals_dir: Path, tenant: str) -> Path:
    return evals_dir / ids.tenant_name(tenant)


def write_run(evals_dir: Path, run: EvalRun, results: list[ExampleResult], report: str) -> EvalRun:
    root = tenant_dir(evals_dir, run.tenant)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = root / check_run_id(run.run_id)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{run.run_id}-", dir=root))
    try:
        run.path = str(final)
        (tmp / RUN_FILE).write_text(run.model_dump_json(indent=2))
        with open(tmp / EXAMPLES_FILE, "w") as fh:
            for r in results:
                fh.write(r.model_dump_json() + "\n")
        (tmp / REPORT_FILE).write_text(report)
        for f in tmp.iterdir():
            os.chmod(f, 0o600)
            with open(f, "rb+") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return run


def _find_dir(evals_dir: Path, run_id: str, tenant: str | None) -> Path:
    check_run_id(run_id)
    tenants = (
        [ids.tenant_name(tenant)] if tenant else sorted(p.name for p in evals_dir.glob("*") if p.is_dir())
    )
    for name in tenants:
        directory = evals_dir / name / run_id
        if (directory / RUN_FILE).exists():
            return directory
    raise TracewheelError(f"eval run {run_id} not found" + (f" for tenant {tenant}" if tenant else ""))


def load_run(evals_dir: Path, run_id: str, tenant: str | None = None) -> EvalRun:
    directory = _find_dir(evals_dir, run_id, tenant)
    run = EvalRun.model_validate_json((directory / RUN_FILE).read_text())
    run.path = str(directory)
    return run


def load_results(run: EvalRun) -> list[ExampleResult]:
    with open(Path(run.path) / EXAMPLES_FILE) as fh:
        return [ExampleResult.model_validate_json(line) for line in fh if line.strip()]


def list_runs(evals_dir: Path, tenant: str) -> list[EvalRun]:
    """A tenant's runs, oldest first."""
    root = tenant_dir(evals_dir, tenant)
    if not root.exists():
        return []
    runs = []
    for p in root.iterdir():
        if p.is_dir() and _RUN_RE.fullmatch(p.name) and (p / RUN_FILE).exists():
            run = EvalRun.model_validate_json((p / RUN_FILE).read_text())
            run.path = str(p)
            runs.append(run)
    return sorted(runs, key=lambda r: (r.created_at, r.run_id))


def append_decision(run: EvalRun, record: dict[str, Any]) -> None:
    """Log a gate decision taken on this run's results (append, fsync)."""
    path = Path(run.path) / DECISIONS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (json.dumps(record, default=str) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def purge_trace(evals_dir: Path, tenant: str, trace_id: str) -> list[str]:
    """Delete every run that evaluated on the trace (its outputs and report quote it); returns their ids.

    A run's interval and decision rest on all its examples, so a run is removed whole rather than edited.
    """
    removed = []
    for run in list_runs(evals_dir, tenant):
        with open(Path(run.path) / EXAMPLES_FILE) as fh:
            used = any(json.loads(line).get("example_id") == trace_id for line in fh if line.strip())
        if used:
            shutil.rmtree(run.path)
            removed.append(run.run_id)
    return removed
