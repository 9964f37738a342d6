"""The collector with issue 14's ingest changes undone, for ``benchmarks.ingest``'s side-by-side baseline.

What is undone, and nothing else: the flusher builds one dict per span (``otlp.span_rows``) and the table from the
rows, Parquet dictionary-encodes every column, and the receivers decode a request before they find the WAL full.

    python -m benchmarks._ingest_baseline collector --http-port P --grpc-port Q    (as ``tracewheel collector``)

The collector spawns its flusher as ``python -m benchmarks._ingest_baseline TRACES_DIR ...`` (the flusher's own
arguments), which converts the old way.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from tracewheel.collector import flusher, otlp, segments, wal


def _rows_build(kind: str, items: list[tuple[wal.WalRecord, Any]]) -> pa.Table:
    if kind != "spans":
        return _build(kind, items)
    rows = [
        row
        for record, request in items
        for row in otlp.span_rows(request, record.tenant, record.received_at_unix_nano)
    ]
    return segments._to_table(rows, otlp.SPAN_SCHEMA)


def _write_parquet(table: pa.Table, final: Path, metadata: dict[bytes, bytes]) -> None:
    final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
    tmp = final.with_name(f".{final.name}.tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        pq.write_table(table, f, compression="zstd", row_group_size=64 * 1024)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)


_build = segments._build


def rows_conversion() -> Callable[[], None]:
    """Make this process's flusher convert spans the old way; returns what puts the current way back."""
    saved = segments._build, segments.write_parquet
    segments._build = _rows_build
    segments.write_parquet = _write_parquet

    def restore() -> None:
        segments._build, segments.write_parquet = saved

    return restore


def main() -> None:
    if sys.argv[1:2] != ["collector"]:
        # Spawned by the collector below: the flusher's own command line follows the module name.
        rows_conversion()
        sys.exit(flusher.main(sys.argv[1:]))
    wal.WalWriter.check_room = lambda self, nbytes: None  # type: ignore[method-assign]
    flusher.spawn = functools.partial(flusher.spawn, module="benchmarks._ingest_baseline")  # type: ignore[assignment]
    from tracewheel.cli.main import run

    run()


if __name__ == "__main__":
    main()
