"""OTLP metrics on the ack path: decode an export body, keep the GenAI usage metrics as flat points, count the rest.

Zero-code instrumentation (``opentelemetry-instrument``, the GenAI instrumentations) exports metrics by default;
tracewheel keeps what says how a tenant's agents use models and acknowledges everything else without storing it:

* token usage, ``gen_ai.client.token.usage`` (and ``gen_ai.server.token.usage``): a histogram per
  ``gen_ai.token.type`` (``input`` / ``output``; the older ``prompt`` / ``completion`` are read as those);
* operation duration, ``gen_ai.client.operation.duration`` (and ``gen_ai.server.request.duration`` /
  ``gen_ai.server.operation.duration``), seconds (a ``ms`` unit is converted).

Both as explicit-bucket or exponential histograms, delta or cumulative (``metrics_usage`` turns cumulative series
into deltas when reading); token usage also as a monotonic counter and durations as a summary, the shapes
Micrometer-based instrumentations (Spring AI) export. Every other metric, and a GenAI one of another instrument type, is dropped and counted
by name. Data points whose times or values the store cannot hold are rejected (OTLP partial success).

Only chosen attributes are kept (model, operation, provider, token type, error type, server address, service):
a metric attribute may carry anything, and none of these holds content or credentials.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from tracewheel.collector import otlp

TOKEN_USAGE: Final = "token_usage"
"""Kind of a stored point: tokens per operation, by token type."""
DURATION: Final = "duration"
"""Kind of a stored point: seconds per operation."""

KINDS: Final = {
    "gen_ai.client.token.usage": TOKEN_USAGE,
    "gen_ai.server.token.usage": TOKEN_USAGE,
    "gen_ai.client.operation.duration": DURATION,
    "gen_ai.server.request.duration": DURATION,
    "gen_ai.server.operation.duration": DURATION,
}
"""Metric names kept, and what each measures."""

GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_SYSTEM: Final = "gen_ai.system"
"""Deprecated (<= semconv 1.36) name of ``gen_ai.provider.name``."""
ERROR_TYPE: Final = "error.type"
SERVER_ADDRESS: Final = "server.address"
SERVICE_NAME: Final = "service.name"

_TOKEN_TYPES: Final = {"input": "input", "prompt": "input", "output": "output", "completion": "output"}
_DELTA, _CUMULATIVE = 1, 2
_MS_UNITS: Final = frozenset({"ms", "milliseconds"})
# What a request may make the store keep, whatever it sends (the agent is not trusted, and metrics bytes are bounded
# by the tenant's rate limit only): this many dropped-metric names, the rest counted under OTHER_METRICS, and
# names and attribute values cut to this many characters (OTel caps instrument names at 255).
MAX_DROPPED_NAMES: Final = 64
OTHER_METRICS: Final = "(other metrics)"
MAX_TEXT: Final = 256
# What each kind may arrive as: histograms as the GenAI conventions define them; a monotonic counter of tokens and
# a summary of durations as Micrometer-based instrumentations (Spring AI) export them.
_SHAPES: Final = frozenset(
    {
        ("histogram", TOKEN_USAGE),
        ("histogram", DURATION),
        ("exponential_histogram", TOKEN_USAGE),
        ("exponential_histogram", DURATION),
        ("sum", TOKEN_USAGE),
        ("summary", DURATION),
    }
)


@dataclass
class MetricsBatch:
    """What one export request holds for the store: GenAI ``points`` (plain dicts, one per data point) and how many
    data points of every other metric were ``dropped``, by metric name."""

    points: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    error_message: str = ""

    @property
    def data_points(self) -> int:
        """Every data point received (kept, dropped or rejected): what the tenant's rate limit counts."""
        return len(self.points) + sum(self.dropped.values()) + self.rejected


def parse_metrics_request(body: bytes, content_type: str) -> ExportMetricsServiceRequest:
    """Decode an OTLP metrics export body (protobuf or OTLP/JSON); raises ``otlp.OtlpDecodeError`` /
    ``otlp.UnsupportedContentType``."""
    kind = otlp.media_type(content_type)
    request = ExportMetricsServiceRequest()
    if kind in otlp.PROTOBUF_TYPES:
        try:
            request.ParseFromString(body)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise otlp.OtlpDecodeError(f"body is not a valid OTLP protobuf message: {exc}") from exc
        return request
    if kind not in otlp.JSON_TYPES:
        raise otlp.UnsupportedContentType(
            f"unsupported content type {content_type!r}; use application/x-protobuf or application/json"
        )
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise otlp.OtlpDecodeError(f"body is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise otlp.OtlpDecodeError("OTLP/JSON body must be a JSON object")
    _drop_exemplars(doc)
    try:
        json_format.ParseDict(doc, request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise otlp.OtlpDecodeError(f"body is not a valid OTLP/JSON request: {exc}") from exc
    return request


def _drop_exemplars(doc: Any) -> None:
    # Exemplars carry hex trace/span ids in OTLP/JSON (base64 in protobuf's JSON mapping); nothing here keeps them,
    # so they go before ParseDict rather than being rewritten.
    if isinstance(doc, dict):
        doc.pop("exemplars", None)
        for value in doc.values():
            if isinstance(value, dict | list):
                _drop_exemplars(value)
    elif isinstance(doc, list):
        for value in doc:
            _drop_exemplars(value)


def extract(request: ExportMetricsServiceRequest) -> MetricsBatch:
    """The GenAI points of ``request`` and the counts of everything dropped or rejected."""
    batch = MetricsBatch()
    reasons: dict[str, int] = {}
    for rm in request.resource_metrics:
        resource = otlp.attributes_dict(rm.resource.attributes)
        resource_key = orjson.dumps(resource, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = KINDS.get(metric.name)
                data = metric.WhichOneof("data")
                if kind is None or (data, kind) not in _SHAPES:
                    n = _count_points(metric, data)
                    if n:
                        name = metric.name[:MAX_TEXT]
                        batch.dropped[name] = batch.dropped.get(name, 0) + n
                    continue
                scale = 1e-3 if kind == DURATION and metric.unit.strip().lower() in _MS_UNITS else 1.0
                values = getattr(metric, data)
                # OTLP summaries have no temporality field: they are cumulative by definition.
                temporality = _CUMULATIVE if data == "summary" else values.aggregation_temporality
                for dp in values.data_points:
                    try:
                        point = _point(metric.name, kind, data, dp, temporality, scale)
                    except _Rejected as exc:
                        batch.rejected += 1
                        reasons[str(exc)] = reasons.get(str(exc), 0) + 1
                        continue
                    point["service"] = _text(resource.get(SERVICE_NAME))
                    point["series"] = _series(resource_key, sm.scope.name, metric.name, point, dp)
                    batch.points.append(point)
    if len(batch.dropped) > MAX_DROPPED_NAMES:
        ranked = sorted(batch.dropped.items(), key=lambda item: (-item[1], item[0]))
        batch.dropped = dict(ranked[: MAX_DROPPED_NAMES - 1])
        batch.dropped[OTHER_METRICS] = sum(n for _, n in ranked[MAX_DROPPED_NAMES - 1 :])
    if batch.rejected:
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        batch.error_message = f"rejected {batch.rejected} data points: {detail}"
    return batch


def _count_points(metric: Any, data: str | None) -> int:
    if data is None:
        return 0
    return len(getattr(metric, data).data_points)


class _Rejected(ValueError):
    pass


def _point(name: str, kind: str, data: str, dp: Any, temporality: int, scale: float) -> dict[str, Any]:
    if not dp.time_unix_nano or dp.time_unix_nano > otlp.MAX_UNIX_NANO:
        raise _Rejected("missing or out-of-range time_unix_nano")
    if dp.start_time_unix_nano > otlp.MAX_UNIX_NANO:
        raise _Rejected("start_time_unix_nano out of range")
    if temporality not in (_DELTA, _CUMULATIVE):
        raise _Rejected("aggregation temporality unspecified")
    attrs = otlp.attributes_dict(dp.attributes)
    bounds: list[float] = []
    buckets: list[int] = []
    count: int | None = None  # a counter's point says how many tokens, not in how many records
    low = high = None
    if data == "sum":
        total: float | None = float(dp.as_int if dp.WhichOneof("value") == "as_int" else dp.as_double)
    else:
        count = dp.count
        # ``sum`` is optional in OTLP histograms (absent when values may be negative); always there in summaries.
        total = dp.sum if data == "summary" or dp.HasField("sum") else None
    if data == "histogram":
        bounds = list(dp.explicit_bounds)
        buckets = list(dp.bucket_counts)
        if buckets and len(buckets) != len(bounds) + 1:
            raise _Rejected("bucket_counts do not match explicit_bounds")
    elif data == "exponential_histogram":
        bounds, buckets = _exponential_buckets(dp)
    if data in ("histogram", "exponential_histogram"):
        low = dp.min if dp.HasField("min") else None
        high = dp.max if dp.HasField("max") else None
    values = [v for v in (total, low, high) if v is not None] + bounds
    if not all(math.isfinite(v) for v in values):
        raise _Rejected("non-finite value, sum, bound, min or max")
    token_type = attrs.get(GEN_AI_TOKEN_TYPE)
    # The model asked for, as the agent names it: stable across a call's records (a failed call has no response
    # model) and across a provider's dated snapshots; the response model only when no request model was recorded.
    model = attrs.get(GEN_AI_REQUEST_MODEL) or attrs.get(GEN_AI_RESPONSE_MODEL)
    return {
        "metric": name,
        "kind": kind,
        "time_unix_nano": dp.time_unix_nano,
        "start_time_unix_nano": dp.start_time_unix_nano,
        "temporality": "delta" if temporality == _DELTA else "cumulative",
        "model": _text(model),
        "operation": _text(attrs.get(GEN_AI_OPERATION_NAME)),
        "provider": _text(attrs.get(GEN_AI_PROVIDER_NAME) or attrs.get(GEN_AI_SYSTEM)),
        "token_type": _TOKEN_TYPES.get(str(token_type).lower(), _text(token_type)) if token_type else None,
        "error_type": _text(attrs.get(ERROR_TYPE)),
        "server_address": _text(attrs.get(SERVER_ADDRESS)),
        "count": count,
        "sum": total * scale if total is not None else None,
        "min": low * scale if low is not None else None,
        "max": high * scale if high is not None else None,
        "bounds": [b * scale for b in bounds],
        "buckets": buckets,
    }


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return (value if isinstance(value, str) else str(value))[:MAX_TEXT]


def _exponential_buckets(dp: Any) -> tuple[list[float], list[int]]:
    """An exponential histogram as explicit buckets: ``(-inf, 0]`` (zero and negative counts), ``(0, lowest]``,
    then one per exponential bucket ``(base**i, base**(i+1)]``, then ``(highest, +inf)``."""
    counts = list(dp.positive.bucket_counts)
    below = dp.zero_count + sum(dp.negative.bucket_counts)
    if not counts:
        return [0.0], [below, 0]
    try:
        base = 2.0 ** (2.0**-dp.scale)
        bounds = [0.0] + [base ** (dp.positive.offset + k) for k in range(len(counts) + 1)]
    except OverflowError as exc:
        raise _Rejected("exponential histogram out of range") from exc
    return bounds, [below, 0, *counts, 0]


def _series(resource_key: bytes, scope: str, name: str, point: dict[str, Any], dp: Any) -> str:
    """Identity of a cumulative series: the same resource, scope, metric, attributes and start time."""
    h = hashlib.blake2b(digest_size=12)
    for part in (
        resource_key,
        scope.encode(),
        name.encode(),
        orjson.dumps(
            otlp.attributes_dict(dp.attributes), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
        ),
        str(point["start_time_unix_nano"]).encode(),
    ):
        h.update(part)
        h.update(b"\0")
    return h.hexdigest()
