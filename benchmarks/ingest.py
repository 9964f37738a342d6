"""Ingest benchmark: durable-ack throughput and latency of ``tracewheel collector`` on one core.

The collector runs as a subprocess pinned to core 0 (``taskset -c 0``) with its own TRACEWHEEL_HOME in a temp dir;
load generators run in their own processes pinned to the other core and send realistic GenAI batches (512 chat
spans, content on: gen_ai.input/output.messages of a few hundred bytes to a few KB each) over OTLP/HTTP protobuf
and OTLP/gRPC. Every answer counted is a durable ack (WAL fsynced). Two runs:

* max throughput: closed loop, several connections, as fast as the collector acks;
* fixed rate: 10,000 spans/s open loop; latency measured from each request's scheduled send time, so a stalled
  collector cannot hide queueing delay (no coordinated omission).

Prints spans/s, MB/s, p50/p99 ack latency, collector RSS (psutil), CPU, and how long the flusher took to get the
WAL into Parquet after the load stopped.

    .venv/bin/python -m benchmarks.ingest [--duration 10] [--rate 10000]
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
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from benchmarks._genai_load import genai_batch
from tracewheel.demo import collector_command, free_port

BATCH = 512


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


def _http_worker(port, key, start_at, duration, interval, seed, cpu, out):
    _pin(cpu)
    bodies = _bodies(seed)
    result = WorkerResult(kind="http")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/x-protobuf", "authorization": f"Bearer {key}"}
    _run_loop(lambda body: _http_send(conn, headers, body), bodies, start_at, duration, interval, result)
    conn.close()
    out.put(result)


def _http_send(conn: http.client.HTTPConnection, headers: dict[str, str], body: bytes) -> str | None:
    conn.request("POST", "/v1/traces", body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return None if response.status == 200 else f"http {response.status}"


def _grpc_worker(port, key, start_at, duration, interval, seed, cpu, out):
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

    def send(body: bytes) -> str | None:
        try:
            call(body, metadata=metadata, timeout=30)
            return None
        except grpc.RpcError as exc:
            return f"grpc {exc.code().name}"

    _run_loop(send, bodies, start_at, duration, interval, result)
    channel.close()
    out.put(result)


def _run_loop(send, bodies, start_at, duration, interval, result: WorkerResult) -> None:
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
            error = send(body)
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
        done = time.perf_counter()
        i += 1
        if error is None:
            result.latencies_ms.append((done - scheduled) * 1000)
            result.spans += BATCH
            result.bytes_sent += len(body)
        else:
            result.errors[error] = result.errors.get(error, 0) + 1
            if not interval:
                time.sleep(0.05)  # refused (503 / RESOURCE_EXHAUSTED): back off a little, as the SDK would


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


def run_phase(name, ports, key, duration, http_workers, grpc_workers, rate, load_cpu, collector) -> dict:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    n_workers = http_workers + grpc_workers
    interval = (BATCH * n_workers / rate) if rate else 0.0
    start_at = time.time() + 3.0  # time for the workers to build their batches
    procs = []
    for i in range(n_workers):
        target = _http_worker if i < http_workers else _grpc_worker
        port = ports[0] if i < http_workers else ports[1]
        p = ctx.Process(target=target, args=(port, key, start_at, duration, interval, i + 1, load_cpu, out))
        p.start()
        procs.append(p)
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
        "by_kind": {k: (_percentile(v, 50), _percentile(v, 99)) for k, v in by_kind.items() if v},
        "name": name,
        "spans_per_s": spans / duration,
        "mb_per_s": sent / duration / 1e6,
        "p50_ms": _percentile(latencies, 50),
        "p99_ms": _percentile(latencies, 99),
        "requests": len(latencies),
        "errors": errors,
        "rss_mb": rss_peak / 1e6,
        "cpu_s": cpu1[0] - cpu0[0],
        "flusher_cpu_s": cpu1[1] - cpu0[1],
        "spans": spans,
        "duration": duration,
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


def flush_cost_us() -> float:
    """CPU microseconds per span to turn WAL records into Parquet (parse, rows, JSON, zstd), in this process."""
    from tracewheel.collector import segments
    from tracewheel.collector.wal import Signal, WalRecord

    records = [WalRecord(Signal.TRACES, "bench", time.time_ns(), b) for b in _bodies(99, 8)]
    with tempfile.TemporaryDirectory() as tmp:
        best = float("inf")
        for i in range(3):
            c0 = time.process_time()
            segments.flush_segment(Path(tmp), i, records)
            best = min(best, time.process_time() - c0)
    return best / (len(records) * BATCH) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--rate", type=float, default=10_000, help="spans/s of the fixed-rate run")
    parser.add_argument("--http-workers", type=int, default=3)
    parser.add_argument("--grpc-workers", type=int, default=2)
    parser.add_argument("--collector-cpu", type=int, default=0)
    parser.add_argument("--load-cpu", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp TRACEWHEEL_HOME")
    args = parser.parse_args()

    from tracewheel.collector.tenants import create_tenant

    home = Path(tempfile.mkdtemp(prefix="tracewheel-bench-"))
    key = create_tenant(home / "tenants.json", "bench").api_key
    http_port, grpc_port = free_port(), free_port()
    env = {**os.environ, "TRACEWHEEL_HOME": str(home)}
    cmd = collector_command(http_port, grpc_port)
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", str(args.collector_cpu), *cmd]
    log = open(home / "collector.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(http_port, proc)
        collector = psutil.Process(proc.pid)
        print(
            f"collector pid {proc.pid} on cpu {sorted(collector.cpu_affinity())}, load on cpu {args.load_cpu}; "
            f"batches of {BATCH} GenAI spans (~{len(genai_batch(BATCH, seed=1).SerializeToString()) // 1024} KiB)"
        )
        p50, p99 = fsync_probe(home)
        print(
            f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} before the runs; "
            f"disk write+fsync of 1 MiB: p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )
        rows = []
        for name, rate in (("max throughput", 0.0), (f"fixed {args.rate:,.0f} spans/s", args.rate)):
            row = run_phase(
                name,
                (http_port, grpc_port),
                key,
                args.duration,
                args.http_workers,
                args.grpc_workers,
                rate,
                args.load_cpu,
                collector,
            )
            t0 = time.time()
            while _wal_backlog(home / "traces") > 0 and time.time() - t0 < 120:
                time.sleep(0.1)
            row["flush_catchup_s"] = time.time() - t0
            rows.append(row)
            _print_row(row)
        cost = flush_cost_us()
        print(
            f"flusher CPU cost (WAL -> Parquet, measured here): {cost:.1f} us/span, i.e. "
            f"{1e6 / cost:,.0f} spans/s per core for the conversion alone"
        )
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        parquet = sum(p.stat().st_size for p in (home / "traces" / "spans").rglob("*.parquet"))
        print(f"parquet written: {parquet / 1e6:.1f} MB (zstd)")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"kept {home}")


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
        f"{row['name']:>24}: {row['spans_per_s']:>9,.0f} spans/s  {row['mb_per_s']:6.1f} MB/s  "
        f"ack p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms  requests {row['requests']}  "
        f"RSS {row['rss_mb']:.0f} MB  errors: {errors}\n{'':>26}"
        + "  ".join(f"{k}: p50 {a:.1f} ms p99 {b:.1f} ms" for k, (a, b) in row["by_kind"].items())
        + f"\n{'':>26}receiver CPU {row['cpu_s']:.1f} s "
        f"({row['cpu_s'] / max(row['spans'], 1) * 1e6:.1f} us/span), flusher CPU {row['flusher_cpu_s']:.1f} s; "
        f"Parquet caught up {row['flush_catchup_s']:.1f} s after the load stopped"
        + (
            f" (sustained incl. catch-up: {row['spans'] / (row['duration'] + row['flush_catchup_s']):,.0f} spans/s)"
            if row["name"] == "max throughput"
            else ""
        )
    )


if __name__ == "__main__":
    main()
