"""collector/otlp.py ``spans_table_from_requests``: the flusher's columnar conversion writes exactly what the
row path (``span_rows`` + ``spans_table``) writes, on the real captures and on requests built to hit every case."""

from __future__ import annotations

import json
import math

import pytest
from _collector_harness import sample_paths
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from tracewheel.collector import otlp


def _rows_table(items):
    return otlp.spans_table(
        [row for request, tenant, at in items for row in otlp.span_rows(request, tenant, at)]
    )


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_real_captures_convert_the_same_both_ways(path):
    request = otlp.parse_trace_request(path.read_bytes(), "application/json")
    items = [(request, "acme", 123)]
    table = otlp.spans_table_from_requests(items)
    assert table.schema.equals(otlp.SPAN_SCHEMA)
    assert table.num_rows > 0
    assert table.equals(_rows_table(items))


def _kv(key: str, **value) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(**value))


def _every_case() -> list[tuple[ExportTraceServiceRequest, str, int]]:
    nested = AnyValue()
    nested.kvlist_value.values.add(key="inner").value.array_value.values.add(int_value=-7)
    nested.kvlist_value.values.add(key="raw").value.bytes_value = b"\x00\xff"
    attributes = [
        _kv("s", string_value='quote " backslash \\ newline \n tab \t unicode é 漢字 \U0001f600'),
        _kv("i", int_value=-(2**63)),
        _kv("big", int_value=2**63 - 1),
        _kv("d", double_value=0.1),
        _kv("nan", double_value=math.nan),
        _kv("b", bool_value=False),
        _kv("arr", array_value={"values": [AnyValue(string_value="x"), AnyValue(bool_value=True)]}),
        KeyValue(key="kv", value=nested),
        _kv("bytes", bytes_value=b"\x01\x02"),
        KeyValue(key="unset"),
        _kv("dup", string_value="first"),
        _kv("", string_value="empty key"),
        _kv("dup", int_value=2),  # a repeated key: first position, last value
    ]
    a = ExportTraceServiceRequest()
    rs = a.resource_spans.add()
    rs.resource.attributes.extend([_kv("service.name", string_value="svc"), _kv("host", int_value=1)])
    ss = rs.scope_spans.add()
    ss.scope.name = "scope-a"
    parent = Span(
        trace_id=b"\x01" * 16,
        span_id=b"\x02" * 8,
        name="root",
        kind=Span.SPAN_KIND_SERVER,
        start_time_unix_nano=1,
        end_time_unix_nano=2**63 - 1,
        status=Status(code=Status.STATUS_CODE_ERROR, message="boom"),
    )
    parent.attributes.extend(attributes)
    event = parent.events.add(name="exception", time_unix_nano=5)
    event.attributes.extend([_kv("exception.message", string_value="bad"), _kv("n", int_value=3)])
    parent.events.add(name="bare", time_unix_nano=6)
    child = Span(trace_id=b"\x01" * 16, span_id=b"\x03" * 8, parent_span_id=b"\x02" * 8, name="child")
    ss.spans.extend([parent, child])
    rs.scope_spans.add().scope.name = "an empty scope"
    # A resource without a string service.name, and a second scope under it.
    rs2 = a.resource_spans.add()
    rs2.resource.attributes.append(_kv("service.name", int_value=5))
    for scope_name in ("s1", "s2"):
        ss2 = rs2.scope_spans.add()
        ss2.scope.name = scope_name
        ss2.spans.add(trace_id=b"\x04" * 16, span_id=b"\x05" * 8, name=f"in {scope_name}", kind=3)
    b = ExportTraceServiceRequest()
    b.resource_spans.add().scope_spans.add().spans.add(
        trace_id=b"\x06" * 16, span_id=b"\x07" * 8, name="other"
    )
    return [(a, "acme", 10), (ExportTraceServiceRequest(), "acme", 11), (b, "globex", 12)]


def test_every_value_kind_and_shape_converts_the_same_both_ways():
    items = _every_case()
    table = otlp.spans_table_from_requests(items)
    assert table.equals(_rows_table(items))
    rows = table.to_pylist()
    assert [r["name"] for r in rows] == ["root", "child", "in s1", "in s2", "other"]
    assert [r["tenant"] for r in rows] == ["acme"] * 4 + ["globex"]
    assert [r["received_at_unix_nano"] for r in rows] == [10, 10, 10, 10, 12]
    assert [r["service_name"] for r in rows] == ["svc", "svc", None, None, None]
    assert [r["scope_name"] for r in rows] == ["scope-a", "scope-a", "s1", "s2", ""]
    root = rows[0]
    attrs = json.loads(root["attributes"])
    assert list(attrs) == ["s", "i", "big", "d", "nan", "b", "arr", "kv", "bytes", "unset", "dup", ""]
    assert attrs["dup"] == 2 and attrs["s"].endswith("\U0001f600")
    assert attrs["i"] == -(2**63) and attrs["nan"] is None and attrs["unset"] is None
    assert attrs["kv"] == {"inner": [-7], "raw": "AP8="}
    assert json.loads(root["events"]) == [
        {"name": "exception", "time_unix_nano": 5, "attributes": {"exception.message": "bad", "n": 3}},
        {"name": "bare", "time_unix_nano": 6, "attributes": {}},
    ]
    assert (root["status_code"], root["status_message"], root["kind"]) == (2, "boom", 2)
    assert rows[1]["parent_span_id"] == "02" * 8 and root["parent_span_id"] is None
    assert json.loads(rows[1]["events"]) == []


def test_no_requests_give_an_empty_table_of_the_schema():
    table = otlp.spans_table_from_requests([])
    assert table.num_rows == 0 and table.schema.equals(otlp.SPAN_SCHEMA)
