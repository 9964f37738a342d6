"""Per-tenant admission limits (``collector/limits.py``): token bucket and storage quota, with a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from tracewheel.collector.limits import LimitExceeded, QuotaTracker, RateLimiter, tenant_disk_bytes


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_refills_at_the_rate_and_answers_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, clock=clock)
    limiter.take("a", 20)
    with pytest.raises(LimitExceeded) as info:
        limiter.take("a", 5)
    assert info.value.retry_after_s == 1  # 5 tokens at 10/s: half a second, rounded up
    clock.now += 0.5
    limiter.take("a", 5)
    limiter.take("b", 20)  # another tenant has its own bucket


def test_a_batch_bigger_than_the_bucket_passes_once_full_and_leaves_debt() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, clock=clock)
    limiter.take("a", 50)  # full bucket: let through
    with pytest.raises(LimitExceeded) as info:
        limiter.take("a", 1)
    assert info.value.retry_after_s == 4  # 30 of debt + 1 token at 10/s
    clock.now += 3.2
    limiter.take("a", 1)


def test_zero_rate_means_no_limit() -> None:
    limiter = RateLimiter(rate=0, burst=1)
    for _ in range(100):
        limiter.take("a", 1_000_000)


def test_quota_counts_files_on_disk_plus_what_was_accepted_since(tmp_path: Path) -> None:
    part = tmp_path / "spans" / "tenant=a" / "hour=2026-01-01T00"
    part.mkdir(parents=True)
    (part / "x.parquet").write_bytes(b"0" * 600)
    (tmp_path / "deadletter" / "tenant=a" / "hour=2026-01-01T00").mkdir(parents=True)
    (tmp_path / "deadletter" / "tenant=a" / "hour=2026-01-01T00" / "d.jsonl").write_bytes(b"0" * 100)
    (tmp_path / "spans" / "tenant=ab").mkdir()
    (tmp_path / "spans" / "tenant=ab" / "y.parquet").write_bytes(b"0" * 5000)  # another tenant
    assert tenant_disk_bytes(tmp_path, "a") == 700
    quota = QuotaTracker(tmp_path, quota_bytes=1000, refresh_s=60)
    quota.check("a", 300, retry_after_s=7)
    quota.add("a", 300)
    with pytest.raises(LimitExceeded) as info:
        quota.check("a", 1, retry_after_s=7)
    assert info.value.retry_after_s == 7 and "quota" in str(info.value)
    (part / "x.parquet").unlink()  # retention freed space
    quota.rescan()
    # The 300 accepted bytes are not yet settled (maybe still in the WAL): still counted.
    with pytest.raises(LimitExceeded):
        quota.check("a", 700, retry_after_s=7)
    quota.check("a", 600, retry_after_s=7)
    quota.settle_s = -1.0  # now they are in the store, which the next scan counts
    quota.rescan()
    quota.check("a", 900, retry_after_s=7)
