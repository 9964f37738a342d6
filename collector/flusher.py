"""The flusher process: WAL segments -> Parquet, beside the receivers, at lower CPU priority.

A separate process rather than a thread: converting spans to rows is per-span Python work that would hold the
GIL the receivers need, and the ack path must not wait behind it. At ``nice`` 10 the kernel gives the receivers
the CPU first; the flusher uses what is left. If it falls behind, the WAL backlog grows until ``max_queue_bytes``
and the receivers answer 503 (the SDK retries) rather than buffering without bound.

It talks to the writer only through files (sealed segments, ``checkpoint.json``) and holds ``flusher.lock`` so a
flusher orphaned by a SIGKILLed collector and the next collector's flusher never run at once. It exits when its
parent dies, and on SIGTERM after a final pass.

    python -m tracewheel.collector.flusher TRACES_DIR CONFIG_JSON PARENT_PID NICE LOG_LEVEL
"""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from tracewheel.collector import wal
from tracewheel.collector.segments import FlushConfig, Flusher

from tracewheel.core.logs import current_level, setup_logging

logger = logging.getLogger(__name__)
DEFAULT_NICE = 10


def spawn(
    traces_dir: Path,
    config: FlushConfig,
    nice: int = DEFAULT_NICE,
    module: str = "tracewheel.collector.flusher",
) -> subprocess.Popen[bytes]:
    """Start the flusher process for ``traces_dir`` (child of this process, ``nice`` lower priority).

    ``module``: the entry module run with ``python -m`` (``benchmarks/ingest.py`` runs its baseline variant).
    """
    cmd = [
        sys.executable,
        "-m",
        module,
        str(traces_dir),
        json.dumps(asdict(config)),
        str(os.getpid()),
        str(nice),
        # The child logs at the level its parent was set up with; it reads no settings of its own.
        current_level(),
    ]
    # The child starts with SIGTERM blocked (masks survive exec) and unblocks it once its handler is in place: a
    # shutdown that comes while it is still importing then gets its final pass instead of killing it.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def stop(proc: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    """Ask for a final pass (SIGTERM) and wait for it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.error(
                "flusher did not finish in %.0fs; the WAL keeps the rest for the next start", timeout
            )
            proc.kill()
            proc.wait()


def main(argv: list[str]) -> int:
    traces_dir, config_json, parent, nice, level = Path(argv[0]), argv[1], int(argv[2]), int(argv[3]), argv[4]
    setup_logging(level)
    # Inherited from the collector already; set here too so a flusher started any other way writes 0600 files.
    os.umask(0o077)
    os.nice(nice)
    # Rows are short-lived dicts by the million: the cyclic GC only costs time here.
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    stopping = {"final": False}

    def on_term(signum: int, frame: object) -> None:
        stopping["final"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group; the parent decides
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    directory = wal.wal_dir(traces_dir)
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            lock = wal.lock_exclusive(directory / "flusher.lock", "the flusher of")
            break
        except wal.WalLocked:
            # The previous collector's orphaned flusher is finishing its segment; it exits right after.
            if os.getppid() != parent:
                return 0
            time.sleep(0.05)
    flusher = Flusher(traces_dir, FlushConfig(**json.loads(config_json)))
    flusher.run(lambda: stopping["final"] or os.getppid() != parent)
    if stopping["final"]:
        # The writer has sealed its last segment before asking: flush everything.
        flusher.flush_once(include_open=False)
    os.close(lock)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
