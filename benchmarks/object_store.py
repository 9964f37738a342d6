"""Segments on object storage (``collector/shipper.py``, ``collector/store.py``) against the same segments on local
disk, side by side, on a local S3-compatible server (moto's, a subprocess on loopback).

    .venv/bin/python -m benchmarks.object_store [--segments N] [--spans-per-segment S] [--tenants T]

Writes ``N`` Parquet segments the way the flusher does (``segments.flush_segment``, one WAL segment each, spread
over ``T`` tenants, spans of 3-span traces with GenAI attributes), then

* ships a copy of them with the real ``Shipper`` (upload, then delete the local copy) and prints segments/s, MB/s;
* runs the same ``TraceStore`` queries over the local files (the baseline) and over the bucket only (a reader on
  another machine): ``tenants()``, one trace's spans, and every episode of one tenant.

moto keeps objects in Python memory and answers on one process: a real S3 or MinIO has other latencies (higher per
request, far higher bandwidth). The figures say what this code costs per object and per listing, not what S3 does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from tracewheel.collector import segments
from tracewheel.collector.object_store import ObjectStore
from tracewheel.collector.settings import ObjectStoreSettings
from tracewheel.collector.shipper import Shipper
from tracewheel.collector.store import TraceStore
from tracewheel.collector.wal import Signal, WalRecord

BUCKET = "tracewheel-bench"


def _request(n_traces: int, seed: int) -> tuple[ExportTraceServiceRequest, list[str]]:
    request = ExportTraceServiceRequest()
    ss = request.resource_spans.add().scope_spans.add()
    now = time.time_ns()
    trace_ids = []
    for t in range(n_traces):
        trace_id = os.urandom(16)
        trace_ids.append(trace_id.hex())
        for i in range(3):
            span = ss.spans.add(
                trace_id=trace_id,
                span_id=os.urandom(8),
                name=f"chat {i}",
                kind=3,
                start_time_unix_nano=now + i,
                end_time_unix_nano=now + i + 1000,
            )
            for key, value in (
                ("gen_ai.operation.name", "chat"),
                ("gen_ai.request.model", "bench-model"),
                (
                    "gen_ai.input.messages",
                    f'[{{"role":"user","parts":[{{"type":"text","content":"q {seed}/{t}"}}]}}]',
                ),
            ):
                span.attributes.append(KeyValue(key=key, value=AnyValue(string_value=value)))
    return request, trace_ids


def _write_segments(traces: Path, n: int, spans_per_segment: int, tenants: list[str]) -> dict[str, list[str]]:
    trace_ids: dict[str, list[str]] = {t: [] for t in tenants}
    now = time.time_ns()
    for seq in range(1, n + 1):
        tenant = tenants[seq % len(tenants)]
        request, ids = _request(max(1, spans_per_segment // 3), seq)
        trace_ids[tenant].extend(ids)
        segments.flush_segment(
            traces, seq, [WalRecord(Signal.TRACES, tenant, now, request.SerializeToString())]
        )
    return trace_ids


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(fn, repeat: int = 3) -> tuple[float, object]:  # noqa: ANN001
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--spans-per-segment", type=int, default=600)
    parser.add_argument("--tenants", type=int, default=4)
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
                    Bucket=BUCKET
                )
                break
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
        settings = ObjectStoreSettings(url=f"s3://{BUCKET}/bench", endpoint_url=endpoint, replica_id="bench")
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "local" / "traces"
            tenants = [f"tenant-{i}" for i in range(args.tenants)]
            trace_ids = _write_segments(local, args.segments, args.spans_per_segment, tenants)
            size = sum(p.stat().st_size for p in (local / "spans").rglob("*.parquet"))
            print(
                f"segments: {args.segments} ({size / 1e6:.1f} MB, {args.segments * args.spans_per_segment} spans, "
                f"{args.tenants} tenants)"
            )
            # One upload at a time (the baseline) against the default's parallel uploads, each on its own copy.
            for workers in (1, settings.upload_workers):
                shipping = Path(tmp) / f"shipping-{workers}" / "traces"
                shutil.copytree(local, shipping)
                ship_settings = settings.model_copy(
                    update={"upload_workers": workers, "url": f"{settings.url}-w{workers}"}
                )
                start = time.perf_counter()
                shipped = Shipper(shipping, ObjectStore(ship_settings), ship_settings).ship_once()
                ship_s = time.perf_counter() - start
                print(
                    f"shipping, {workers} upload(s) at once: {shipped} segments in {ship_s:.2f}s = "
                    f"{shipped / ship_s:.0f} segments/s, {size / 1e6 / ship_s:.2f} MB/s (upload, then delete local)"
                )
            store = ObjectStore(
                settings.model_copy(update={"url": f"{settings.url}-w{settings.upload_workers}"})
            )
            readers = {
                "local disk": TraceStore(local),
                "bucket": TraceStore(Path(tmp) / "reader" / "traces", object_store=store),
            }
            tenant = tenants[0]
            one = trace_ids[tenant][len(trace_ids[tenant]) // 2]
            print(f"{'query':<34}{'local disk':>12}{'bucket':>12}{'ratio':>8}")
            for name, query, repeat in (
                ("tenants()", lambda s: s.tenants(), 3),
                ("spans(tenant, one trace)", lambda s: s.spans(tenant, one), 3),
                (f"episodes(tenant) [{len(trace_ids[tenant])}]", lambda s: s.episodes(tenant), 1),
            ):
                times, results = {}, {}
                for label, reader in readers.items():
                    times[label], results[label] = _timed(lambda r=reader, q=query: q(r), repeat=repeat)
                agree = _same(results["local disk"], results["bucket"])
                print(
                    f"{name:<34}{times['local disk']:>11.3f}s{times['bucket']:>11.3f}s"
                    f"{times['bucket'] / times['local disk']:>7.1f}x{'' if agree else '  RESULTS DIFFER'}"
                )
    finally:
        server.terminate()
        server.wait()
    return 0


def _same(a: object, b: object) -> bool:
    if isinstance(a, list) and a and hasattr(a[0], "trace_id"):
        return [e.trace_id for e in a] == [e.trace_id for e in b]  # type: ignore[union-attr]
    return a == b


if __name__ == "__main__":
    sys.exit(main())
