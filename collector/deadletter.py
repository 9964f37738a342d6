"""Dead letters: WAL records the flusher cannot turn into Parquet rows, kept aside so the rest flows on.

The receivers reject what the Parquet schema cannot hold before acknowledging (``otlp.validate_*``), so a record
lands here only when something slipped past that check: a WAL written by an older collector, a bug in the
conversion, a record planted on disk. Without this, one such record would stop the flusher for every tenant.

Layout, beside the Parquet partitions so retention and a tenant purge treat it like the tenant's other data::

    deadletter/tenant=<t>/hour=<YYYY-MM-DDTHH>/<uuid>.jsonl

One JSON object a line: ``reason``, ``signal``, ``tenant``, ``received_at_unix_nano``, ``wal_segment`` and the raw
record payload as ``payload_b64``. A file's name is derived from (WAL, segment, tenant, hour) and it is written
whole and atomically, so a flush replayed after a crash rewrites the same file instead of adding duplicates.
"""

from __future__ import annotations

import base64
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from tracewheel.collector import wal
from tracewheel.collector.tenants import NAME_RE
from tracewheel.collector.wal import WalRecord

logger = logging.getLogger(__name__)

DEADLETTER_DIR = "deadletter"
# A record whose tenant is not a valid tenant name (only a planted or corrupt record) is filed here; the leading
# underscore keeps it apart from every real tenant.
UNKNOWN_TENANT = "_unknown"
_NAMESPACE = uuid.UUID("0c3a4f1e-8d8e-4a4c-9a51-2f6b7d9f4e21")
_HOUR_FMT = "%Y-%m-%dT%H"
MAX_REASON = 2000


@dataclass(frozen=True)
class DeadRecord:
    record: WalRecord
    reason: str


def tenant_dir_name(tenant: str) -> str:
    return tenant if NAME_RE.fullmatch(tenant) else UNKNOWN_TENANT


def _hour(received_at_unix_nano: int) -> str:
    try:
        return datetime.fromtimestamp(received_at_unix_nano / 1e9, UTC).strftime(_HOUR_FMT)
    except (OverflowError, OSError, ValueError):
        return datetime.now(UTC).strftime(_HOUR_FMT)


def deadletter_root(traces_dir: Path) -> Path:
    return Path(traces_dir) / DEADLETTER_DIR


def _line(dead: DeadRecord, seq: int) -> bytes:
    r = dead.record
    return orjson.dumps(
        {
            "reason": dead.reason[:MAX_REASON],
            "signal": r.signal.name.lower(),
            "tenant": r.tenant,
            "received_at_unix_nano": r.received_at_unix_nano,
            "wal_segment": seq,
            "payload_b64": base64.b64encode(r.payload).decode(),
        }
    )


def write_dead_letters(traces_dir: Path, wal_id: str, seq: int, dead: list[DeadRecord]) -> list[Path]:
    """File the dead records of WAL segment ``seq``; idempotent (same names and contents on replay)."""
    groups: dict[tuple[str, str], list[DeadRecord]] = defaultdict(list)
    for d in dead:
        groups[(tenant_dir_name(d.record.tenant), _hour(d.record.received_at_unix_nano))].append(d)
    written: list[Path] = []
    for (tenant, hour), items in groups.items():
        directory = deadletter_root(traces_dir) / f"tenant={tenant}" / f"hour={hour}"
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = directory / f"{uuid.uuid5(_NAMESPACE, f'{wal_id}/{seq}/{tenant}/{hour}')}.jsonl"
        tmp = directory / f".{final.name}.tmp"
        # Raw records hold whatever the tenant sent: readable by the operator's user only.
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(b"".join(_line(d, seq) + b"\n" for d in items))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        wal.fsync_dir(directory)
        for d in items:
            logger.error(
                "dead-lettered a %s record of tenant %r from WAL segment %d: %s (kept in %s)",
                d.record.signal.name.lower(),
                d.record.tenant,
                seq,
                d.reason,
                final,
            )
        written.append(final)
    return written


def read_dead_letters(traces_dir: Path, tenant: str | None = None) -> list[dict[str, object]]:
    """Every dead letter (of one tenant, or all), as the JSON objects described above."""
    root = deadletter_root(traces_dir)
    pattern = f"tenant={tenant}/hour=*/*.jsonl" if tenant is not None else "tenant=*/hour=*/*.jsonl"
    out: list[dict[str, object]] = []
    for path in sorted(root.glob(pattern)):
        out.extend(orjson.loads(line) for line in path.read_bytes().splitlines() if line)
    return out
