"""Tenants and their API keys.

Keys are shown once, at creation, and stored only as SHA-256 hashes in ``paths.tenants_file`` (JSON, replaced
atomically). The running collector re-reads the file when its mtime changes, so tenants created by the CLI while
it runs are accepted without a restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tracewheel.core.errors import TracewheelError

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
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
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise TracewheelError(
            f"invalid tenant name {name!r}: use 1-63 characters a-z, 0-9, '_' or '-', starting with a letter or digit"
        )
    return name


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


def create_tenant(path: Path, name: str) -> CreatedTenant:
    """Add a tenant and return its new API key (the only time the key is visible)."""
    validate_name(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two CLI invocations at once must not lose each other's tenant: serialize read-modify-write.
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tenants = _read(path)
        if any(t.get("name") == name for t in tenants):
            raise TracewheelError(f"tenant {name!r} already exists")
        api_key = KEY_PREFIX + secrets.token_urlsafe(32)
        tenants.append(
            {"name": name, "key_sha256": hash_key(api_key), "created_at": datetime.now(UTC).isoformat()}
        )
        _write_atomic(path, json.dumps({"tenants": tenants}, indent=2) + "\n")
    return CreatedTenant(name=name, api_key=api_key)


def list_tenants(path: Path) -> list[Tenant]:
    return [Tenant(name=t["name"], created_at=t.get("created_at", "")) for t in _read(path)]


class TenantResolver:
    """API key -> tenant name for the receivers; reloads the file when its mtime changes.

    Safe to call from the event loop and from gRPC worker threads.
    """

    def __init__(self, path: Path, recheck_s: float = 1.0) -> None:
        self._path = path
        self._recheck_s = recheck_s
        self._by_hash: dict[str, str] = {}
        self._mtime: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._reload(force=True)

    def _reload(self, force: bool = False) -> None:
        with self._lock:
            try:
                mtime = self._path.stat().st_mtime_ns
            except FileNotFoundError:
                mtime = None
            self._checked_at = time.monotonic()
            if not force and mtime == self._mtime:
                return
            try:
                tenants = _read(self._path)
            except TracewheelError:
                # A half-written file cannot happen (atomic replace); a hand-edited broken one keeps the old keys.
                return
            self._by_hash = {t["key_sha256"]: t["name"] for t in tenants if "key_sha256" in t and "name" in t}
            self._mtime = mtime

    def resolve(self, api_key: str | None) -> str | None:
        """The tenant owning ``api_key``, or None."""
        if not api_key:
            return None
        digest = hash_key(api_key)
        if time.monotonic() - self._checked_at > self._recheck_s:
            self._reload()
        name = self._by_hash.get(digest)
        if name is None:
            # An unknown key may belong to a tenant created a moment ago.
            self._reload()
            name = self._by_hash.get(digest)
        return name

    def resolve_header(self, authorization: str | None) -> str | None:
        """Resolve an ``Authorization: Bearer <key>`` header value."""
        if not authorization:
            return None
        scheme, _, key = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.resolve(key.strip())
