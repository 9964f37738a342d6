"""``tracewheel collector``: both OTLP receivers and the WAL writer in this process, the flusher in a child.

Shutdown (SIGTERM / SIGINT) is graceful: uvicorn stops accepting and finishes in-flight requests, gRPC gets a
grace period, the WAL's last segment is sealed and the flusher process puts everything into Parquet before
exiting. A SIGKILL loses nothing that was acknowledged: the next start replays the WAL (and the orphaned flusher
exits on its own).
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn
from tracewheel.collector.grpc_receiver import create_grpc_server
from tracewheel.collector.http_protocol import protocol_with_header_timeout
from tracewheel.collector.http_receiver import OtlpHttpApp
from tracewheel.collector.ingest import Ingest
from tracewheel.collector.metrics_ingest import MetricsIngest
from tracewheel.collector.settings import CollectorSettings
from tracewheel.collector.shipper import start_shipper

from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoints:
    host: str
    http_port: int
    grpc_port: int


# uvicorn pauses the socket every 64 KiB of request body and resumes it on the next receive(): a 1 MiB OTLP batch
# then takes ~20 event-loop turns, each one a chance to be descheduled on a busy core. Read up to 1 MiB per turn
# (still bounded: the receiver caps the total at max_body_bytes).
_BODY_READ_CHUNK = 1024 * 1024


def _tune_uvicorn() -> None:
    from uvicorn.protocols.http import httptools_impl

    httptools_impl.HIGH_WATER_LIMIT = max(httptools_impl.HIGH_WATER_LIMIT, _BODY_READ_CHUNK)


def run_collector(
    cfg: CollectorSettings,
    paths: Paths,
    host: str | None = None,
    http_port: int | None = None,
    grpc_port: int | None = None,
    on_ready: Callable[[Endpoints], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT. Ports and host default to ``cfg``'s."""
    host = host or cfg.host
    http_port = cfg.http_port if http_port is None else http_port
    grpc_port = cfg.grpc_port if grpc_port is None else grpc_port
    # `kill -USR1 <pid>` prints every thread's stack: the first thing to look at when a collector seems stuck.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    ingest = Ingest(cfg, paths.traces_dir, paths.tenants_file)
    metrics = MetricsIngest(ingest, paths.metrics_dir)
    _tune_uvicorn()
    grpc_server = None
    shipper = None
    try:
        ingest.start()
        # With an object store configured, sealed segments move to the bucket (docs/17-object-storage.md).
        shipper = start_shipper(cfg.object_store, paths.traces_dir)
        # Request garbage is mostly acyclic; scan for cycles less often than every 700 allocations.
        gc.set_threshold(50_000, 20, 20)
        grpc_server, bound_grpc = create_grpc_server(ingest, host, grpc_port, metrics)
        grpc_server.start()
        server = uvicorn.Server(
            uvicorn.Config(
                OtlpHttpApp(ingest, metrics),
                host=host,
                port=http_port,
                loop="uvloop",
                http=protocol_with_header_timeout(cfg.header_timeout_s),
                # Connections and in-flight requests; past it uvicorn answers 503 instead of taking more.
                limit_concurrency=cfg.max_connections,
                lifespan="off",
                access_log=False,
                log_level="warning",
                timeout_graceful_shutdown=10,
                # A whole OTLP batch arrives in one request; keep-alive saves the SDK a connect per batch.
                timeout_keep_alive=30,
            )
        )
        if on_ready is not None:
            _announce_when_started(server, Endpoints(host, http_port, bound_grpc), on_ready)
        # uvicorn re-raises the signal that stopped it once it is done, which would kill the process before the
        # final flush below; with these handlers in place the re-raise is a no-op.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _stopping)
        server.run()
    finally:
        if grpc_server is not None:
            grpc_server.stop(grace=5).wait()
        ingest.close()
        metrics.close()
        if shipper is not None:
            shipper.stop()  # after the flusher's last pass, so what it wrote goes too


def _stopping(signum: int, frame: object) -> None:
    logger.info("signal %d: finishing in-flight requests and flushing the WAL", signum)


def _announce_when_started(
    server: uvicorn.Server, endpoints: Endpoints, on_ready: Callable[[Endpoints], None]
) -> None:
    startup = server.startup

    async def startup_then_announce(sockets=None):  # type: ignore[no-untyped-def]
        await startup(sockets=sockets)
        if server.started:
            on_ready(endpoints)

    server.startup = startup_then_announce  # type: ignore[method-assign]
