"""``python -m tracewheel.collector``: the collector alone, without loading the rest of the CLI (faster restarts).

Same server as ``tracewheel collector``; used where start-up time matters (crash/restart loops, benchmarks).
"""

from __future__ import annotations

import argparse
import os
import sys

from tracewheel.collector.server import Endpoints, run_collector

from tracewheel.config import load_settings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.logs import setup_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracewheel.collector", description="Run the OTLP collector."
    )
    parser.add_argument("--host")
    parser.add_argument("--http-port", type=int)
    parser.add_argument("--grpc-port", type=int)
    args = parser.parse_args(argv)
    # Spans, the WAL and the tenants file are tenant data: everything this process creates is owner-only.
    os.umask(0o077)

    def ready(e: Endpoints) -> None:
        sys.stderr.write(
            f"collector listening: OTLP/HTTP http://{e.host}:{e.http_port}  OTLP/gRPC {e.host}:{e.grpc_port}\n"
        )
        sys.stderr.flush()

    try:
        cfg = load_settings()
        setup_logging(cfg.log_level)
        run_collector(cfg.collector, cfg.paths, args.host, args.http_port, args.grpc_port, on_ready=ready)
    except TracewheelError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
