"""The receivers' shared core: authenticate, decode + validate, strip credentials, admit (rate and quota), append
to the WAL, remember trace ids.

HTTP and gRPC differ only in framing; both call ``Ingest`` and map its exceptions to their status codes:
``OtlpDecodeError`` -> 400 / INVALID_ARGUMENT, ``LimitExceeded`` -> 429 / RESOURCE_EXHAUSTED, ``QueueFull`` and
``WalWriteError`` -> 503 / RESOURCE_EXHAUSTED (all three with Retry-After), nothing acknowledged.
"""

from __future__ import annotations

import concurrent.futures
import logging
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from tracewheel.collector import credentials, flusher, otlp, wal
from tracewheel.collector.feedback import TraceIndex, validate_feedback
from tracewheel.collector.limits import QuotaTracker, RateLimiter
from tracewheel.collector.segments import FlushConfig
from tracewheel.collector.settings import CollectorSettings
from tracewheel.collector.tenants import TenantResolver
from tracewheel.collector.wal import Signal, WalWriter

from tracewheel.core.errors import TracewheelError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """A validated request ready for the WAL (``payload`` empty when every record was rejected)."""

    signal: Signal
    validated: otlp.Validated


class Ingest:
    def __init__(self, settings: CollectorSettings, traces_dir: Path, tenants_file: Path) -> None:
        self.settings = settings
        self.traces_dir = Path(traces_dir)
        self.traces_dir.mkdir(parents=True, exist_ok=True)
        self.resolver = TenantResolver(tenants_file)
        self.index = TraceIndex(self.traces_dir)
        try:
            self.writer = WalWriter(
                self.traces_dir,
                segment_bytes=min(settings.wal_segment_bytes, settings.flush_max_bytes),
                max_queue_bytes=settings.max_queue_bytes,
                rotate_after_s=settings.flush_interval_s,
            )
        except wal.WalLocked as exc:
            raise TracewheelError(f"{exc}: is another collector running with this TRACEWHEEL_HOME?") from exc
        self._index_unflushed()
        self.flush_config = FlushConfig(
            flush_interval_s=settings.flush_interval_s,
            retention_hours=settings.retention_hours,
            compaction_min_files=settings.compaction_min_files,
            compaction_small_file_bytes=settings.compaction_small_file_bytes,
            compaction_settle_s=settings.compaction_settle_s,
        )
        self._flusher: subprocess.Popen[bytes] | None = None
        self.rate = RateLimiter(settings.tenant_rate_records_per_s, settings.tenant_burst_records)
        self.quota = QuotaTracker(
            self.traces_dir,
            settings.tenant_quota_bytes,
            settings.quota_refresh_s,
            # Accepted bytes are in Parquet (and in the scan) once the segment is sealed and flushed.
            settle_s=2 * settings.flush_interval_s + 5,
        )
        # Records refused at the door, by reason (partial success answers carry the same): for logs and tests.
        self.rejected: dict[str, int] = {}
        self._rejected_lock = threading.Lock()

    def _index_unflushed(self) -> None:
        # Spans acknowledged before a restart but not yet in Parquet: feedback for them must not get a 404.
        for _, records in wal.iter_unflushed(self.traces_dir):
            for record in records:
                if record.signal is Signal.TRACES:
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(record.payload)
                    ids = {
                        s.trace_id for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans
                    }
                    self.index.add(record.tenant, ids)

    def start(self) -> None:
        self.quota.start()
        self._flusher = flusher.spawn(self.traces_dir, self.flush_config, nice=self.settings.flusher_nice)
        self._closing = threading.Event()
        threading.Thread(target=self._watch_flusher, name="flusher-watch", daemon=True).start()

    def _watch_flusher(self) -> None:
        # A dead flusher would leave acks piling up in the WAL until every request gets a 503: restart it.
        while not self._closing.wait(1.0):
            proc = self._flusher
            if proc is not None and proc.poll() is not None:
                logger.error("flusher exited with %s; restarting it", proc.returncode)
                self._flusher = flusher.spawn(
                    self.traces_dir, self.flush_config, nice=self.settings.flusher_nice
                )

    def close(self) -> None:
        """Stop taking writes, seal the WAL, let the flusher put everything into Parquet."""
        if hasattr(self, "_closing"):
            self._closing.set()
        self.quota.stop()
        self.writer.close()
        if self._flusher is not None:
            flusher.stop(self._flusher)

    # --- steps, in the order receivers call them ------------------------------------------------------------

    def prepare(self, signal: Signal, body: bytes, content_type: str) -> Prepared:
        """Decode, validate, strip credentials; raises ``otlp.OtlpDecodeError`` / ``otlp.UnsupportedContentType``.

        CPU-bound (milliseconds for a large body): HTTP calls it from a worker thread, off the event loop. Raises
        ``wal.QueueFull`` first, without decoding, when the body would not fit under the WAL's bound: under overload
        the refused requests would otherwise take the CPU the flusher needs to drain it.
        """
        protobuf = otlp.media_type(content_type) in otlp.PROTOBUF_TYPES
        # A protobuf body is what the WAL will hold (or more, if records get dropped); JSON shrinks a lot.
        self.writer.check_room(len(body) if protobuf else 1)
        if signal is Signal.TRACES:
            traces = otlp.parse_trace_request(body, content_type)
            # Stripped first: the client's own bytes go to the WAL only when nothing had to be removed. The raw-body
            # pre-check is for protobuf only: JSON escapes (\u0042earer) would hide a scheme word from it.
            clean = credentials.strip_trace_request(traces, body if protobuf else None) == 0
            validated = otlp.validate_trace_request(traces, body if protobuf and clean else None)
        else:
            logs = otlp.parse_logs_request(body, content_type)
            clean = credentials.strip_logs_request(logs, body if protobuf else None) == 0
            validated = otlp.validate_logs_request(logs, body if protobuf and clean else None)
        if validated.rejected:
            self._count_rejected(signal, validated)
        return Prepared(signal, validated)

    def _count_rejected(self, signal: Signal, validated: otlp.Validated) -> None:
        key = signal.name.lower()
        with self._rejected_lock:
            self.rejected[key] = self.rejected.get(key, 0) + validated.rejected
        logger.info("refused %s at the door: %s", key, validated.error_message)

    def admit(self, tenant: str, records: int, nbytes: int) -> None:
        """Raise ``LimitExceeded`` when ``tenant`` is over its rate or storage quota (nothing is stored then)."""
        self.quota.check(tenant, nbytes, self.settings.retry_after_s)
        self.rate.take(tenant, records)

    def submit(self, tenant: str, prepared: Prepared) -> concurrent.futures.Future[None] | None:
        """Admit and queue for the WAL; None when there is nothing to store.

        Raises ``LimitExceeded`` or ``wal.QueueFull``.
        """
        v = prepared.validated
        if v.accepted == 0:
            return None
        self.admit(tenant, v.accepted, len(v.payload))
        future = self.writer.submit(prepared.signal, tenant, time.time_ns(), v.payload)
        self.quota.add(tenant, len(v.payload))
        return future

    def acknowledged(self, tenant: str, prepared: Prepared) -> None:
        if prepared.validated.trace_ids:
            self.index.add(tenant, prepared.validated.trace_ids)

    # --- feedback -------------------------------------------------------------------------------------------

    def prepare_feedback(self, body: bytes) -> dict[str, Any]:
        """Decode + validate a feedback body; raises ``otlp.OtlpDecodeError`` or ``FeedbackError``."""
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise otlp.OtlpDecodeError(f"body is not valid JSON: {exc}") from exc
        return validate_feedback(doc)

    def trace_known(self, tenant: str, trace_id: str) -> bool:
        """Blocking (may query Parquet): call from a worker thread."""
        return self.index.known_recent(tenant, trace_id) or self.index.known_in_segments(tenant, trace_id)

    def submit_feedback(self, tenant: str, item: dict[str, Any]) -> concurrent.futures.Future[None]:
        payload = orjson.dumps(item)
        self.admit(tenant, 1, len(payload))
        future = self.writer.submit(Signal.FEEDBACK, tenant, time.time_ns(), payload)
        self.quota.add(tenant, len(payload))
        return future
