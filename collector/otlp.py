"""OTLP decoding: request bodies (protobuf or OTLP/JSON) in, validated requests and flat rows out.

Two stages, kept apart on purpose:

* ``parse_*_request`` + ``validate_*_request`` run on the ack path: they decode the body and drop records with
  invalid ids or values the Parquet schema cannot hold (times past int64), so the WAL only ever holds requests
  that will convert cleanly. Nothing here walks attributes.
* ``spans_table_from_requests`` (whole batches, column by column) and ``log_rows`` run in the flusher, off the
  ack path: they turn protobuf messages into the fixed Parquet schemas below. ``span_rows`` is the same span
  conversion as one dict per span: the reference the columnar one is tested against, and what tools read.

OTLP/JSON differs from protobuf's canonical JSON mapping in one way that matters: trace and span ids are hex
strings, not base64 (OTLP spec, "JSON Protobuf Encoding"). We rewrite them to base64 before ``ParseDict``.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
JSON_TYPES = frozenset({"application/json"})

SPAN_SCHEMA = pa.schema(
    [
        pa.field("tenant", pa.string(), nullable=False),
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("parent_span_id", pa.string()),
        pa.field("name", pa.string(), nullable=False),
        pa.field("kind", pa.int32(), nullable=False),
        pa.field("start_time_unix_nano", pa.int64(), nullable=False),
        pa.field("end_time_unix_nano", pa.int64(), nullable=False),
        pa.field("status_code", pa.int32(), nullable=False),
        pa.field("status_message", pa.string(), nullable=False),
        pa.field("service_name", pa.string()),
        pa.field("scope_name", pa.string(), nullable=False),
        pa.field("attributes", pa.string(), nullable=False),
        pa.field("events", pa.string(), nullable=False),
        pa.field("resource_attributes", pa.string(), nullable=False),
        pa.field("received_at_unix_nano", pa.int64(), nullable=False),
    ]
)

LOG_SCHEMA = pa.schema(
    [
        pa.field("tenant", pa.string(), nullable=False),
        pa.field("trace_id", pa.string()),
        pa.field("span_id", pa.string()),
        pa.field("time_unix_nano", pa.int64(), nullable=False),
        pa.field("observed_time_unix_nano", pa.int64(), nullable=False),
        pa.field("event_name", pa.string()),
        pa.field("severity_number", pa.int32(), nullable=False),
        pa.field("severity_text", pa.string(), nullable=False),
        pa.field("body", pa.string(), nullable=False),
        pa.field("attributes", pa.string(), nullable=False),
        pa.field("service_name", pa.string()),
        pa.field("scope_name", pa.string(), nullable=False),
        pa.field("received_at_unix_nano", pa.int64(), nullable=False),
    ]
)


# OTLP times are fixed64 (unsigned); the Parquet/Arrow columns are int64. A time above this is rejected at the door
# (partial success) rather than acknowledged and left for the flusher to choke on. It is also the year 2262, so every
# accepted time converts to a ``datetime`` in readers too.
MAX_UNIX_NANO = 2**63 - 1


class OtlpDecodeError(ValueError):
    """The body is not a decodable OTLP request (answered with 400 / INVALID_ARGUMENT)."""


class UnsupportedContentType(ValueError):
    """The content type is neither OTLP protobuf nor OTLP/JSON (answered with 415)."""


def media_type(content_type: str | None) -> str:
    """``"application/json; charset=utf-8"`` -> ``"application/json"``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


# --- decoding -------------------------------------------------------------------------------------------------

_ZERO_TRACE = bytes(16)
_ZERO_SPAN = bytes(8)
# A hex id that is not hex becomes this 1-byte value: the wrong length makes validation reject that one record
# (partial success) instead of failing the whole request.
_BAD_ID_B64 = base64.b64encode(b"\xff").decode()


def _hex_to_b64(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value == "":
        return ""
    try:
        return base64.b64encode(bytes.fromhex(value)).decode()
    except ValueError:
        return _BAD_ID_B64


def _fix_ids(obj: dict[str, Any], keys: Sequence[str]) -> None:
    for key in keys:
        if key in obj:
            obj[key] = _hex_to_b64(obj[key])


def _list(obj: Any, key: str) -> list[Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def _rewrite_trace_ids(doc: dict[str, Any]) -> None:
    for rs in _list(doc, "resourceSpans") + _list(doc, "resource_spans"):
        for ss in _list(rs, "scopeSpans") + _list(rs, "scope_spans"):
            for span in _list(ss, "spans"):
                if not isinstance(span, dict):
                    continue
                _fix_ids(span, ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id"))
                for link in _list(span, "links"):
                    if isinstance(link, dict):
                        _fix_ids(link, ("traceId", "trace_id", "spanId", "span_id"))


def _rewrite_log_ids(doc: dict[str, Any]) -> None:
    for rl in _list(doc, "resourceLogs") + _list(doc, "resource_logs"):
        for sl in _list(rl, "scopeLogs") + _list(rl, "scope_logs"):
            for record in _list(sl, "logRecords") + _list(sl, "log_records"):
                if isinstance(record, dict):
                    _fix_ids(record, ("traceId", "trace_id", "spanId", "span_id"))


def _parse(body: bytes, content_type: str, message: Any, rewrite: Any) -> Any:
    kind = media_type(content_type)
    if kind in PROTOBUF_TYPES:
        try:
            message.ParseFromString(body)
        except (DecodeError, RuntimeError, ValueError) as exc:
            raise OtlpDecodeError(f"body is not a valid OTLP protobuf message: {exc}") from exc
        return message
    if kind in JSON_TYPES:
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise OtlpDecodeError(f"body is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise OtlpDecodeError("OTLP/JSON body must be a JSON object")
        rewrite(doc)
        try:
            json_format.ParseDict(doc, message, ignore_unknown_fields=True)
        except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
            raise OtlpDecodeError(f"body is not a valid OTLP/JSON request: {exc}") from exc
        return message
    raise UnsupportedContentType(
        f"unsupported content type {content_type!r}; use application/x-protobuf or application/json"
    )


def parse_trace_request(body: bytes, content_type: str) -> ExportTraceServiceRequest:
    """Decode an OTLP trace export body (protobuf or OTLP/JSON with hex ids)."""
    return _parse(body, content_type, ExportTraceServiceRequest(), _rewrite_trace_ids)


def parse_logs_request(body: bytes, content_type: str) -> ExportLogsServiceRequest:
    """Decode an OTLP logs export body (protobuf or OTLP/JSON with hex ids)."""
    return _parse(body, content_type, ExportLogsServiceRequest(), _rewrite_log_ids)


# --- validation (ack path) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validated:
    """Outcome of validating one export request."""

    accepted: int
    rejected: int
    error_message: str
    payload: bytes  # protobuf bytes of the accepted records only (what goes into the WAL)
    trace_ids: frozenset[bytes] = frozenset()  # of accepted spans (traces only): feeds the feedback check


def _span_problem(span: Any) -> str | None:
    tid = span.trace_id
    sid = span.span_id
    if len(tid) != 16 or tid == _ZERO_TRACE:
        return "invalid trace_id"
    if len(sid) != 8 or sid == _ZERO_SPAN:
        return "invalid span_id"
    pid = span.parent_span_id
    if pid and len(pid) != 8:
        return "invalid parent_span_id"
    if not span.name:
        return "missing name"
    if not span.start_time_unix_nano:
        return "missing start_time_unix_nano"
    if span.start_time_unix_nano > MAX_UNIX_NANO:
        return "start_time_unix_nano out of range"
    if span.end_time_unix_nano > MAX_UNIX_NANO:
        return "end_time_unix_nano out of range"
    if any(e.time_unix_nano > MAX_UNIX_NANO for e in span.events):
        return "event time_unix_nano out of range"
    return None


def _log_problem(record: Any) -> str | None:
    tid = record.trace_id
    sid = record.span_id
    if tid and (len(tid) != 16 or tid == _ZERO_TRACE):
        return "invalid trace_id"
    if sid and (len(sid) != 8 or sid == _ZERO_SPAN):
        return "invalid span_id"
    if not record.time_unix_nano and not record.observed_time_unix_nano:
        return "missing time_unix_nano"
    if record.time_unix_nano > MAX_UNIX_NANO:
        return "time_unix_nano out of range"
    if record.observed_time_unix_nano > MAX_UNIX_NANO:
        return "observed_time_unix_nano out of range"
    return None


def _validate(
    request: Any, body: bytes | None, groups: tuple[str, str], records: str, problem: Any, what: str
) -> Validated:
    accepted = rejected = 0
    ids: set[bytes] = set()
    collect_ids = records == "spans"
    reasons: dict[str, int] = {}
    for outer in getattr(request, groups[0]):
        for inner in getattr(outer, groups[1]):
            items = getattr(inner, records)
            bad = []
            for i, item in enumerate(items):
                reason = problem(item)
                if reason is not None:
                    bad.append(i)
                    reasons[reason] = reasons.get(reason, 0) + 1
            if bad:
                for i in reversed(bad):
                    del items[i]
                rejected += len(bad)
            accepted += len(items)
            if collect_ids:
                ids.update([item.trace_id for item in items])
    if rejected == 0 and body is not None:
        return Validated(accepted, 0, "", body, frozenset(ids))
    message = ""
    if rejected:
        detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        message = f"rejected {rejected} {what}: {detail}"
    return Validated(accepted, rejected, message, request.SerializeToString(), frozenset(ids))


def validate_trace_request(request: ExportTraceServiceRequest, body: bytes | None = None) -> Validated:
    """Drop spans with invalid ids or missing fields; ``body`` (the protobuf bytes) is reused when all pass."""
    # The common case, everything valid, is one tight pass over the spans (this runs on the ack path); only
    # when something fails does the general, slower path name the reasons and rebuild the request.
    ids: set[bytes] = set()
    add = ids.add
    zero_trace, zero_span, max_ns = _ZERO_TRACE, _ZERO_SPAN, MAX_UNIX_NANO
    accepted = 0
    for rs in request.resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                tid = span.trace_id
                sid = span.span_id
                pid = span.parent_span_id
                if (
                    len(tid) != 16
                    or len(sid) != 8
                    or tid == zero_trace
                    or sid == zero_span
                    or (pid and len(pid) != 8)
                    or not span.start_time_unix_nano
                    or not span.name
                    or span.start_time_unix_nano > max_ns
                    or span.end_time_unix_nano > max_ns
                    or (span.events and any(e.time_unix_nano > max_ns for e in span.events))
                ):
                    return _validate(
                        request, body, ("resource_spans", "scope_spans"), "spans", _span_problem, "spans"
                    )
                add(tid)
                accepted += 1
    payload = body if body is not None else request.SerializeToString()
    return Validated(accepted, 0, "", payload, frozenset(ids))


def validate_logs_request(request: ExportLogsServiceRequest, body: bytes | None = None) -> Validated:
    """Drop log records with invalid ids or no timestamp; ``body`` is reused when all pass."""
    return _validate(
        request, body, ("resource_logs", "scope_logs"), "log_records", _log_problem, "log records"
    )


# --- conversion (flusher) -------------------------------------------------------------------------------------


def any_value(value: AnyValue) -> Any:
    """An OTLP AnyValue as a plain JSON-able value (bytes as base64)."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return None


def attributes_dict(attributes: Iterable[Any]) -> dict[str, Any]:
    """Repeated KeyValue -> ``{key: plain value}``."""
    out: dict[str, Any] = {}
    for kv in attributes:
        v = kv.value
        kind = v.WhichOneof("value")
        # The scalar cases inline: this loop runs once per attribute of every span.
        if kind == "string_value":
            out[kv.key] = v.string_value
        elif kind == "int_value":
            out[kv.key] = v.int_value
        else:
            out[kv.key] = any_value(v)
    return out


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()


def _resource_info(resource: Any) -> tuple[str | None, dict[str, Any]]:
    attrs = attributes_dict(resource.attributes)
    service = attrs.get("service.name")
    return (service if isinstance(service, str) else None), attrs


def span_rows(
    request: ExportTraceServiceRequest, tenant: str, received_at_unix_nano: int
) -> list[dict[str, Any]]:
    """Flatten a trace export request into rows of ``SPAN_SCHEMA``."""
    rows: list[dict[str, Any]] = []
    for rs in request.resource_spans:
        service, resource_attrs = _resource_info(rs.resource)
        resource_json = _dumps(resource_attrs)
        for ss in rs.scope_spans:
            scope = ss.scope.name
            for span in ss.spans:
                pid = span.parent_span_id
                rows.append(
                    {
                        "tenant": tenant,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": pid.hex() if pid else None,
                        "name": span.name,
                        "kind": span.kind,
                        "start_time_unix_nano": span.start_time_unix_nano,
                        "end_time_unix_nano": span.end_time_unix_nano,
                        "status_code": span.status.code,
                        "status_message": span.status.message,
                        "service_name": service,
                        "scope_name": scope,
                        "attributes": _dumps(attributes_dict(span.attributes)),
                        "events": _dumps(
                            [
                                {
                                    "name": e.name,
                                    "time_unix_nano": e.time_unix_nano,
                                    "attributes": attributes_dict(e.attributes),
                                }
                                for e in span.events
                            ]
                        ),
                        "resource_attributes": resource_json,
                        "received_at_unix_nano": received_at_unix_nano,
                    }
                )
    return rows


def _events_json(events: Any) -> str:
    return _dumps(
        [
            {"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": attributes_dict(e.attributes)}
            for e in events
        ]
    )


def spans_table_from_requests(requests: Iterable[tuple[ExportTraceServiceRequest, str, int]]) -> pa.Table:
    """``(request, tenant, received_at_unix_nano)`` triples -> one table of ``SPAN_SCHEMA``: what ``span_rows`` +
    ``spans_table`` give, without a dict per span.

    The flusher's hot loop (docs/05-benchmarks.md, "Ingest"): column by column over each scope's spans, whose
    wrappers are made once; what a scope shares (tenant, service, scope, resource JSON) is computed once and
    repeated; Arrow arrays are built once per batch from plain lists.
    """
    cols: list[list[Any]] = [[] for _ in SPAN_SCHEMA]
    (
        tenant_col,
        trace_id,
        span_id,
        parent,
        name,
        kind,
        start,
        end,
        status_code,
        status_message,
        service_col,
        scope_col,
        attributes,
        events,
        resource_col,
        received_col,
    ) = cols
    dumps, attrs_of = _dumps, attributes_dict
    for request, tenant, received_at_unix_nano in requests:
        for rs in request.resource_spans:
            service, resource_attrs = _resource_info(rs.resource)
            resource_json = dumps(resource_attrs)
            for ss in rs.scope_spans:
                spans = list(ss.spans)
                n = len(spans)
                tenant_col += [tenant] * n
                trace_id += [s.trace_id.hex() for s in spans]
                span_id += [s.span_id.hex() for s in spans]
                parent += [p.hex() if (p := s.parent_span_id) else None for s in spans]
                name += [s.name for s in spans]
                kind += [s.kind for s in spans]
                start += [s.start_time_unix_nano for s in spans]
                end += [s.end_time_unix_nano for s in spans]
                statuses = [s.status for s in spans]
                status_code += [st.code for st in statuses]
                status_message += [st.message for st in statuses]
                service_col += [service] * n
                scope_col += [ss.scope.name] * n
                attributes += [dumps(attrs_of(s.attributes)) for s in spans]
                events += [_events_json(e) if (e := s.events) else "[]" for s in spans]
                resource_col += [resource_json] * n
                received_col += [received_at_unix_nano] * n
    arrays = [pa.array(values, type=field.type) for values, field in zip(cols, SPAN_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=SPAN_SCHEMA)


def log_rows(
    request: ExportLogsServiceRequest, tenant: str, received_at_unix_nano: int
) -> list[dict[str, Any]]:
    """Flatten a logs export request into rows of ``LOG_SCHEMA``."""
    rows: list[dict[str, Any]] = []
    for rl in request.resource_logs:
        service, _ = _resource_info(rl.resource)
        for sl in rl.scope_logs:
            scope = sl.scope.name
            for record in sl.log_records:
                attrs = attributes_dict(record.attributes)
                event_name = record.event_name or attrs.get("event.name")
                body = any_value(record.body) if record.HasField("body") else None
                rows.append(
                    {
                        "tenant": tenant,
                        "trace_id": record.trace_id.hex() if record.trace_id else None,
                        "span_id": record.span_id.hex() if record.span_id else None,
                        "time_unix_nano": record.time_unix_nano or record.observed_time_unix_nano,
                        "observed_time_unix_nano": record.observed_time_unix_nano,
                        "event_name": event_name if isinstance(event_name, str) else None,
                        "severity_number": record.severity_number,
                        "severity_text": record.severity_text,
                        "body": _dumps(body),
                        "attributes": _dumps(attrs),
                        "service_name": service,
                        "scope_name": scope,
                        "received_at_unix_nano": received_at_unix_nano,
                    }
                )
    return rows


def _table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    arrays = [pa.array([row[field.name] for row in rows], type=field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def spans_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows from ``span_rows`` as an Arrow table with ``SPAN_SCHEMA``."""
    return _table(rows, SPAN_SCHEMA)


def logs_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows from ``log_rows`` as an Arrow table with ``LOG_SCHEMA``."""
    return _table(rows, LOG_SCHEMA)
