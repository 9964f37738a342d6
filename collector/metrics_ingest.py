"""``/v1/metrics`` and ``MetricsService/Export``: the steps both receivers take, as ``Ingest`` does for traces.

Decode + extract (``collector.metrics``), admit against the tenant's rate limit and quota (``Ingest.admit``: the same
429 / RESOURCE_EXHAUSTED as traces), append durably (``collector.metrics_store``), answer with an
``ExportMetricsServiceResponse`` (partial success for rejected data points). The receivers authenticate first and map
``otlp.OtlpDecodeError`` -> 400 / INVALID_ARGUMENT, ``LimitExceeded`` -> 429 / RESOURCE_EXHAUSTED, ``WalWriteError``
-> 503 / RESOURCE_EXHAUSTED, as for the other signals.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceResponse
from tracewheel.collector.ingest import Ingest
from tracewheel.collector.metrics import MetricsBatch, extract, parse_metrics_request
from tracewheel.collector.metrics_store import MetricsLog

logger = logging.getLogger(__name__)

METRICS_PATH = "/v1/metrics"


class MetricsIngest:
    def __init__(self, ingest: Ingest, metrics_dir: Path) -> None:
        self.ingest = ingest
        self.log = MetricsLog(metrics_dir)

    def prepare(self, body: bytes, content_type: str) -> MetricsBatch:
        """Decode and extract; raises ``otlp.OtlpDecodeError`` / ``otlp.UnsupportedContentType``. CPU-bound."""
        batch = extract(parse_metrics_request(body, content_type))
        if batch.rejected:
            logger.info("refused metric data points at the door: %s", batch.error_message)
        return batch

    def store(self, tenant: str, batch: MetricsBatch, nbytes: int) -> None:
        """Admit, then append durably; raises ``LimitExceeded`` or ``WalWriteError``. Blocking (an fsync)."""
        if not batch.data_points:
            return
        self.ingest.admit(tenant, batch.data_points, nbytes)
        if batch.points or batch.dropped:
            self.log.append(tenant, time.time_ns(), batch)

    def close(self) -> None:
        self.log.close()


def response(batch: MetricsBatch) -> ExportMetricsServiceResponse:
    out = ExportMetricsServiceResponse()
    if batch.rejected:
        out.partial_success.rejected_data_points = batch.rejected
        out.partial_success.error_message = batch.error_message
    return out
