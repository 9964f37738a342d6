"""A tracewheel home for the schedule tests: episodes written to the real trace store the way the collector's
flusher writes them, and a stand-in for the cycle function that records its calls."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tracewheel.collector import segments
from tracewheel.collector.otlp import parse_trace_request
from tracewheel.collector.wal import Signal, WalRecord

from tracewheel.config import Settings
from tracewheel.loop import store
from tracewheel.loop.cycle import Cycle, CycleOutcome

_SEQ = itertools.count(1)  # segment numbers: unique per process is unique per home


def _chat_span(trace_id: str, question: str, answer: str, at_ns: int) -> dict[str, Any]:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": question}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": answer}], "finish_reason": "stop"}]
        ),
    }
    return {
        "traceId": trace_id,
        "spanId": secrets.token_hex(8),
        "name": "chat gpt-4o-mini",
        "kind": 3,
        "startTimeUnixNano": str(at_ns),
        "endTimeUnixNano": str(at_ns + 1_000_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
    }


def write_episodes(home: Path, tenant: str, n: int, received: datetime | None = None) -> list[str]:
    """``n`` one-call chat episodes of ``tenant`` received at ``received`` (default now), flushed to Parquet."""
    at_ns = int(received.timestamp() * 1e9) if received else time.time_ns()
    records, trace_ids = [], []
    for i in range(n):
        trace_id = secrets.token_hex(16)
        body = {
            "resourceSpans": [
                {
                    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
                    "scopeSpans": [
                        {
                            "scope": {"name": "tests"},
                            "spans": [_chat_span(trace_id, f"What is {i} + {i}?", str(2 * i), at_ns)],
                        }
                    ],
                }
            ]
        }
        payload = parse_trace_request(json.dumps(body).encode(), "application/json").SerializeToString()
        records.append(WalRecord(Signal.TRACES, tenant, at_ns, payload))
        trace_ids.append(trace_id)
    segments.flush_segment(home / "traces", next(_SEQ), records)
    return trace_ids


@dataclass
class StandInCycles:
    """Stands in for ``loop.runner.run_cycle``, which curates and trains a model (minutes): records each call,
    saves a cycle record through the loop's real store (so the new-episode count starts again from it), can hold
    the cycle until ``release`` is set, and raise ``fail``."""

    outcome: CycleOutcome = CycleOutcome.NO_DATA
    hold: bool = False
    fail: BaseException | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, settings: Settings, tenant: str, *, trigger: str, console: Any = None) -> Cycle:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.calls.append((tenant, trigger))
        try:
            cycle = Cycle.new(tenant, trigger)
            store.save_cycle(settings.paths.cycles_dir, cycle)
            self.started.set()
            if self.hold and not self.release.wait(20):
                raise TimeoutError("the test never released the cycle")
            if self.fail is not None:
                raise self.fail
            cycle.end(self.outcome)
            store.save_cycle(settings.paths.cycles_dir, cycle)
            return cycle
        finally:
            with self._lock:
                self.active -= 1


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
