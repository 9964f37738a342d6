"""Ingest benchmark: durable-ack throughput and latency of ``tracewheel collector`` on one core, flush included.

The collector runs as a subprocess pinned to core 0 (``taskset -c 0``; its flusher child inherits the pin) with its
own TRACEWHEEL_HOME in a temp dir; load generators run in their own processes pinned to the other core and send
realistic GenAI batches (512 chat spans, content on: gen_ai.input/output.messages of a few hundred bytes to a few KB
each) over OTLP/HTTP protobuf and OTLP/gRPC. Every answer counted is a durable ack (WAL fsynced). Runs:

* burst: closed loop, several connections, as fast as the collector acks (the WAL absorbs what the flusher has
  not converted yet, up to the default ``max_queue_bytes``);
* fixed rate: 10,000 spans/s open loop; latency measured from each request's scheduled send time, so a stalled
  collector cannot hide queueing delay (no coordinated omission);
* sustained (``--sustained SECONDS``): closed loop held that long against a collector whose queue bound is small
  (``--queue-bytes``), so the flusher sets the pace; a refused sender (503 / RESOURCE_EXHAUSTED) waits the
  Retry-After the collector sends (``retry_after_s``, as the OTel SDKs do; ``--backoff-s`` for a fixed wait instead)
  and the refusal is not counted. The figure is acked spans over the run plus the time the flusher still
  needed afterwards to get the WAL into Parquet.

Each run is done twice, side by side: ``baseline`` is the collector with issue 14's ingest changes undone
(``benchmarks/_ingest_baseline.py``: one dict per span in the flusher, no refusal before decoding), ``current`` is
the code as it is. Also printed: the flusher's conversion cost per span measured in-process, for the row path,
the columnar path, and (a prototype, not in the collector) keeping each span's raw OTLP bytes instead of JSON.

    .venv/bin/python -m benchmarks.ingest [--duration 10] [--rate 10000] [--sustained 120] [--queue-bytes 64MiB]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyarrow as pa

from benchmarks._genai_load import genai_batch
from tracewheel.demo import collector_command, free_port

BATCH = 512
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WorkerResult:
    kind: str = "http"
    latencies_ms: list[float] = field(default_factory=list)
    spans: int = 0
    bytes_sent: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _bodies(seed: int, n: int = 6) -> list[bytes]:
    return [genai_batch(BATCH, seed=seed * 100 + i).SerializeToString() for i in range(n)]


def _http_worker(port, key, start_at, duration, interval, backoff, seed, cpu, out):
    _pin(cpu)
    bodies = _bodies(seed)
    result = WorkerResult(kind="http")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/x-protobuf", "authorization": f"Bearer {key}"}
    _run_loop(
        lambda body: _http_send(conn, headers, body), bodies, start_at, duration, interval, backoff, result
    )
    conn.close()
    out.put(result)


def _http_send(conn: http.client.HTTPConnection, headers: dict[str, str], body: bytes) -> Refusal | None:
    conn.request("POST", "/v1/traces", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    if response.status == 200:
        return None
    return Refusal(f"http {response.status}", _float(response.getheader("retry-after")))


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Refusal:
    error: str
    retry_after_s: float | None = None  # what the collector asked for (Retry-After, grpc-retry-pushback-ms)


def _grpc_worker(port, key, start_at, duration, interval, backoff, seed, cpu, out):
    _pin(cpu)
    import grpc

    bodies = _bodies(seed)
    result = WorkerResult(kind="grpc")
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    call = channel.unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        request_serializer=None,
        response_deserializer=None,
    )
    metadata = (("authorization", f"Bearer {key}"),)

    def send(body: bytes) -> Refusal | None:
        try:
            call(body, metadata=metadata, timeout=30)
            return None
        except grpc.RpcError as exc:
            pushback = dict(exc.trailing_metadata() or ()).get("grpc-retry-pushback-ms")
            ms = _float(pushback if isinstance(pushback, str) else None)
            return Refusal(f"grpc {exc.code().name}", ms / 1000 if ms is not None else None)

    _run_loop(send, bodies, start_at, duration, interval, backoff, result)
    channel.close()
    out.put(result)


def _run_loop(send, bodies, start_at, duration, interval, backoff, result: WorkerResult) -> None:
    while time.time() < start_at:
        time.sleep(0.001)
    t0 = time.perf_counter()
    end = t0 + duration
    i = 0
    while True:
        scheduled = t0 + i * interval if interval else time.perf_counter()
        if scheduled >= end:
            break
        now = time.perf_counter()
        if scheduled > now:
            time.sleep(scheduled - now)
        body = bodies[i % len(bodies)]
        try:
            refusal = send(body)
        except (OSError, http.client.HTTPException) as exc:
            refusal = Refusal(type(exc).__name__)
        done = time.perf_counter()
        i += 1
        if refusal is None:
            result.latencies_ms.append((done - scheduled) * 1000)
            result.spans += BATCH
            result.bytes_sent += len(body)
        else:
            result.errors[refusal.error] = result.errors.get(refusal.error, 0) + 1
            if not interval:
                # Refused (503 / RESOURCE_EXHAUSTED): wait as asked (an SDK's way), or the fixed back-off.
                asked = refusal.retry_after_s if backoff is None else None
                time.sleep(asked if asked is not None else (backoff or 0.05))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]
        if len(values) > 1
        else values[0]
    )


def _wal_backlog(traces_dir: Path) -> int:
    from tracewheel.collector import wal

    directory = wal.wal_dir(traces_dir)
    done = wal.read_checkpoint(directory)
    total = 0
    for seq in wal.list_segments(directory):
        if seq > done:
            try:
                total += wal.segment_path(directory, seq).stat().st_size
            except FileNotFoundError:
                pass
    return total


@dataclass
class Collector:
    """One collector subprocess under test, with its own TRACEWHEEL_HOME."""

    variant: str
    home: Path
    proc: subprocess.Popen
    ports: tuple[int, int]
    key: str

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self.proc.pid)


def start_collector(variant: str, cpu: int, env_extra: dict[str, str]) -> Collector:
    from tracewheel.collector.tenants import create_tenant

    home = Path(tempfile.mkdtemp(prefix=f"tracewheel-bench-{variant}-"))
    key = create_tenant(home / "tenants.json", "bench").api_key
    http_port, grpc_port = free_port(), free_port()
    env = {**os.environ, "TRACEWHEEL_HOME": str(home), **env_extra}
    cmd = collector_command(http_port, grpc_port)
    if variant == "baseline":
        cmd = [sys.executable, "-m", "benchmarks._ingest_baseline", *cmd[cmd.index("collector") :]]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu), *cmd]
    log = open(home / "collector.log", "wb")  # noqa: SIM115
    # From the repository root: the baseline's modules (and its flusher's) live in benchmarks/, not installed.
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    _wait_ready(http_port, proc)
    return Collector(variant, home, proc, (http_port, grpc_port), key)


def stop_collector(c: Collector, keep: bool) -> None:
    c.proc.send_signal(signal.SIGTERM)
    try:
        c.proc.wait(120)
    except subprocess.TimeoutExpired:
        c.proc.kill()
    if keep:
        print(f"kept {c.home}")
    else:
        shutil.rmtree(c.home, ignore_errors=True)


def run_phase(name, c: Collector, duration, http_workers, grpc_workers, rate, backoff, load_cpu) -> dict:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    n_workers = http_workers + grpc_workers
    interval = (BATCH * n_workers / rate) if rate else 0.0
    start_at = time.time() + 3.0  # time for the workers to build their batches
    procs = []
    for i in range(n_workers):
        target = _http_worker if i < http_workers else _grpc_worker
        port = c.ports[0] if i < http_workers else c.ports[1]
        p = ctx.Process(
            target=target, args=(port, c.key, start_at, duration, interval, backoff, i + 1, load_cpu, out)
        )
        p.start()
        procs.append(p)
    collector = c.process
    while time.time() < start_at:
        time.sleep(0.01)
    cpu0 = _cpu(collector)
    rss_peak = 0
    t_end = time.time() + duration
    while time.time() < t_end:
        rss_peak = max(rss_peak, collector.memory_info().rss)
        time.sleep(0.1)
    results = [out.get(timeout=duration + 60) for _ in procs]
    for p in procs:
        p.join()
    cpu1 = _cpu(collector)
    t0 = time.time()
    while _wal_backlog(c.home / "traces") > 0 and time.time() - t0 < 600:
        time.sleep(0.1)
    catchup = time.time() - t0
    cpu2 = _cpu(collector)
    latencies = [x for r in results for x in r.latencies_ms]
    spans = sum(r.spans for r in results)
    sent = sum(r.bytes_sent for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    by_kind = {
        kind: [x for r in results if r.kind == kind for x in r.latencies_ms] for kind in ("http", "grpc")
    }
    return {
        "variant": c.variant,
        "by_kind": {k: (_percentile(v, 50), _percentile(v, 99)) for k, v in by_kind.items() if v},
        "name": name,
        "spans_per_s": spans / duration,
        "with_flush_per_s": spans / (duration + catchup),
        "mb_per_s": sent / duration / 1e6,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "requests": len(latencies),
        "errors": errors,
        "rss_mb": rss_peak / 1e6,
        "cpu_s": cpu1[0] - cpu0[0],
        "flusher_cpu_s": cpu1[1] - cpu0[1],
        "total_cpu_s": cpu2[0] + cpu2[1] - cpu0[0] - cpu0[1],
        "spans": spans,
        "duration": duration,
        "flush_catchup_s": catchup,
    }


def _cpu(collector: psutil.Process) -> tuple[float, float]:
    """CPU seconds of the receiver process and of its flusher child."""
    own = collector.cpu_times()
    children = 0.0
    for child in collector.children():
        try:
            t = child.cpu_times()
            children += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return own.user + own.system, children


def fsync_probe(directory: Path, n: int = 40) -> tuple[float, float]:
    """p50/p99 ms of write(1 MiB)+fsync on the benchmark's disk: the floor under any durable ack."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    data = os.urandom(1 << 20)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        os.write(fd, data)
        os.fsync(fd)
        lat.append((time.perf_counter() - t) * 1000)
        time.sleep(0.02)
    os.close(fd)
    path.unlink()
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]


def _raw_span_bytes_table(records: list) -> pa.Table:
    """The other lever, as a prototype: the columns readers filter on, plus each span's raw OTLP bytes instead of
    JSON attributes (readers would decode them at read time). Not what the collector writes."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    cols: dict[str, list] = {k: [] for k in ("trace_id", "span_id", "name", "start", "end", "otlp")}
    for record in records:
        request = ExportTraceServiceRequest.FromString(record.payload)
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                spans = list(ss.spans)
                cols["trace_id"] += [s.trace_id.hex() for s in spans]
                cols["span_id"] += [s.span_id.hex() for s in spans]
                cols["name"] += [s.name for s in spans]
                cols["start"] += [s.start_time_unix_nano for s in spans]
                cols["end"] += [s.end_time_unix_nano for s in spans]
                cols["otlp"] += [s.SerializeToString() for s in spans]
    return pa.table(cols)


def conversion_costs(reps: int = 3) -> dict[str, float]:
    """CPU microseconds per span to turn WAL records into a durable Parquet file, in this process (best of reps)."""
    from tracewheel.collector import segments
    from tracewheel.collector.wal import Signal, WalRecord

    from benchmarks import _ingest_baseline

    records = [WalRecord(Signal.TRACES, "bench", time.time_ns(), b) for b in _bodies(99, 8)]
    n = len(records) * BATCH
    out: dict[str, float] = {}

    def best(fn) -> float:
        times = []
        for i in range(reps):
            with tempfile.TemporaryDirectory() as tmp:
                c0 = time.process_time()
                fn(Path(tmp), i)
                times.append(time.process_time() - c0)
        return min(times) / n * 1e6

    restore = _ingest_baseline.rows_conversion()
    try:
        out["rows (baseline)"] = best(lambda tmp, i: segments.flush_segment(tmp, i, records))
    finally:
        restore()
    out["columnar (current)"] = best(lambda tmp, i: segments.flush_segment(tmp, i, records))

    def raw(tmp: Path, i: int) -> None:
        segments.write_parquet(_raw_span_bytes_table(records), tmp / f"{i}.parquet", {})

    out["raw OTLP bytes per span (prototype)"] = best(raw)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of the burst and fixed-rate runs (0: skip)"
    )
    parser.add_argument("--rate", type=float, default=10_000, help="spans/s of the fixed-rate run")
    parser.add_argument(
        "--sustained",
        type=float,
        default=0.0,
        help="seconds of the sustained run with a small queue bound (0: skip)",
    )
    parser.add_argument(
        "--queue-bytes",
        type=int,
        default=64 * 1024 * 1024,
        help="collector.max_queue_bytes of the sustained run (the other runs keep the default)",
    )
    parser.add_argument(
        "--backoff-s",
        type=float,
        default=None,
        help="a refused sender waits this long to retry (default: the Retry-After the collector sends, as SDKs do)",
    )
    parser.add_argument("--variants", default="baseline,current", help="comma-separated: baseline, current")
    parser.add_argument("--http-workers", type=int, default=3)
    parser.add_argument("--grpc-workers", type=int, default=2)
    parser.add_argument("--collector-cpu", type=int, default=0)
    parser.add_argument("--load-cpu", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp TRACEWHEEL_HOMEs")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]

    print(
        f"collector on cpu {args.collector_cpu} (flusher included), load on cpu {args.load_cpu}; "
        f"batches of {BATCH} GenAI spans (~{len(genai_batch(BATCH, seed=1).SerializeToString()) // 1024} KiB)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        p50, p99 = fsync_probe(Path(tmp))
    print(
        f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} before the runs; "
        f"disk write+fsync of 1 MiB: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    rows = []
    common = (args.http_workers, args.grpc_workers)
    for variant in variants:
        if args.duration > 0:
            c = start_collector(variant, args.collector_cpu, {})
            try:
                for name, rate in (("burst", 0.0), (f"fixed {args.rate:,.0f}/s", args.rate)):
                    rows.append(
                        run_phase(name, c, args.duration, *common, rate, args.backoff_s, args.load_cpu)
                    )
                    _print_row(rows[-1])
            finally:
                stop_collector(c, args.keep)
        if args.sustained > 0:
            env = {"TRACEWHEEL_COLLECTOR__MAX_QUEUE_BYTES": str(args.queue_bytes)}
            c = start_collector(variant, args.collector_cpu, env)
            try:
                name = f"sustained {args.sustained:.0f} s"
                rows.append(run_phase(name, c, args.sustained, *common, 0.0, args.backoff_s, args.load_cpu))
                _print_row(rows[-1])
            finally:
                stop_collector(c, args.keep)
    print(f"load average after the runs: {os.getloadavg()[0]:.1f}")
    _print_table(rows, args.queue_bytes)
    print("\nflusher conversion cost (WAL records -> durable zstd Parquet, in-process CPU, best of 3):")
    for label, us in conversion_costs().items():
        print(
            f"  {label:>38}: {us:6.1f} us/span ({1e6 / us:>9,.0f} spans/s per core for the conversion alone)"
        )


def _wait_ready(port: int, proc: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"collector exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("collector did not start")


def _print_row(row: dict) -> None:
    errors = ", ".join(f"{k}: {v}" for k, v in row["errors"].items()) or "none"
    print(
        f"[{row['variant']}] {row['name']}: {row['spans_per_s']:,.0f} spans/s acked, "
        f"{row['with_flush_per_s']:,.0f} spans/s with the flush ({row['flush_catchup_s']:.1f} s catch-up); "
        f"ack p50 {row['p50_ms']:.1f} ms p99 {row['p99_ms']:.1f} ms; "
        + "  ".join(f"{k}: p50 {a:.1f} p99 {b:.1f} ms" for k, (a, b) in row["by_kind"].items())
        + f"; refused: {errors}; receiver CPU {row['cpu_s']:.1f} s, flusher CPU {row['flusher_cpu_s']:.1f} s "
        f"during the load, {row['total_cpu_s'] / max(row['spans'], 1) * 1e6:.1f} us/span in all; "
        f"RSS {row['rss_mb']:.0f} MB",
        flush=True,
    )


def _print_table(rows: list[dict], queue_bytes: int) -> None:
    print(
        f"\n{'run':>16} {'variant':>9} {'acked/s':>9} {'with flush/s':>13} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'refused':>8} {'CPU us/span':>12}"
    )
    for row in sorted(rows, key=lambda r: (r["name"], r["variant"])):
        refused = sum(row["errors"].values())
        print(
            f"{row['name']:>16} {row['variant']:>9} {row['spans_per_s']:>9,.0f} {row['with_flush_per_s']:>13,.0f} "
            f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {refused:>8} "
            f"{row['total_cpu_s'] / max(row['spans'], 1) * 1e6:>12.1f}"
        )
    print(
        f"(sustained: max_queue_bytes {queue_bytes / 2**20:.0f} MiB; 'with flush' counts the time the flusher "
        "needed after the load to empty the WAL; CPU is receiver + flusher, catch-up included)"
    )


if __name__ == "__main__":
    main()
