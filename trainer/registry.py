"""The adapter registry: one directory per trained adapter, with its record, per tenant.

On disk, under ``paths.adapters_dir/<tenant>/<adapter_id>/``: the PEFT adapter (``adapter_config.json``,
``adapter_model.safetensors``), the tokenizer it was trained with, and ``record.json``. An adapter directory is
built under a temporary name and renamed into place, so a crash or a kill never leaves a half adapter; a record
update is written to a temporary file and ``os.replace``d. Status changes go through ``transition``, which holds a
per-tenant lock and follows ``ALLOWED_TRANSITIONS``; promoting a candidate retires the tenant's champion in the
same locked step, so a tenant has at most one champion (and at most one canary). Every change is appended to the
record's history with its reason and a reference to its evidence (an eval run, a canary decision).

The life of an adapter (docs/11-canary.md)::

    candidate ──► canary ──► champion ──► retired ──► champion   (a rollback restores a previous champion)
        │            │                      ▲
        │            └── retired (rolled back) ┘
        └──► champion | retired   (gate or operator, without a canary)
    canary ──► candidate   (canary stopped by hand, no decision)
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from secrets import token_hex
from typing import Any

from pydantic import BaseModel, Field

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError

RECORD_FILE = "record.json"
CHANGED_FILE = ".changed"
"""Per tenant: a fresh random token written on every registration and status change, so a router that caches who
the champion is can tell cheaply (one tiny read) whether to look again."""


class AdapterStatus(StrEnum):
    CANDIDATE = "candidate"  # trained, not yet gated
    CANARY = "canary"  # serving a share of the tenant's main-model traffic, watched by the canary monitor
    CHAMPION = "champion"  # the adapter serving the tenant
    RETIRED = "retired"  # rejected by the gate, replaced, or rolled back


# A retired adapter may become champion again: that is what a rollback to the previous champion is. A canary
# goes back to candidate only when an operator stops it without a decision.
ALLOWED_TRANSITIONS: dict[AdapterStatus, frozenset[AdapterStatus]] = {
    AdapterStatus.CANDIDATE: frozenset({AdapterStatus.CANARY, AdapterStatus.CHAMPION, AdapterStatus.RETIRED}),
    AdapterStatus.CANARY: frozenset({AdapterStatus.CHAMPION, AdapterStatus.RETIRED, AdapterStatus.CANDIDATE}),
    AdapterStatus.CHAMPION: frozenset({AdapterStatus.RETIRED}),
    AdapterStatus.RETIRED: frozenset({AdapterStatus.CHAMPION}),
}


class StatusChange(BaseModel):
    status: AdapterStatus
    at: datetime
    reason: str = ""
    evidence: str = Field(
        default="",
        description="Where the evidence for this change is stored (a decision log line, an eval run).",
    )
    previous_champion: str | None = Field(
        default=None,
        description="On a change to champion: the champion it replaced (None: the base model), which a rollback "
        "restores.",
    )


class AdapterRecord(BaseModel):
    """What an adapter is: where it came from, how it was trained, how it did, and where it stands."""

    adapter_id: str
    tenant: str
    base_model: str = Field(
        description="Model id the adapter applies to (embedded:..., hub id or local path)."
    )
    method: str = Field(description="sft, dpo, kto or grpo.")
    dataset_versions: list[str]
    hyperparameters: dict[str, Any]
    metrics: dict[str, Any] = Field(default_factory=dict)
    parent: str | None = Field(
        default=None, description="The tenant's champion when this adapter was trained."
    )
    status: AdapterStatus = AdapterStatus.CANDIDATE
    created_at: datetime
    history: list[StatusChange] = Field(default_factory=list)
    path: str = Field(default="", description="Adapter directory (filled in when read).")


def check_tenant(tenant: str) -> str:
    return ids.tenant_name(tenant)


def new_adapter_id(method: str) -> str:
    return f"ad-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{method}-{token_hex(3)}"


def adapter_dir(adapters_dir: Path, tenant: str, adapter_id: str) -> Path:
    return adapters_dir / check_tenant(tenant) / ids.adapter_id(adapter_id)


@contextmanager
def _tenant_lock(adapters_dir: Path, tenant: str) -> Iterator[None]:
    root = adapters_dir / check_tenant(tenant)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_record(directory: Path, record: AdapterRecord) -> None:
    data = record.model_dump(mode="json", exclude={"path"})
    fd, tmp = tempfile.mkstemp(prefix=".record-", dir=directory)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / RECORD_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mark_changed(root: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".changed-", dir=root)
    with os.fdopen(fd, "w") as fh:
        fh.write(token_hex(8))
    os.replace(tmp, root / CHANGED_FILE)


def changed_token(adapters_dir: Path, tenant: str) -> str:
    """The tenant's registry change token ("" before any change): equal tokens mean nothing changed."""
    try:
        return (adapters_dir / check_tenant(tenant) / CHANGED_FILE).read_text()
    except FileNotFoundError:
        return ""


def _read_record(directory: Path) -> AdapterRecord:
    record = AdapterRecord.model_validate_json((directory / RECORD_FILE).read_text())
    record.path = str(directory)
    return record


def read_record(directory: Path) -> AdapterRecord | None:
    """The record of the adapter stored in ``directory``; None for a directory that is not a registered adapter."""
    if not (Path(directory) / RECORD_FILE).is_file():
        return None
    return _read_record(Path(directory))


def register(adapters_dir: Path, record: AdapterRecord, write_files: Callable[[Path], None]) -> AdapterRecord:
    """Add an adapter: ``write_files(tmp_dir)`` saves the weights, then the directory appears whole, or not at all."""
    root = adapters_dir / check_tenant(record.tenant)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = adapter_dir(adapters_dir, record.tenant, record.adapter_id)
    if final.exists():
        raise TracewheelError(f"adapter {record.adapter_id} already exists for tenant {record.tenant}")
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{record.adapter_id}-", dir=root))
    try:
        write_files(tmp)
        _write_record(tmp, record)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _mark_changed(root)
    return _read_record(final)


def get(adapters_dir: Path, tenant: str, adapter_id: str) -> AdapterRecord:
    directory = adapter_dir(adapters_dir, tenant, adapter_id)
    if not (directory / RECORD_FILE).exists():
        raise TracewheelError(f"adapter {adapter_id} not found for tenant {tenant}")
    return _read_record(directory)


def list_adapters(adapters_dir: Path, tenant: str) -> list[AdapterRecord]:
    """A tenant's adapters, oldest first (temporary directories of runs in progress are not adapters)."""
    root = adapters_dir / check_tenant(tenant)
    if not root.exists():
        return []
    records = [_read_record(p) for p in root.iterdir() if p.is_dir() and (p / RECORD_FILE).exists()]
    return sorted(records, key=lambda r: (r.created_at, r.adapter_id))


def champion(adapters_dir: Path, tenant: str) -> AdapterRecord | None:
    return next((r for r in list_adapters(adapters_dir, tenant) if r.status == AdapterStatus.CHAMPION), None)


def canary(adapters_dir: Path, tenant: str) -> AdapterRecord | None:
    return next((r for r in list_adapters(adapters_dir, tenant) if r.status == AdapterStatus.CANARY), None)


def find(adapters_dir: Path, adapter_id: str, tenant: str | None = None) -> AdapterRecord:
    """Look an adapter up by id, in one tenant or across all of them."""
    ids.adapter_id(adapter_id)
    tenants = (
        [check_tenant(tenant)] if tenant else sorted(p.name for p in adapters_dir.glob("*") if p.is_dir())
    )
    for name in tenants:
        directory = adapters_dir / name / adapter_id
        if (directory / RECORD_FILE).exists():
            return _read_record(directory)
    raise TracewheelError(f"adapter {adapter_id} not found" + (f" for tenant {tenant}" if tenant else ""))


def transition(
    adapters_dir: Path,
    tenant: str,
    adapter_id: str,
    status: AdapterStatus | str,
    reason: str = "",
    evidence: str = "",
) -> AdapterRecord:
    """Move an adapter to ``status`` if ``ALLOWED_TRANSITIONS`` permits; a new champion retires the old one."""
    with _tenant_lock(adapters_dir, tenant):
        return _transition(adapters_dir, tenant, adapter_id, AdapterStatus(status), reason, evidence)


def _transition(
    adapters_dir: Path,
    tenant: str,
    adapter_id: str,
    target: AdapterStatus,
    reason: str,
    evidence: str,
    previous_champion: str | None = None,
) -> AdapterRecord:
    """``transition`` with the tenant lock held. A new champion records the champion it replaces, or
    ``previous_champion`` when there is none (a rollback restoring an adapter keeps its old predecessor)."""
    record = get(adapters_dir, tenant, adapter_id)
    if target not in ALLOWED_TRANSITIONS[record.status]:
        raise TracewheelError(f"adapter {adapter_id} cannot go from {record.status} to {target}")
    now = datetime.now(UTC)
    change = StatusChange(status=target, at=now, reason=reason, evidence=evidence)
    if target == AdapterStatus.CANARY:
        running = canary(adapters_dir, tenant)
        if running is not None:
            raise TracewheelError(f"tenant {tenant} already has a canary: {running.adapter_id}")
    if target == AdapterStatus.CHAMPION:
        current = champion(adapters_dir, tenant)
        change.previous_champion = current.adapter_id if current is not None else previous_champion
        if current is not None and current.adapter_id != adapter_id:
            current.status = AdapterStatus.RETIRED
            current.history.append(
                StatusChange(
                    status=current.status, at=now, reason=f"replaced by {adapter_id}", evidence=evidence
                )
            )
            _write_record(Path(current.path), current)
    record.status = target
    record.history.append(change)
    _write_record(Path(record.path), record)
    _mark_changed(Path(record.path).parent)
    return record


def last_champion_change(record: AdapterRecord) -> StatusChange | None:
    """The change that last made ``record`` champion (it names the champion it replaced)."""
    return next((c for c in reversed(record.history) if c.status == AdapterStatus.CHAMPION), None)


def rollback(
    adapters_dir: Path, tenant: str, reason: str, evidence: str = ""
) -> tuple[AdapterRecord, AdapterRecord | None]:
    """Retire the tenant's champion and restore the champion it replaced (``None``: back to the base model).

    Rollbacks stack: the restored adapter keeps the predecessor it had in its own reign, so a second rollback goes
    one further back instead of bouncing between the last two.
    """
    with _tenant_lock(adapters_dir, tenant):
        current = champion(adapters_dir, tenant)
        if current is None:
            raise TracewheelError(
                f"tenant {tenant} has no champion to roll back (it is served the base model)"
            )
        change = last_champion_change(current)
        previous_id = change.previous_champion if change is not None else None
        previous = None
        if previous_id is not None:
            try:
                previous = get(adapters_dir, tenant, previous_id)
            except TracewheelError:
                previous = None  # deleted since: fall back to the base model
        retired = _transition(
            adapters_dir, tenant, current.adapter_id, AdapterStatus.RETIRED, reason, evidence
        )
        if previous is None or previous.status != AdapterStatus.RETIRED:
            return retired, None
        earlier = last_champion_change(previous)
        restored = _transition(
            adapters_dir,
            tenant,
            previous.adapter_id,
            AdapterStatus.CHAMPION,
            reason,
            evidence,
            previous_champion=earlier.previous_champion if earlier is not None else None,
        )
        return retired, restored


def delete_tenant(adapters_dir: Path, tenant: str) -> bool:
    """Remove every adapter of ``tenant`` (weights, tokenizer, records); returns whether there were any."""
    root = adapters_dir / check_tenant(tenant)
    if not root.exists():
        return False
    with _tenant_lock(adapters_dir, tenant):
        shutil.rmtree(root)
    return True


def trained_on(adapters_dir: Path, tenant: str, dataset_versions: set[str]) -> list[AdapterRecord]:
    """The tenant's adapters trained on any of ``dataset_versions`` (their weights learned from those rows)."""
    return [
        r for r in list_adapters(adapters_dir, tenant) if dataset_versions.intersection(r.dataset_versions)
    ]
