"""Canary test helpers: adapters in a real registry (weights are a stand-in file: routing never loads them), and
served episodes written into the trace store through the collector's own WAL write path."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))
from _trace_fixtures import feedback_record, leave_in_wal, span, trace_body, trace_record  # noqa: E402


def add_adapter(adapters_dir: Path, tenant: str = "acme", status: str | None = None) -> AdapterRecord:
    record = AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"),
        tenant=tenant,
        base_model="embedded:smollm2-135m-instruct",
        method="sft",
        dataset_versions=["ds-abc"],
        hyperparameters={},
        created_at=datetime.now(UTC),
    )
    record = registry.register(
        adapters_dir, record, lambda d: (d / "adapter_model.safetensors").write_bytes(b"w")
    )
    if status is not None:
        record = registry.transition(adapters_dir, tenant, record.adapter_id, status)
    return record


class ServedTraffic:
    """Writes served chat episodes (one span each, ``tracewheel.adapter`` set as the server sets it) and their
    feedback as acknowledged WAL records, which the store reads like a running collector's."""

    def __init__(self, traces_dir: Path, tenant: str = "acme") -> None:
        self.traces_dir, self.tenant, self._seq = traces_dir, tenant, 0

    def serve(
        self, adapter: str, n: int, feedback: dict[str, Any] | None = None, **span_attrs: Any
    ) -> list[str]:
        self._seq += 1
        records, trace_ids = [], []
        for _ in range(n):
            now = time.time_ns()
            trace_id = os.urandom(16).hex()
            attrs = {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "tracewheel",
                "tracewheel.adapter": adapter,
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": "2+2?"}]}]
                ),
                "gen_ai.output.messages": json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [{"type": "text", "content": "4"}],
                            "finish_reason": "stop",
                        }
                    ]
                ),
                **span_attrs,
            }
            body = trace_body(
                "agent", [span(trace_id, os.urandom(8).hex(), "chat tracewheel", now, now + 1000, attrs)]
            )
            records.append(trace_record(body, self.tenant, now))
            if feedback is not None:
                records.append(feedback_record(self.tenant, now + 1, trace_id=trace_id, **feedback))
            trace_ids.append(trace_id)
        leave_in_wal(self.traces_dir, self._seq, records)
        return trace_ids

    def feedback(self, trace_ids: list[str], **item: Any) -> None:
        """Feedback arriving later for runs already served."""
        self._seq += 1
        now = time.time_ns()
        records = [feedback_record(self.tenant, now + i, trace_id=t, **item) for i, t in enumerate(trace_ids)]
        leave_in_wal(self.traces_dir, self._seq, records)
