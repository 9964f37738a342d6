"""benchmarks/_ingest_baseline.py: the ingest benchmark's baseline writes the same Parquet rows as the current
collector (only slower), and puts the current conversion back when asked."""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
from tracewheel.collector import segments
from tracewheel.collector.wal import Signal, WalRecord

ROOT = Path(__file__).resolve().parents[2]


def _records() -> list[WalRecord]:
    from benchmarks._genai_load import genai_batch

    return [
        WalRecord(
            Signal.TRACES, "acme", 1_795_000_000_000_000_000 + i, genai_batch(16, seed=i).SerializeToString()
        )
        for i in range(3)
    ]


def test_baseline_conversion_writes_the_same_rows_and_restores(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    if "benchmarks._ingest_baseline" in sys.modules:
        del sys.modules["benchmarks._ingest_baseline"]
    from benchmarks import _ingest_baseline

    records = _records()
    current = segments.flush_segment(tmp_path / "current", 1, records)
    restore = _ingest_baseline.rows_conversion()
    try:
        assert segments._build is not _ingest_baseline._build
        baseline = segments.flush_segment(tmp_path / "baseline", 1, records)
    finally:
        restore()
    assert segments._build is _ingest_baseline._build
    # Same partitions (the file names differ: they derive from each WAL directory's random id).
    assert [p.parent.relative_to(tmp_path / "current") for p in current] == [
        p.parent.relative_to(tmp_path / "baseline") for p in baseline
    ]
    for a, b in zip(current, baseline, strict=True):
        assert pq.read_table(a).to_pylist() == pq.read_table(b).to_pylist()
        assert pq.read_table(a).num_rows > 0
