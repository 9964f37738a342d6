"""Durability: every span the collector acknowledged survives SIGKILL, found again after restart.

The real OTel SDK exporter sends spans to ``tracewheel collector`` in a subprocess; a wrapper around the exporter
records which batches got a success answer (= acknowledged). The collector is SIGKILLed mid-stream, restarted on
the same ports, and every acknowledged span must be readable (Parquet segments + WAL replay).
"""

from __future__ import annotations

import threading
import time

import pytest
from _collector_harness import CollectorProcess, read_all, wait_for
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult


class AckRecorder(SpanExporter):
    """Wraps the real exporter; remembers the span ids of batches the collector acknowledged."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.acked: set[str] = set()
        self.failed = 0
        self._lock = threading.Lock()

    def export(self, spans):
        result = self.inner.export(spans)
        with self._lock:
            if result is SpanExportResult.SUCCESS:
                self.acked.update(f"{s.context.span_id:016x}" for s in spans)
            else:
                self.failed += 1
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class Agent:
    """An instrumented 'agent' producing GenAI-ish spans continuously on a background thread."""

    def __init__(self, collector: CollectorProcess, key: str) -> None:
        exporter = OTLPSpanExporter(
            endpoint=f"{collector.http_url}/v1/traces", headers={"authorization": f"Bearer {key}"}, timeout=2
        )
        self.recorder = AckRecorder(exporter)
        self.provider = TracerProvider()
        self.provider.add_span_processor(
            BatchSpanProcessor(
                self.recorder, schedule_delay_millis=20, max_export_batch_size=64, export_timeout_millis=3000
            )
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        tracer = self.provider.get_tracer("agent")
        i = 0
        while not self._stop.is_set():
            with tracer.start_as_current_span("invoke_agent") as span:
                span.set_attribute("gen_ai.operation.name", "invoke_agent")
                with tracer.start_as_current_span("chat gpt-4o-mini") as chat:
                    chat.set_attribute(
                        "gen_ai.input.messages",
                        f'[{{"role":"user","parts":[{{"type":"text","content":"q{i}"}}]}}]',
                    )
            i += 1
            time.sleep(0.002)

    def start(self) -> Agent:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.provider.force_flush()
        self.provider.shutdown()


def _stored_ids(col: CollectorProcess) -> set[str]:
    return {r["span_id"] for r in read_all(col.traces_dir, "spans").to_pylist()}


def test_acknowledged_spans_survive_sigkill_mid_stream(tw_home):
    col = CollectorProcess(tw_home)
    key = col.add_tenant("acme")
    col.start()
    agent = Agent(col, key).start()
    try:
        time.sleep(1.0)
        before_kill = len(agent.recorder.acked)
        col.kill()
        time.sleep(0.5)  # exports fail while it is down
        col.start()
        time.sleep(1.0)
    finally:
        agent.stop()
    acked = agent.recorder.acked
    assert before_kill > 0 and len(acked) > before_kill
    missing = acked - _stored_ids(col)
    assert not missing, f"{len(missing)} acknowledged spans lost"
    # After a graceful stop everything is in Parquet and the WAL is empty.
    col.stop()
    assert acked <= _stored_ids(col)
    from tracewheel.collector.segments import unflushed_tables

    assert unflushed_tables(col.traces_dir)["spans"].num_rows == 0


@pytest.mark.slow
def test_twenty_kill_restart_cycles_lose_nothing(tw_home):
    # ``python -m tracewheel.collector`` is the same server as ``tracewheel collector`` without the CLI's imports.
    col = CollectorProcess(tw_home, entry=("tracewheel.collector",))
    key = col.add_tenant("acme")
    col.start()
    agent = Agent(col, key).start()
    try:
        for _ in range(20):
            time.sleep(0.25)
            col.kill()
            col.start()
        time.sleep(0.5)
    finally:
        agent.stop()
    acked = agent.recorder.acked
    assert agent.recorder.failed > 0  # the kills did interrupt exports
    assert wait_for(lambda: acked <= _stored_ids(col), timeout=5), f"{len(acked - _stored_ids(col))} lost"
    col.stop()
