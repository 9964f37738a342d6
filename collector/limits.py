"""Per-tenant admission limits: a rate (records per second, token bucket) and a storage quota (bytes on disk).

One tenant must not be able to starve the others: the rate limit keeps a flood from one key from taking the ack
path's CPU, the quota keeps it from taking the disk. Both are answered with HTTP 429 / gRPC RESOURCE_EXHAUSTED and
a Retry-After, and both are checked after decoding (the record count is known then) but before the WAL.

A token bucket is a dozen lines; no rate-limiting library in the dependency tree does per-key buckets with a
"seconds until this much is available" answer for Retry-After, which is what the receivers need.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


class LimitExceeded(Exception):
    """The tenant is over its rate or quota: answer 429 / RESOURCE_EXHAUSTED with ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets per tenant: ``rate`` records per second refill, up to ``burst``.

    A request larger than the whole bucket is let through once the bucket is full and leaves it in debt, so a big
    batch is delayed, never refused forever, and the long-run rate still holds.
    """

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, tenant: str, cost: int) -> None:
        """Spend ``cost`` tokens of ``tenant``'s bucket or raise ``LimitExceeded``."""
        if not self.enabled or cost <= 0:
            return
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(tenant)
            if bucket is None:
                bucket = self._buckets[tenant] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            needed = min(float(cost), self.burst)
            if bucket.tokens < needed:
                wait = (needed - bucket.tokens) / self.rate
                raise LimitExceeded(
                    f"tenant over its rate limit of {self.rate:g} records/s; retry later",
                    max(1, math.ceil(wait)),
                )
            bucket.tokens -= cost


def tenant_disk_bytes(traces_dir: Path, tenant: str) -> int:
    """Bytes of the tenant's files in the store (Parquet of every kind and its dead letters)."""
    total = 0
    root = Path(traces_dir)
    try:
        kinds = [e for e in os.scandir(root) if e.is_dir() and not e.name.startswith("_")]
    except FileNotFoundError:
        return 0
    for kind in kinds:
        stack = [os.path.join(kind.path, f"tenant={tenant}")]
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue
    return total


class QuotaTracker:
    """Bytes each tenant holds on disk, against ``quota_bytes``.

    Usage = the tenant's files as of the last scan (every ``refresh_s``, off the request path) + the payload bytes
    accepted for it recently. Accepted bytes stop being added once they are older than ``settle_s`` at a scan (by
    then the flusher has put them into Parquet, which the scan counted): until then they may be counted twice, so
    the check errs on refusing early, never on letting a tenant past its quota.
    """

    def __init__(self, traces_dir: Path, quota_bytes: int, refresh_s: float, settle_s: float = 10.0) -> None:
        self.traces_dir = Path(traces_dir)
        self.quota_bytes = quota_bytes
        self.refresh_s = refresh_s
        self.settle_s = settle_s
        self._on_disk: dict[str, int] = {}
        # tenant -> {whole second (monotonic): bytes accepted in it}
        self._recent: dict[str, dict[int, int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.quota_bytes > 0

    def usage(self, tenant: str) -> int:
        with self._lock:
            if tenant not in self._on_disk:
                self._on_disk[tenant] = tenant_disk_bytes(self.traces_dir, tenant)
            return self._on_disk[tenant] + sum(self._recent.get(tenant, {}).values())

    def check(self, tenant: str, incoming: int, retry_after_s: int) -> None:
        if not self.enabled:
            return
        used = self.usage(tenant)
        if used + incoming > self.quota_bytes:
            raise LimitExceeded(
                f"tenant over its storage quota ({used} of {self.quota_bytes} bytes used); "
                "retry after retention frees space",
                retry_after_s,
            )

    def add(self, tenant: str, nbytes: int) -> None:
        if not self.enabled:
            return
        second = int(time.monotonic())
        with self._lock:
            recent = self._recent.setdefault(tenant, {})
            recent[second] = recent.get(second, 0) + nbytes

    def _tenants_on_disk(self) -> set[str]:
        found: set[str] = set()
        for tenant_dir in self.traces_dir.glob("*/tenant=*"):
            found.add(tenant_dir.name[len("tenant=") :])
        return found

    def rescan(self) -> None:
        settled_before = time.monotonic() - self.settle_s
        with self._lock:
            tenants = set(self._on_disk) | set(self._recent)
        tenants |= self._tenants_on_disk()
        for tenant in tenants:
            size = tenant_disk_bytes(self.traces_dir, tenant)
            with self._lock:
                self._on_disk[tenant] = size
                recent = self._recent.get(tenant, {})
                for second in [s for s in recent if s < settled_before]:
                    del recent[second]

    def start(self) -> None:
        if not self.enabled:
            return
        self._thread = threading.Thread(target=self._run, name="quota-scan", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # First pass at once: a tenant's first request then finds its figure ready instead of measuring the disk
        # on the receiver's event loop.
        while True:
            try:
                self.rescan()
            except OSError:
                logger.exception("could not measure tenant storage; keeping the last figures")
            if self._stop.wait(self.refresh_s):
                return
