"""Tenants and their API keys.

Keys are shown once, at creation (or when revoked and reissued), and stored only as SHA-256 hashes in
``paths.tenants_file`` (JSON, mode 0600, replaced atomically). The running collector looks at the file's identity
(inode, size, mtime) on every request and re-reads it when it changed, so a tenant created by the CLI is accepted,
and a revoked key or a deleted tenant refused, from the next request on, without a restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError

NAME_RE = ids.NEW_TENANT_RE
KEY_PREFIX = "tw_"


@dataclass(frozen=True)
class Tenant:
    name: str
    created_at: str


@dataclass(frozen=True)
class CreatedTenant:
    name: str
    api_key: str


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def validate_name(name: str) -> str:
    return ids.new_tenant_name(name)


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TracewheelError(f"tenants file {path} is unreadable: {exc}") from exc
    tenants = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(tenants, list):
        raise TracewheelError(f"tenants file {path} has no 'tenants' list")
    return tenants


def _write_atomic(path: Path, payload: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, payload.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def _locked(path: Path) -> Iterator[list[dict[str, str]]]:
    """The tenants list under the file's lock: two CLI invocations at once must not lose each other's change."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield _read(path)
    finally:
        os.close(fd)


def _save(path: Path, tenants: list[dict[str, str]]) -> None:
    _write_atomic(path, json.dumps({"tenants": tenants}, indent=2) + "\n")


def _new_key() -> tuple[str, str]:
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    return api_key, hash_key(api_key)


def create_tenant(path: Path, name: str) -> CreatedTenant:
    """Add a tenant and return its new API key (the only time the key is visible)."""
    validate_name(name)
    with _locked(path) as tenants:
        if any(t.get("name") == name for t in tenants):
            raise TracewheelError(f"tenant {name!r} already exists")
        api_key, digest = _new_key()
        tenants.append({"name": name, "key_sha256": digest, "created_at": datetime.now(UTC).isoformat()})
        _save(path, tenants)
    return CreatedTenant(name=name, api_key=api_key)


def revoke_key(path: Path, name: str) -> CreatedTenant:
    """Replace a tenant's API key: the old one is refused from the collector's next request; returns the new one."""
    ids.tenant_name(name)
    with _locked(path) as tenants:
        entry = next((t for t in tenants if t.get("name") == name), None)
        if entry is None:
            raise TracewheelError(f"no tenant {name!r}")
        api_key, digest = _new_key()
        entry["key_sha256"] = digest
        entry["key_rotated_at"] = datetime.now(UTC).isoformat()
        _save(path, tenants)
    return CreatedTenant(name=name, api_key=api_key)


def remove_tenant(path: Path, name: str) -> bool:
    """Drop a tenant and its key from the file; returns whether it was there."""
    ids.tenant_name(name)
    with _locked(path) as tenants:
        kept = [t for t in tenants if t.get("name") != name]
        if len(kept) == len(tenants):
            return False
        _save(path, kept)
    return True


def list_tenants(path: Path) -> list[Tenant]:
    return [Tenant(name=t["name"], created_at=t.get("created_at", "")) for t in _read(path)]


class TenantResolver:
    """API key -> tenant name for the receivers; re-reads the file whenever it changed.

    The file is only ever replaced (``os.replace``), so a ``stat`` per request (microseconds, beside the WAL's
    fsync) sees every change: a revoked key stops working on the very next request. Safe to call from the event
    loop and from gRPC worker threads.
    """

    def __init__(self, path: Path, recheck_s: float = 0.0) -> None:
        # ``recheck_s`` is accepted for callers that still pass it; revocation must not wait for an interval.
        self._path = path
        self._by_hash: dict[str, str] = {}
        self._identity: tuple[int, int, int, int] | None = None
        self._lock = threading.Lock()
        self._reload(force=True)

    def _stat(self) -> tuple[int, int, int, int] | None:
        try:
            st = self._path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)

    def _reload(self, force: bool = False) -> None:
        identity = self._stat()
        if not force and identity == self._identity:
            return
        with self._lock:
            try:
                tenants = _read(self._path)
            except TracewheelError:
                # A half-written file cannot happen (atomic replace); a hand-edited broken one keeps the old keys.
                return
            self._by_hash = {t["key_sha256"]: t["name"] for t in tenants if "key_sha256" in t and "name" in t}
            self._identity = identity

    def resolve(self, api_key: str | None) -> str | None:
        """The tenant owning ``api_key``, or None."""
        if not api_key:
            return None
        self._reload()
        return self._by_hash.get(hash_key(api_key))

    def resolve_header(self, authorization: str | None) -> str | None:
        """Resolve an ``Authorization: Bearer <key>`` header value."""
        if not authorization:
            return None
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.resolve(key.strip())
