"""Canaries: a candidate adapter serves a share of a tenant's main-model traffic until the sequential test decides.

State per tenant under ``paths.serving_dir/<tenant>/`` (docs/11-canary.md):

* ``canary.json``: the tenant's current (or last) canary: candidate, the champion at its start (None = the base
  model), share, start time, the test's parameters (fixed at the start, so changing the config mid-canary cannot
  bend the test), status and the decision with its evidence. Written to a temporary file and ``os.replace``d.
* ``decisions.jsonl``: every start, decision, stop, promotion and rollback, with who made it and its evidence; a
  registry status change refers to its line as ``decisions.jsonl#<id>``. Appended and fsynced.
* ``outcomes/<canary_id>.jsonl``: the outcomes the monitor recorded, in the order it saw them (the order the
  sequential test pairs them in; see ``canary_monitor``).

``route_main_model`` is called by the server for every request to the main alias: it caches the tenant's view and
looks again only when ``canary.json`` or the registry's change token changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from secrets import token_hex
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from tracewheel.serving.sequential import Evidence
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterStatus

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

CANARY_FILE = "canary.json"
DECISIONS_FILE = "decisions.jsonl"
OUTCOMES_DIR = "outcomes"
BASE = "base"
"""What the server records as ``tracewheel.adapter`` when the base model answered."""


class CanaryStatus(StrEnum):
    RUNNING = "running"
    PROMOTED = "promoted"  # the candidate became champion
    ROLLED_BACK = "rolled_back"  # the candidate was retired, the champion kept
    STOPPED = "stopped"  # ended without a decision (by hand, or the registry changed under it)


CANARY_TRANSITIONS: dict[CanaryStatus, frozenset[CanaryStatus]] = {
    CanaryStatus.RUNNING: frozenset({CanaryStatus.PROMOTED, CanaryStatus.ROLLED_BACK, CanaryStatus.STOPPED}),
    CanaryStatus.PROMOTED: frozenset(),
    CanaryStatus.ROLLED_BACK: frozenset(),
    CanaryStatus.STOPPED: frozenset(),
}


class CanaryState(BaseModel):
    canary_id: str
    tenant: str
    candidate: str
    champion: str | None = Field(description="The champion when the canary started; None: the base model.")
    share: float
    started_at: datetime
    alpha: float
    margin: float
    min_samples: int
    max_samples: int
    max_duration_hours: float
    status: CanaryStatus = CanaryStatus.RUNNING
    ended_at: datetime | None = None
    reason: str = ""
    evidence: Evidence | None = Field(default=None, description="The test's state when the canary ended.")

    @property
    def champion_arm(self) -> str:
        """The ``tracewheel.adapter`` value of the champion's traffic."""
        return self.champion or BASE


class RouteDecision(NamedTuple):
    adapter: str | None  # None: the base model
    canary: bool  # whether this request is the candidate's share


# --- files ---------------------------------------------------------------------------------------------------------


def tenant_dir(paths: Paths, tenant: str) -> Path:
    return paths.serving_dir / ids.tenant_name(tenant)


def decisions_path(paths: Paths, tenant: str) -> Path:
    return tenant_dir(paths, tenant) / DECISIONS_FILE


def outcomes_path(paths: Paths, state: CanaryState) -> Path:
    return tenant_dir(paths, state.tenant) / OUTCOMES_DIR / f"{state.canary_id}.jsonl"


def _ensure_dir(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def read_state(paths: Paths, tenant: str) -> CanaryState | None:
    """The tenant's current or last canary, or None if it never had one."""
    try:
        return CanaryState.model_validate_json((tenant_dir(paths, tenant) / CANARY_FILE).read_text())
    except FileNotFoundError:
        return None


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a temporary file beside ``path``, fsync it, ``os.replace`` it in: readers see the old or the new."""
    directory = _ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_state(paths: Paths, state: CanaryState) -> None:
    write_atomic(tenant_dir(paths, state.tenant) / CANARY_FILE, state.model_dump_json(indent=2))


def append_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append whole lines and fsync: a crash leaves at most a torn last line, which readers skip."""
    _ensure_dir(path.parent)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r, default=str) + "\n" for r in rows))
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    rows = []
    for line in lines:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue  # a line torn by a crash mid-append
    return rows


def log_decision(
    paths: Paths,
    tenant: str,
    event: str,
    by: str,
    state: CanaryState | None,
    reason: str,
    evidence: Evidence | None = None,
    **extra: Any,
) -> str:
    """Append one line to the decision log; returns its reference (``<path>#<id>``) for the registry."""
    decision_id = f"dc-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{token_hex(3)}"
    row = {
        "id": decision_id,
        "at": datetime.now(UTC).isoformat(),
        "tenant": tenant,
        "event": event,
        "by": by,
        "reason": reason,
        "canary_id": state.canary_id if state else None,
        "candidate": state.candidate if state else None,
        "champion": state.champion if state else None,
        "evidence": evidence.model_dump(mode="json") if evidence else None,
        **extra,
    }
    path = decisions_path(paths, tenant)
    append_jsonl(path, [row])
    return f"{path}#{decision_id}"


@contextmanager
def tenant_lock(paths: Paths, tenant: str) -> Iterator[None]:
    """Serializes canary changes and outcome recording of one tenant across processes (server, CLI)."""
    directory = _ensure_dir(tenant_dir(paths, tenant))
    with open(directory / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- lifecycle -----------------------------------------------------------------------------------------------------


def active_state(paths: Paths, tenant: str) -> CanaryState | None:
    state = read_state(paths, tenant)
    return state if state is not None and state.status == CanaryStatus.RUNNING else None


def start_canary(
    paths: Paths, serving: ServingSettings, tenant: str, candidate: str, share: float | None = None
) -> CanaryState:
    """Send ``share`` of the tenant's main-model traffic to ``candidate`` (a registered candidate adapter)."""
    share = serving.canary_share if share is None else share
    if not 0 < share < 1:
        raise TracewheelError(f"--share must be between 0 and 1 (exclusive), got {share:g}")
    with tenant_lock(paths, tenant):
        running = active_state(paths, tenant)
        if running is not None:
            raise TracewheelError(
                f"tenant {tenant} already runs a canary of {running.candidate}; stop it first"
            )
        record = registry.get(paths.adapters_dir, tenant, candidate)
        if record.status != AdapterStatus.CANDIDATE:
            raise TracewheelError(f"adapter {candidate} is {record.status}, not a candidate")
        stale = registry.canary(paths.adapters_dir, tenant)
        if stale is not None:
            raise TracewheelError(
                f"adapter {stale.adapter_id} is still marked canary with no canary running; "
                "`tracewheel canary stop` puts it back to candidate"
            )
        current = registry.champion(paths.adapters_dir, tenant)
        state = CanaryState(
            canary_id=f"cn-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{token_hex(3)}",
            tenant=tenant,
            candidate=candidate,
            champion=current.adapter_id if current else None,
            share=share,
            started_at=datetime.now(UTC),
            alpha=serving.canary_alpha,
            margin=serving.canary_margin,
            min_samples=serving.canary_min_samples,
            max_samples=serving.canary_max_samples,
            max_duration_hours=serving.canary_max_duration_hours,
        )
        ref = log_decision(paths, tenant, "start", "operator", state, f"canary at {share:g}", share=share)
        # State first: should the process die before the registry change, the monitor finds the candidate not in
        # status canary and stops the canary, rather than leaving an adapter marked canary with none running.
        _write_state(paths, state)
        try:
            registry.transition(
                paths.adapters_dir,
                tenant,
                candidate,
                AdapterStatus.CANARY,
                reason="canary started",
                evidence=ref,
            )
        except BaseException:
            _end(paths, state, CanaryStatus.STOPPED, "the registry refused the candidate", None)
            raise
        return state


def _end(
    paths: Paths, state: CanaryState, status: CanaryStatus, reason: str, evidence: Evidence | None
) -> None:
    if status not in CANARY_TRANSITIONS[state.status]:
        raise TracewheelError(f"canary {state.canary_id} cannot go from {state.status} to {status}")
    state.status, state.reason, state.evidence = status, reason, evidence
    state.ended_at = datetime.now(UTC)
    _write_state(paths, state)


def candidate_status(paths: Paths, state: CanaryState) -> AdapterStatus | None:
    try:
        return registry.get(paths.adapters_dir, state.tenant, state.candidate).status
    except TracewheelError:
        return None  # deleted


def close_canary(
    paths: Paths, state: CanaryState, outcome: CanaryStatus, by: str, reason: str, evidence: Evidence | None
) -> CanaryState:
    """End a running canary: promoted (candidate → champion), rolled back (candidate → retired, the champion
    untouched) or stopped (candidate → candidate again). Logged, then applied in the order that keeps routing
    right if the process dies between the steps: a rollback or stop first closes ``canary.json`` (routing returns
    to the champion at once), a promotion first makes the candidate champion (the router then sees the champion
    changed and sends everything to it)."""
    with tenant_lock(paths, state.tenant):
        current = read_state(paths, state.tenant)
        if current is None or current.canary_id != state.canary_id or current.status != CanaryStatus.RUNNING:
            raise TracewheelError(f"canary {state.canary_id} of tenant {state.tenant} is not running")
        event = {
            CanaryStatus.PROMOTED: "promote",
            CanaryStatus.ROLLED_BACK: "rollback",
            CanaryStatus.STOPPED: "stop",
        }[outcome]
        ref = log_decision(paths, state.tenant, event, by, current, reason, evidence)
        was = candidate_status(paths, current)
        if outcome == CanaryStatus.PROMOTED:
            if was == AdapterStatus.CANARY:
                registry.transition(
                    paths.adapters_dir, state.tenant, state.candidate, AdapterStatus.CHAMPION, reason, ref
                )
            _end(paths, current, outcome, reason, evidence)
        else:
            _end(paths, current, outcome, reason, evidence)
            if was == AdapterStatus.CANARY:
                target = (
                    AdapterStatus.RETIRED if outcome == CanaryStatus.ROLLED_BACK else AdapterStatus.CANDIDATE
                )
                registry.transition(paths.adapters_dir, state.tenant, state.candidate, target, reason, ref)
        return current


def stop_canary(
    paths: Paths, tenant: str, reason: str = "stopped by hand", by: str = "operator"
) -> CanaryState:
    state = active_state(paths, tenant)
    if state is None:
        stale = registry.canary(paths.adapters_dir, tenant)
        if stale is not None:  # left marked canary by a process that died mid-change
            ref = log_decision(paths, tenant, "stop", by, None, reason, adapter=stale.adapter_id)
            registry.transition(
                paths.adapters_dir, tenant, stale.adapter_id, AdapterStatus.CANDIDATE, reason, ref
            )
        raise TracewheelError(
            f"tenant {tenant} has no running canary"
            + (f" ({stale.adapter_id} was still marked canary: it is a candidate again)" if stale else "")
        )
    return close_canary(paths, state, CanaryStatus.STOPPED, by, reason, None)


def _refuse_during_canary(paths: Paths, tenant: str, action: str) -> None:
    state = active_state(paths, tenant)
    if state is not None:
        against = state.champion or "the base model"
        raise TracewheelError(
            f"tenant {tenant} runs a canary of {state.candidate} against {against}; "
            f"stop it first (tracewheel canary stop) to {action}"
        )


def promote(
    paths: Paths,
    tenant: str,
    adapter_id: str,
    reason: str = "promoted by hand",
    evidence: Evidence | None = None,
) -> registry.AdapterRecord:
    """Make ``adapter_id`` the tenant's champion by hand. If it is the running canary's candidate, that canary ends
    as promoted (with ``evidence``, the test's state, when given). Promoting another adapter while a canary runs is
    refused: it would pull the control arm from under the test."""
    state = active_state(paths, tenant)
    if state is not None and state.candidate == adapter_id:
        close_canary(paths, state, CanaryStatus.PROMOTED, "operator", reason, evidence)
        return registry.get(paths.adapters_dir, tenant, adapter_id)
    _refuse_during_canary(paths, tenant, f"promote {adapter_id}")
    ref = log_decision(paths, tenant, "promote", "operator", None, reason, adapter=adapter_id)
    return registry.transition(paths.adapters_dir, tenant, adapter_id, AdapterStatus.CHAMPION, reason, ref)


def rollback(
    paths: Paths, tenant: str, reason: str = "rolled back by hand"
) -> tuple[registry.AdapterRecord, registry.AdapterRecord | None]:
    """Retire the tenant's champion and restore the one before it (or the base model). Refused while a canary
    runs: stop it first (or let it decide), so that one command never does two things."""
    _refuse_during_canary(paths, tenant, "roll back the champion")
    current = registry.champion(paths.adapters_dir, tenant)
    ref = log_decision(
        paths, tenant, "rollback", "operator", None, reason, adapter=current.adapter_id if current else None
    )
    return registry.rollback(paths.adapters_dir, tenant, reason, ref)


# --- routing -------------------------------------------------------------------------------------------------------


def in_canary_share(state: CanaryState, sticky_key: str) -> bool:
    """Sticky assignment: the same key always lands on the same side of one canary (a new canary reshuffles)."""
    digest = hashlib.sha256(f"{state.tenant}\0{state.canary_id}\0{sticky_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < state.share


@dataclass
class _View:
    key: tuple[Any, ...]
    state: CanaryState | None  # running, and its champion is still the champion
    champion: str | None


def _stat_key(path: str) -> tuple[int, ...]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ()
    return st.st_mtime_ns, st.st_size, st.st_ino


def _read_small(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(64)
    except FileNotFoundError:
        return b""


class CanaryRouter:
    """Routes the main alias; caches each tenant's view until ``canary.json`` or the registry changes.

    Per request: one ``stat`` and one 16-byte read, on paths built once per tenant (building pathlib objects
    would cost more than both).
    """

    def __init__(self) -> None:
        self._views: dict[tuple[Path, str], _View] = {}
        self._files: dict[tuple[Path, str], tuple[str, str]] = {}

    def route(self, paths: Paths, tenant: str, sticky_key: str | None) -> RouteDecision:
        view = self._view(paths, tenant)
        state = view.state
        if state is None:
            return RouteDecision(view.champion, False)
        chosen = random.random() < state.share if sticky_key is None else in_canary_share(state, sticky_key)
        return RouteDecision(state.candidate, True) if chosen else RouteDecision(state.champion, False)

    def _view(self, paths: Paths, tenant: str) -> _View:
        where = (paths.home, tenant)
        files = self._files.get(where)
        if files is None:
            canary_file = str(tenant_dir(paths, tenant) / CANARY_FILE)  # checks the tenant name, once
            changed_file = str(paths.adapters_dir / tenant / registry.CHANGED_FILE)
            files = self._files[where] = (canary_file, changed_file)
        key = (_stat_key(files[0]), _read_small(files[1]))
        cached = self._views.get(where)
        if cached is not None and cached.key == key:
            return cached
        champ = registry.champion(paths.adapters_dir, tenant)
        champion = champ.adapter_id if champ else None
        state = active_state(paths, tenant)
        if state is not None and state.champion != champion:
            state = None  # the champion changed under the canary: the monitor stops it; serve the champion
        view = _View(key, state, champion)
        self._views[where] = view
        return view


# A per-process cache of what the files on disk say, not state of its own: every process reads the same files.
_ROUTER = CanaryRouter()


def route_main_model(paths: Paths, tenant: str, sticky_key: str | None) -> RouteDecision:
    """Which adapter answers a request to the tenant's main alias (``adapter=None``: the base model)."""
    return _ROUTER.route(paths, tenant, sticky_key)
