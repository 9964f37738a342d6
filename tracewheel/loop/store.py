"""Where cycles are kept: one JSON file per cycle at ``cycles_dir/<tenant>/<cycle_id>.json``.

A cycle is saved after every step, each time to a temporary file that is fsynced and ``os.replace``d in, so a
reader (``tracewheel cycles show``, the report, the schedule) sees the previous or the next state, never half of
one, and a killed cycle leaves its last finished step on disk to resume from.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from pydantic import ValidationError

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.loop.cycle import Cycle

_CYCLE_ID_RE = re.compile(r"cyc-[0-9]{14}-[0-9a-f]{6}")


def cycle_id(value: object, param: str = "cycle id") -> str:
    """A cycle id, safe as a file name (``cyc-<yyyymmddHHMMSS>-<6 hex>``)."""
    if not isinstance(value, str) or not _CYCLE_ID_RE.fullmatch(value):
        raise TracewheelError(
            f"invalid {param} {value!r}: a cycle id is 'cyc-<yyyymmddHHMMSS>-<6 hex digits>'"
        )
    return value


def tenant_dir(cycles_dir: Path, tenant: str) -> Path:
    return cycles_dir / ids.tenant_name(tenant)


def cycle_path(cycles_dir: Path, tenant: str, cycle_id_: str) -> Path:
    return tenant_dir(cycles_dir, tenant) / f"{cycle_id(cycle_id_)}.json"


def save_cycle(cycles_dir: Path, cycle: Cycle) -> Path:
    """Write ``cycle`` atomically; returns its path."""
    path = cycle_path(cycles_dir, cycle.tenant, cycle.cycle_id)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(cycle.model_dump_json(indent=2))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path: Path) -> Cycle:
    try:
        return Cycle.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise TracewheelError(f"cycle record {path} is damaged: {exc.errors()[0]['msg']}") from exc


def load_cycle(cycles_dir: Path, tenant: str, cycle_id_: str) -> Cycle:
    """One cycle; ``TracewheelError`` when the tenant has no such cycle."""
    path = cycle_path(cycles_dir, tenant, cycle_id_)
    if not path.is_file():
        raise TracewheelError(f"no cycle {cycle_id_} for tenant {tenant!r}")
    return _read(path)


def list_cycles(cycles_dir: Path, tenant: str) -> list[Cycle]:
    """Every cycle of ``tenant``, oldest first (ids sort by start time)."""
    directory = tenant_dir(cycles_dir, tenant)
    if not directory.is_dir():
        return []
    files = sorted(p for p in directory.glob("cyc-*.json") if _CYCLE_ID_RE.fullmatch(p.stem))
    return sorted((_read(p) for p in files), key=lambda c: (c.started_at, c.cycle_id))


def last_cycle(cycles_dir: Path, tenant: str) -> Cycle | None:
    """The tenant's most recent cycle, or None if it never ran one."""
    cycles = list_cycles(cycles_dir, tenant)
    return cycles[-1] if cycles else None


def tenants(cycles_dir: Path) -> list[str]:
    """Tenants that have at least one cycle directory."""
    if not cycles_dir.is_dir():
        return []
    return sorted(p.name for p in cycles_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
