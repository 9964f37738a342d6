"""Immutable, content-addressed dataset versions per tenant, and the review decisions recorded on them.

On disk, under ``$TRACEWHEEL_HOME/datasets/<tenant>/<version>/``:

- ``manifest.json``: version id, tenant, parent version, created_at, counts, and whatever the pipeline records;
- ``<kind>.parquet`` for each kind in ``KINDS``: columns ``row_id``, ``data`` (the TRL row as JSON),
  ``lineage`` (source trace ids, redaction, screening, selection reason, as JSON); nested rows are stored as JSON
  text because tool schemas and tool-call arguments have no fixed Arrow schema;
- ``reviews.jsonl``: append-only review decisions (the only file that changes after the version is written; the
  version id covers the rows, never the decisions).

A version is written into a temporary directory and renamed into place, so a crash leaves no half version.

Rows derived from an episode the injection screener flagged are not trainable rows: they sit as candidates inside
that episode's ``quarantine`` row until a reviewer releases it (see ``released_rows``). The curation pipeline keeps
its watermark beside the versions, in ``<tenant>/.watermark.json``, and takes ``<tenant>/.curate.lock``
(``tenant_lock``) for the whole run.

Forgetting a trace (``purge_trace``) rewrites every version holding a row made from it, in place: the version
keeps its id (adapters and reviews name it), its Parquet files and ``reviews.jsonl`` lose the rows and the
decisions on them, and its manifest records how many rows were purged (never which trace). Each file is replaced
atomically; a crash between files leaves a version partly purged, and running the purge again finishes it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.core.verifiers import SPAN_SAFE_TYPES

logger = logging.getLogger(__name__)

Kind = Literal["sft", "dpo", "kto", "rewards", "quarantine"]
KINDS: tuple[Kind, ...] = ("sft", "dpo", "kto", "rewards", "quarantine")
TRAINABLE_KINDS: tuple[Kind, ...] = ("sft", "dpo", "kto", "rewards")
Decision = Literal["accept", "reject", "edit", "release"]


@dataclass
class DatasetRow:
    """One training row (a TRL conversational row in ``data``) with its lineage."""

    kind: Kind
    data: dict[str, Any]
    lineage: dict[str, Any] = field(default_factory=dict)
    row_id: str = ""

    def __post_init__(self) -> None:
        if not self.row_id:
            self.row_id = _digest(self.kind, _canonical(self.data))[:16]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def tenant_dir(datasets_dir: Path, tenant: str) -> Path:
    return datasets_dir / ids.tenant_name(tenant)


def version_dir(datasets_dir: Path, tenant: str, version: str) -> Path:
    path = tenant_dir(datasets_dir, tenant) / ids.dataset_version(version)
    if not (path / "manifest.json").exists():
        raise TracewheelError(f"dataset version {version!r} not found for tenant {tenant!r}")
    return path


def write_version(
    datasets_dir: Path, tenant: str, rows: list[DatasetRow], manifest: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write rows as a new version; return its manifest. Same rows give the same version id (no duplicate)."""
    by_kind: dict[str, list[DatasetRow]] = {k: [] for k in KINDS}
    for row in rows:
        if row.kind not in by_kind:
            raise ValueError(f"row kind must be one of {KINDS}, got {row.kind!r}")
        by_kind[row.kind].append(row)
    for kind_rows in by_kind.values():
        kind_rows.sort(key=lambda r: r.row_id)
    content = _digest(
        *(
            f"{r.kind}:{r.row_id}:{_canonical(r.data)}:{_canonical(r.lineage)}"
            for k in KINDS
            for r in by_kind[k]
        )
    )
    version = "ds-" + content[:12]
    root = tenant_dir(datasets_dir, tenant)
    final = root / version
    if (final / "manifest.json").exists():
        return read_manifest(datasets_dir, tenant, version)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    full_manifest = {
        "version": version,
        "tenant": tenant,
        "created_at": datetime.now(UTC).isoformat(),
        "rows": {k: len(v) for k, v in by_kind.items()},
        **(manifest or {}),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        for kind, kind_rows in by_kind.items():
            table = pa.table(
                {
                    "row_id": pa.array([r.row_id for r in kind_rows], pa.string()),
                    "data": pa.array([_canonical(r.data) for r in kind_rows], pa.string()),
                    "lineage": pa.array([_canonical(r.lineage) for r in kind_rows], pa.string()),
                }
            )
            pq.write_table(table, tmp / f"{kind}.parquet", compression="zstd")
        with open(tmp / "manifest.json", "w") as fh:
            json.dump(full_manifest, fh, indent=2, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return full_manifest


def read_manifest(datasets_dir: Path, tenant: str, version: str) -> dict[str, Any]:
    return json.loads((version_dir(datasets_dir, tenant, version) / "manifest.json").read_text())


def list_versions(datasets_dir: Path, tenant: str) -> list[dict[str, Any]]:
    """Manifests of a tenant's versions, oldest first."""
    root = tenant_dir(datasets_dir, tenant)
    if not root.exists():
        return []
    manifests = [
        json.loads((p / "manifest.json").read_text())
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").exists()
    ]
    return sorted(manifests, key=lambda m: m["created_at"])


def read_rows(datasets_dir: Path, tenant: str, version: str, kind: Kind) -> list[DatasetRow]:
    return _read_kind(version_dir(datasets_dir, tenant, version), kind)


def _read_kind(directory: Path, kind: Kind) -> list[DatasetRow]:
    """The rows of one kind's parquet file in a version directory; none when the version has no such file."""
    path = directory / f"{kind}.parquet"
    if not path.exists():
        return []
    table = pq.read_table(path)
    return [
        DatasetRow(kind=kind, data=json.loads(d), lineage=json.loads(lin), row_id=rid)
        for rid, d, lin in zip(
            table.column("row_id").to_pylist(),
            table.column("data").to_pylist(),
            table.column("lineage").to_pylist(),
            strict=True,
        )
    ]


def record_decision(
    datasets_dir: Path,
    tenant: str,
    version: str,
    row_id: str,
    decision: Decision,
    edited: dict[str, Any] | None = None,
    by: str | None = None,
    selector: dict[str, Any] | None = None,
) -> None:
    """Append one review decision; the latest decision for a row wins.

    ``by`` names who made it (a person, or ``policy:<rule>``); ``selector`` the bulk selection it came from."""
    if decision == "edit" and edited is None:
        raise ValueError("edited row is required for an 'edit' decision")
    record_decisions(datasets_dir, tenant, version, [(row_id, decision, edited)], by, selector)


def record_decisions(
    datasets_dir: Path,
    tenant: str,
    version: str,
    entries: list[tuple[str, Decision, dict[str, Any] | None]],
    by: str | None = None,
    selector: dict[str, Any] | None = None,
) -> None:
    """Append many decisions (row id, decision, edited row) in one write and one fsync (bulk review)."""
    path = version_dir(datasets_dir, tenant, version) / "reviews.jsonl"
    at = datetime.now(UTC).isoformat()
    lines = []
    for row_id, decision, edited in entries:
        entry: dict[str, Any] = {"row_id": row_id, "decision": decision, "edited": edited, "at": at}
        if by is not None:
            entry["by"] = by
        if selector is not None:
            entry["selector"] = selector
        lines.append(json.dumps(entry) + "\n")
    with open(path, "a") as fh:
        fh.write("".join(lines))
        fh.flush()
        os.fsync(fh.fileno())


def decisions(datasets_dir: Path, tenant: str, version: str) -> dict[str, dict[str, Any]]:
    """The latest decision per row id."""
    path = version_dir(datasets_dir, tenant, version) / "reviews.jsonl"
    latest: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                latest[entry["row_id"]] = entry
    return latest


def training_rows(
    datasets_dir: Path, tenant: str, version: str, kind: Kind, reviewed_only: bool = True
) -> list[dict[str, Any]]:
    """The TRL rows training takes: accepted rows, with edits applied, plus released quarantine candidates.

    With ``reviewed_only`` (the default), a row needs an ``accept`` or ``edit`` decision; without it, every row
    not rejected is taken. Rejected rows are never taken. Rows derived from a quarantined episode (a suspected
    prompt injection) live inside its ``quarantine`` row and are taken only once a reviewer ``release``s it,
    whatever ``reviewed_only`` says (see ``released_rows``).
    """
    if kind not in TRAINABLE_KINDS:
        raise ValueError(f"kind must be one of {TRAINABLE_KINDS}, got {kind!r}")
    chosen = decisions(datasets_dir, tenant, version)
    out: list[dict[str, Any]] = []
    for row in read_rows(datasets_dir, tenant, version, kind):
        decision = chosen.get(row.row_id)
        verdict = decision["decision"] if decision else None
        if verdict == "reject" or (reviewed_only and verdict not in ("accept", "edit")):
            continue
        if verdict != "edit" and not _verifier_allowed(row):
            kind_of_check = row.data["verifier"].get("type")
            logger.warning(
                "row %s skipped: its %s verifier is not from the operator's config", row.row_id, kind_of_check
            )
            continue
        out.append(decision["edited"] if verdict == "edit" else row.data)
    return out + released_rows(datasets_dir, tenant, version, kind, chosen)


def _verifier_allowed(row: DatasetRow) -> bool:
    """A reward row runs its verifier in training: code- or regex-running specs must be the operator's.

    Rows are derived under the same rule (``curator/derive.py``); this holds it again for versions written before
    the rule, or by hand, because the trainer sees only row data.
    """
    spec = row.data.get("verifier") if row.kind == "rewards" else None
    if not isinstance(spec, dict) or spec.get("type") in SPAN_SAFE_TYPES:
        return True
    return row.lineage.get("verifier_source") == "operator"


# --- quarantine -------------------------------------------------------------------------------------------------
# A quarantine row's data is {"trace_id", "flags": [...], "candidates": [{"kind", "row_id", "data", "lineage"}]}:
# the rows derived from a flagged episode, held back. A candidate built from several flagged episodes (a DPO pair)
# names them all in its lineage's "quarantined_by" and is released only when every one of them is.


def quarantine_row(
    trace_id: str, flags: list[dict[str, Any]], candidates: list[DatasetRow], lineage: dict[str, Any]
) -> DatasetRow:
    return DatasetRow(
        "quarantine",
        {
            "trace_id": trace_id,
            "flags": flags,
            "candidates": [
                {"kind": c.kind, "row_id": c.row_id, "data": c.data, "lineage": c.lineage} for c in candidates
            ],
        },
        lineage,
    )


def released_rows(
    datasets_dir: Path,
    tenant: str,
    version: str,
    kind: Kind,
    chosen: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Candidate rows of ``kind`` from quarantine rows a reviewer released (a release may carry an edited row)."""
    chosen = decisions(datasets_dir, tenant, version) if chosen is None else chosen
    released: dict[str, dict[str, Any]] = {}
    for row in read_rows(datasets_dir, tenant, version, "quarantine"):
        decision = chosen.get(row.row_id)
        if decision and decision["decision"] == "release":
            released[row.data["trace_id"]] = decision.get("edited") or row.data
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for data in released.values():
        for cand in data.get("candidates", []):
            needs = cand.get("lineage", {}).get("quarantined_by", [data["trace_id"]])
            if cand["kind"] != kind or cand["row_id"] in seen or not all(t in released for t in needs):
                continue
            seen.add(cand["row_id"])
            out.append(cand["data"])
    return out


# --- across versions and tenants ----------------------------------------------------------------------------------


def list_tenants(datasets_dir: Path) -> list[str]:
    if not datasets_dir.exists():
        return []
    return sorted(p.name for p in datasets_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def find_tenant(datasets_dir: Path, version: str, tenant: str | None = None) -> str:
    """The tenant holding ``version`` (checked against ``tenant`` when given)."""
    ids.dataset_version(version)
    if tenant is not None:
        version_dir(datasets_dir, tenant, version)
        return tenant
    holders = [
        t for t in list_tenants(datasets_dir) if (datasets_dir / t / version / "manifest.json").exists()
    ]
    if not holders:
        raise TracewheelError(
            f"dataset version {version!r} not found (tenants: {', '.join(list_tenants(datasets_dir)) or 'none'})"
        )
    if len(holders) > 1:
        raise TracewheelError(
            f"dataset version {version!r} exists for tenants {', '.join(holders)}; pass --tenant"
        )
    return holders[0]


def all_rows(datasets_dir: Path, tenant: str, version: str) -> list[DatasetRow]:
    return [row for kind in KINDS for row in read_rows(datasets_dir, tenant, version, kind)]


def diff_versions(datasets_dir: Path, tenant: str, old: str, new: str) -> dict[str, dict[str, list[str]]]:
    """Row ids added and removed per kind going from ``old`` to ``new``."""
    out: dict[str, dict[str, list[str]]] = {}
    for kind in KINDS:
        before = {r.row_id for r in read_rows(datasets_dir, tenant, old, kind)}
        after = {r.row_id for r in read_rows(datasets_dir, tenant, new, kind)}
        out[kind] = {"added": sorted(after - before), "removed": sorted(before - after)}
    return out


def carry_decisions(datasets_dir: Path, tenant: str, parent: str, version: str) -> int:
    """Copy the parent's latest decisions onto the same rows of a new version, so review work is never redone.

    Only rows without a decision in ``version`` get one; returns how many were carried.
    """
    if parent == version:
        return 0
    present = {r.row_id for r in all_rows(datasets_dir, tenant, version)}
    mine = decisions(datasets_dir, tenant, version)
    carried = [
        {**entry, "carried_from": parent}
        for row_id, entry in decisions(datasets_dir, tenant, parent).items()
        if row_id in present and row_id not in mine
    ]
    if carried:
        path = version_dir(datasets_dir, tenant, version) / "reviews.jsonl"
        with open(path, "a") as fh:
            fh.write("".join(json.dumps(e) + "\n" for e in carried))
            fh.flush()
            os.fsync(fh.fileno())
    return len(carried)


# --- locking and forgetting -------------------------------------------------------------------------------------


class TenantBusy(TracewheelError):
    """Another process is curating (or purging) this tenant's datasets."""


@contextmanager
def tenant_lock(datasets_dir: Path, tenant: str, what: str = "curation") -> Iterator[None]:
    """Hold the tenant's dataset lock (``flock``: the kernel releases it when the holder dies, even by SIGKILL)."""
    root = tenant_dir(datasets_dir, tenant)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(root / ".curate.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TenantBusy(
                f"{what} for tenant {tenant!r} cannot start: another curation of this tenant is already running"
            ) from None
        yield
    finally:
        os.close(fd)


def _mentions(row: DatasetRow, needle: str) -> bool:
    # Lineage names a row's traces (trace_ids, quarantined_by, a quarantine row's trace_id); anything else that
    # carries the id (an edited candidate, a verifier reason) goes with it.
    return needle in _canonical(row.data) or needle in _canonical(row.lineage)


def _replace_file(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.purge.tmp")
    write(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _write_rows(path: Path, rows: list[DatasetRow]) -> None:
    table = pa.table(
        {
            "row_id": pa.array([r.row_id for r in rows], pa.string()),
            "data": pa.array([_canonical(r.data) for r in rows], pa.string()),
            "lineage": pa.array([_canonical(r.lineage) for r in rows], pa.string()),
        }
    )
    _replace_file(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


@dataclass
class PurgeReport:
    """What ``purge_trace`` changed: ``{version: rows removed}`` for every version it rewrote."""

    versions: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.versions.values())


def purge_trace(datasets_dir: Path, tenant: str, trace_id: str) -> PurgeReport:
    """Remove every row made from ``trace_id`` from every version of ``tenant`` (see the module docstring)."""
    trace_id = ids.trace_id(trace_id)
    report = PurgeReport()
    root = tenant_dir(datasets_dir, tenant)
    if not root.is_dir():
        return report
    with tenant_lock(datasets_dir, tenant, "deleting a trace"):
        for stale in root.glob(".tmp-*"):
            # A version a crash left half written: it may hold the trace, and it is no version.
            shutil.rmtree(stale, ignore_errors=True)
        for directory in sorted(p for p in root.iterdir() if p.is_dir() and (p / "manifest.json").exists()):
            removed = _purge_version(directory, trace_id)
            if removed:
                report.versions[directory.name] = removed
    return report


def _purge_version(directory: Path, trace_id: str) -> int:
    gone: set[str] = set()
    counts: dict[str, int] = {}
    for kind in KINDS:
        path = directory / f"{kind}.parquet"
        if not path.exists():
            continue
        rows = _read_kind(directory, kind)
        kept = [r for r in rows if not _mentions(r, trace_id)]
        counts[kind] = len(kept)
        if len(kept) != len(rows):
            gone.update(r.row_id for r in rows if _mentions(r, trace_id))
            _write_rows(path, kept)
    reviews = directory / "reviews.jsonl"
    if reviews.exists():
        lines = reviews.read_text().splitlines()
        kept_lines = [
            line
            for line in lines
            if line.strip() and trace_id not in line and json.loads(line).get("row_id") not in gone
        ]
        if len(kept_lines) != len([line for line in lines if line.strip()]):
            _replace_file(reviews, lambda tmp: tmp.write_text("".join(line + "\n" for line in kept_lines)))
    manifest_path = directory / "manifest.json"
    text = manifest_path.read_text()
    if not gone and trace_id not in text:
        return 0
    manifest = json.loads(text)
    manifest["rows"] = counts
    purged = manifest.get("purged") or {"rows": 0}
    purged["rows"] = int(purged.get("rows", 0)) + len(gone)
    purged["at"] = datetime.now(UTC).isoformat()
    manifest["purged"] = purged
    payload = json.dumps(manifest, indent=2, default=str)
    if trace_id in payload:
        # Nothing the pipeline records names a trace; if something does, it goes rather than the id staying.
        payload = payload.replace(trace_id, "[purged]")
    _replace_file(manifest_path, lambda tmp: tmp.write_text(payload))
    return len(gone)


def delete_tenant(datasets_dir: Path, tenant: str) -> bool:
    """Remove every dataset version, review and watermark of ``tenant``; returns whether there was any."""
    root = tenant_dir(datasets_dir, tenant)
    if not root.exists():
        return False
    with tenant_lock(datasets_dir, tenant, "deleting the tenant"):
        shutil.rmtree(root)
    return True
