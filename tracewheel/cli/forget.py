"""Forgetting across the stages: ``tenants delete`` and ``traces delete`` (right to be forgotten).

Each stage forgets its own part (``collector.purge``: WAL and raw segments; ``curator.versions.purge_trace``:
dataset rows and the reviews of them; ``trainer.registry``: adapters); this module runs them in order, plus the
places only the whole configuration knows (trainer run directories, eval suites, the held-out split and the
eval runs that used a trace). The collector must be stopped
(``collector.purge.stopped_store`` says so otherwise): it is the one thing that cannot be rewritten under a
running writer.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tracewheel.collector import metrics_store, purge
from tracewheel.collector.object_store import ObjectStore
from tracewheel.collector.tenants import remove_tenant
from tracewheel.config import Settings
from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.curator import split as heldout_split
from tracewheel.curator import versions
from tracewheel.evals import store as eval_store
from tracewheel.trainer import registry


@dataclass
class Forgotten:
    """What a delete removed, for the command's report."""

    tenant: str
    trace_id: str | None = None
    tenant_entry: bool = False
    raw_rows: int = 0
    raw_files: int = 0
    metrics: bool = False
    dataset_versions: dict[str, int] = field(default_factory=dict)
    datasets_dir: bool = False
    adapters_dir: bool = False
    run_dirs: list[str] = field(default_factory=list)
    eval_suites: bool = False
    heldout_split: bool = False
    heldout_records: int = 0
    eval_runs: list[str] = field(default_factory=list)
    adapters_trained_on_it: list[str] = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(
            self.tenant_entry
            or self.raw_rows
            or self.raw_files
            or self.metrics
            or self.dataset_versions
            or self.datasets_dir
            or self.adapters_dir
            or self.run_dirs
            or self.eval_suites
            or self.heldout_split
            or self.heldout_records
            or self.eval_runs
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _runs_root(cfg: Settings, tenant: str) -> Path:
    return cfg.trainer.resolved_runs_dir(cfg.paths.home) / ids.tenant_name(tenant)


def forget_tenant(cfg: Settings, tenant: str) -> Forgotten:
    """Delete the tenant, its key and every byte of its data under the home."""
    ids.tenant_name(tenant, "tenant")
    paths = cfg.paths
    out = Forgotten(tenant)
    with purge.stopped_store(paths.traces_dir):
        # The key goes first: whatever fails later, the tenant can no longer send anything.
        out.tenant_entry = remove_tenant(paths.tenants_file, tenant)
        out.raw_files = purge.purge_tenant(paths.traces_dir, tenant)
        if (bucket := ObjectStore.from_settings(cfg.collector.object_store)) is not None:
            out.raw_files += bucket.purge_tenant(tenant)
        out.metrics = metrics_store.purge_tenant(paths.metrics_dir, tenant)
    out.datasets_dir = versions.delete_tenant(paths.datasets_dir, tenant)
    out.adapters_dir = registry.delete_tenant(paths.adapters_dir, tenant)
    runs = _runs_root(cfg, tenant)
    if runs.exists():
        out.run_dirs = [str(runs)]
        shutil.rmtree(runs)
    evals = paths.evals_dir / tenant
    if evals.exists():
        out.eval_suites = True
        shutil.rmtree(evals)
    out.heldout_split = heldout_split.delete_tenant(paths.splits_dir, tenant)
    if not out.anything:
        raise TracewheelError(f"no tenant {tenant!r}: nothing to delete")
    return out


def forget_trace(cfg: Settings, tenant: str, trace_id: str) -> Forgotten:
    """Delete one trace of one tenant: raw spans, logs, feedback, dead letters, dataset rows, run directories."""
    ids.tenant_name(tenant, "--tenant")
    trace_id = ids.trace_id(trace_id, "trace id")
    paths = cfg.paths
    out = Forgotten(tenant, trace_id)
    with purge.stopped_store(paths.traces_dir):
        out.raw_rows = purge.purge_trace(paths.traces_dir, tenant, trace_id)
        if (bucket := ObjectStore.from_settings(cfg.collector.object_store)) is not None:
            out.raw_rows += bucket.purge_trace(tenant, trace_id)
    report = versions.purge_trace(paths.datasets_dir, tenant, trace_id)
    out.dataset_versions = report.versions
    # A held-out run is in no dataset, but its redacted text is in the split and in the eval runs that used it.
    out.heldout_records = heldout_split.purge_trace(paths.splits_dir, tenant, trace_id)
    out.eval_runs = eval_store.purge_trace(paths.evals_dir, tenant, trace_id)
    touched = set(report.versions)
    runs = _runs_root(cfg, tenant)
    if touched and runs.is_dir():
        # A run directory (checkpoints, the tokenized rows) is keyed by "<method>-<version>-<key>".
        for run in sorted(runs.iterdir()):
            if run.is_dir() and any(f"-{v}-" in run.name for v in touched):
                out.run_dirs.append(str(run))
                shutil.rmtree(run)
    if touched:
        out.adapters_trained_on_it = [
            r.adapter_id for r in registry.trained_on(paths.adapters_dir, tenant, touched)
        ]
    return out
