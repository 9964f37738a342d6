"""Importable helpers for collector tests (the fixtures in conftest.py wrap them): free ports, the real collector
as a subprocess, reading back everything acknowledged. Import with ``from _collector_harness import ...``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pyarrow as pa
from tracewheel.collector.segments import unflushed_tables
from tracewheel.collector.tenants import create_tenant

SAMPLES = Path("/work/shared/otel-samples")
# Keep the test collector's flush interval short so Parquet appears quickly.
TEST_ENV = {"TRACEWHEEL_COLLECTOR__FLUSH_INTERVAL_S": "0.2", "TRACEWHEEL_LOG_LEVEL": "WARNING"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.otlp.json"))


class CollectorProcess:
    """``tracewheel collector`` in a subprocess with its own TRACEWHEEL_HOME and ephemeral ports."""

    def __init__(
        self,
        home: Path,
        env: dict[str, str] | None = None,
        preexec_fn=None,
        entry: tuple[str, ...] = ("tracewheel", "collector"),
    ) -> None:
        """``entry``: ``("tracewheel", "collector")`` (the CLI) or ``("tracewheel.collector",)`` (``python -m tracewheel.collector``,
        the same server without the CLI's imports: restarts in a third of the time)."""
        self.entry = entry
        self.home = Path(home)
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.env = {**os.environ, **TEST_ENV, "TRACEWHEEL_HOME": str(self.home), **(env or {})}
        self.preexec_fn = preexec_fn
        self.proc: subprocess.Popen[bytes] | None = None
        self.keys: dict[str, str] = {}
        self._client = httpx.Client(timeout=30)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def traces_dir(self) -> Path:
        return self.home / "traces"

    def add_tenant(self, name: str) -> str:
        self.keys[name] = create_tenant(self.home / "tenants.json", name).api_key
        return self.keys[name]

    def start(self, timeout: float = 30.0) -> CollectorProcess:
        self.log = open(self.home / f"collector-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                *self.entry,
                "--http-port",
                str(self.http_port),
                "--grpc-port",
                str(self.grpc_port),
            ],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=self.preexec_fn,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector exited with {self.proc.returncode}: {self.read_log()}")
            try:
                if httpx.get(f"{self.http_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"collector did not start: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return self.log.name and Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no final flush."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait (graceful: flushes the WAL to Parquet)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def post(
        self,
        path: str,
        body: bytes,
        key: str | None,
        content_type: str = "application/x-protobuf",
        **headers: str,
    ) -> httpx.Response:
        h = {"content-type": content_type, **{k.replace("_", "-"): v for k, v in headers.items()}}
        if key is not None:
            h["authorization"] = f"Bearer {key}"
        return self._client.post(f"{self.http_url}{path}", content=body, headers=h)

    def table(self, kind: str = "spans") -> pa.Table:
        """Every acknowledged row of ``kind``: Parquet segments plus the WAL's unflushed records, de-duplicated."""
        return read_all(self.traces_dir, kind)

    def spans(self, tenant: str | None = None) -> list[dict]:
        rows = self.table("spans").to_pylist()
        return [r for r in rows if tenant is None or r["tenant"] == tenant]


@contextmanager
def running_collector(
    home: Path,
    tenants: Iterable[str],
    env: dict[str, str] | None = None,
    entry: tuple[str, ...] = ("tracewheel", "collector"),
) -> Iterator[CollectorProcess]:
    """A collector on ``home`` (created if missing) with ``tenants`` (keys in ``.keys``), stopped on exit.
    ``entry``: as for ``CollectorProcess`` (``("tracewheel.collector",)`` starts faster)."""
    home.mkdir(parents=True, exist_ok=True)
    proc = CollectorProcess(home, env=env, entry=entry)
    for tenant in tenants:
        proc.add_tenant(tenant)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def read_all(traces_dir: Path, kind: str = "spans") -> pa.Table:
    """Parquet (read through DuckDB, as readers do) + WAL, de-duplicated on the row's identity."""
    pending = unflushed_tables(traces_dir)[kind]
    files = list((traces_dir / kind).glob("tenant=*/hour=*/*.parquet"))
    con = duckdb.connect()
    con.register("pending", pending)
    if files:
        flushed = f"SELECT * EXCLUDE (hour) FROM read_parquet('{traces_dir / kind}/*/*/*.parquet', hive_partitioning=true)"
        query = f"SELECT DISTINCT * FROM ({flushed} UNION ALL BY NAME SELECT * FROM pending)"
    else:
        query = "SELECT DISTINCT * FROM pending"
    return con.sql(query).to_arrow_table()


def make_trace_request(n_spans: int = 3, name: str = "chat", extra_attrs: dict[str, str] | None = None):
    """A protobuf ``ExportTraceServiceRequest`` of ``n_spans`` spans with fresh random ids."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="service.name", value=AnyValue(string_value="test-agent"))
    ss = rs.scope_spans.add()
    ss.scope.name = "tests"
    trace_id = os.urandom(16)
    for i in range(n_spans):
        span = ss.spans.add(
            trace_id=trace_id,
            span_id=os.urandom(8),
            name=f"{name} {i}",
            kind=3,
            start_time_unix_nano=time.time_ns(),
            end_time_unix_nano=time.time_ns() + 1000,
        )
        span.attributes.append(KeyValue(key="gen_ai.operation.name", value=AnyValue(string_value="chat")))
        for k, v in (extra_attrs or {}).items():
            span.attributes.append(KeyValue(key=k, value=AnyValue(string_value=v)))
    return request


def span_ids(request) -> set[str]:
    return {s.span_id.hex() for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans}


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
