"""collector/otlp.py: OTLP/JSON and protobuf decoding, validation, rows, tables (on the real captures)."""

from __future__ import annotations

import base64
import json

import orjson
import pytest
from _collector_harness import SAMPLES, sample_paths
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from tracewheel.collector import otlp


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.name)
def test_real_capture_json_and_protobuf_give_the_same_rows(path):
    doc = json.loads(path.read_bytes())
    request = otlp.parse_trace_request(path.read_bytes(), "application/json; charset=utf-8")
    again = otlp.parse_trace_request(request.SerializeToString(), "application/x-protobuf")
    rows = otlp.span_rows(request, "acme", 123)
    assert rows == otlp.span_rows(again, "acme", 123)

    wire_spans = [s for rs in doc["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]
    assert [r["trace_id"] for r in rows] == [s["traceId"].lower() for s in wire_spans]
    assert [r["span_id"] for r in rows] == [s["spanId"].lower() for s in wire_spans]
    assert [r["parent_span_id"] for r in rows] == [s.get("parentSpanId") or None for s in wire_spans]
    assert [r["start_time_unix_nano"] for r in rows] == [int(s["startTimeUnixNano"]) for s in wire_spans]
    for row, span in zip(rows, wire_spans, strict=True):
        assert row["tenant"] == "acme" and row["received_at_unix_nano"] == 123
        assert row["service_name"] == "feas-genai"
        kinds = {"SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3}
        assert row["kind"] == kinds[span["kind"]]  # enum given by name on the wire
        attrs = json.loads(row["attributes"])
        assert set(attrs) == {a["key"] for a in span.get("attributes", [])}
        events = json.loads(row["events"])
        assert [e["name"] for e in events] == [e["name"] for e in span.get("events", [])]
        assert json.loads(row["resource_attributes"])["service.name"] == "feas-genai"
    table = otlp.spans_table(rows)
    assert table.schema.equals(otlp.SPAN_SCHEMA) and table.num_rows == len(wire_spans)


def test_attribute_values_become_plain_json():
    rows = otlp.span_rows(
        otlp.parse_trace_request((SAMPLES / "traceloop_default.otlp.json").read_bytes(), "application/json"),
        "t",
        0,
    )
    attrs = json.loads(rows[0]["attributes"])
    assert attrs["gen_ai.request.max_tokens"] == 64  # int64 sent as a string
    assert attrs["gen_ai.request.temperature"] == 0.2
    assert attrs["gen_ai.is_streaming"] is False
    assert attrs["gen_ai.response.finish_reasons"] == ["stop"]
    assert json.loads(attrs["gen_ai.input.messages"])[0]["role"] == "system"

    value = AnyValue()
    value.kvlist_value.values.add(key="a").value.array_value.values.add(int_value=1)
    value.kvlist_value.values.add(key="b").value.bytes_value = b"\x00\xff"
    assert otlp.any_value(value) == {"a": [1], "b": base64.b64encode(b"\x00\xff").decode()}
    assert otlp.any_value(AnyValue()) is None


def _one_span_json(**overrides):
    span = {
        "traceId": "5B8EFFF798038103D269B633813FC60C",
        "spanId": "EEE19B7EC3C1B174",
        "name": "chat",
        "kind": 2,
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": 1544712661000000000,
        "status": {"code": "STATUS_CODE_ERROR", "message": "boom"},
        "someFutureField": {"x": 1},
    }
    span.update(overrides)
    return {"resourceSpans": [{"scopeSpans": [{"scope": {"name": "s"}, "spans": [span]}]}]}


def test_json_hex_ids_enums_as_ints_or_names_and_unknown_fields():
    request = otlp.parse_trace_request(orjson.dumps(_one_span_json()), "application/json")
    (row,) = otlp.span_rows(request, "t", 0)
    assert row["trace_id"] == "5b8efff798038103d269b633813fc60c"
    assert row["span_id"] == "eee19b7ec3c1b174"
    assert row["kind"] == 2 and row["status_code"] == 2 and row["status_message"] == "boom"
    assert row["end_time_unix_nano"] == 1544712661000000000
    assert row["service_name"] is None and row["scope_name"] == "s"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"traceId": "abc"}, "invalid trace_id"),
        ({"traceId": "zz" * 16}, "invalid trace_id"),
        ({"traceId": "0" * 32}, "invalid trace_id"),
        ({"spanId": "0" * 16}, "invalid span_id"),
        ({"spanId": "12345678"}, "invalid span_id"),
        ({"parentSpanId": "1234"}, "invalid parent_span_id"),
        ({"name": ""}, "missing name"),
        ({"startTimeUnixNano": "0"}, "missing start_time_unix_nano"),
    ],
)
def test_invalid_spans_are_rejected_and_valid_ones_kept(override, reason):
    good = _one_span_json()["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    doc = _one_span_json(**override)
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"].append(good)
    request = otlp.parse_trace_request(orjson.dumps(doc), "application/json")
    v = otlp.validate_trace_request(request)
    assert (v.accepted, v.rejected) == (1, 1)
    assert reason in v.error_message
    kept = otlp.parse_trace_request(v.payload, "application/x-protobuf")
    assert [r["span_id"] for r in otlp.span_rows(kept, "t", 0)] == ["eee19b7ec3c1b174"]
    assert v.trace_ids == {bytes.fromhex("5b8efff798038103d269b633813fc60c")}


def test_valid_protobuf_body_is_reused_untouched():
    body = otlp.parse_trace_request(orjson.dumps(_one_span_json()), "application/json").SerializeToString()
    v = otlp.validate_trace_request(otlp.parse_trace_request(body, "application/x-protobuf"), body)
    assert v.payload is body and v.rejected == 0 and v.error_message == ""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xff\xff\xff", "application/x-protobuf"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"resourceSpans": "nope"}', "application/json"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": {"a": 1}}]}]}]}', "application/json"),
    ],
)
def test_malformed_bodies_raise_decode_error(body, content_type):
    with pytest.raises(otlp.OtlpDecodeError):
        otlp.parse_trace_request(body, content_type)


def test_unsupported_content_type():
    with pytest.raises(otlp.UnsupportedContentType):
        otlp.parse_trace_request(b"{}", "text/plain")


def _logs_from_flat_capture() -> ExportLogsServiceRequest:
    """The flattened capture's log records (gen_ai.client.inference.operation.details) as an OTLP/JSON request."""
    flat = json.loads((SAMPLES / "otel-v2_latest_span_and_event.json").read_text())

    def any_json(v):
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        if isinstance(v, list):
            return {"arrayValue": {"values": [any_json(x) for x in v]}}
        if isinstance(v, dict):
            return {"kvlistValue": {"values": [{"key": k, "value": any_json(x)} for k, x in v.items()]}}
        return {"stringValue": str(v)}

    records = [
        {
            "timeUnixNano": "1795388606024029569",
            "spanId": r["span_id"],
            "traceId": flat["spans"][0]["trace_id"],
            "eventName": r["event_name"] if i % 2 == 0 else "",
            "attributes": [{"key": k, "value": any_json(v)} for k, v in r["attributes"].items()]
            + ([] if i % 2 == 0 else [{"key": "event.name", "value": {"stringValue": r["event_name"]}}]),
            "severityNumber": "SEVERITY_NUMBER_INFO",
        }
        for i, r in enumerate(flat["log_records"])
    ]
    doc = {
        "resourceLogs": [
            {
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "feas-genai"}}]},
                "scopeLogs": [{"scope": {"name": "opentelemetry.util.genai"}, "logRecords": records}],
            }
        ]
    }
    return otlp.parse_logs_request(orjson.dumps(doc), "application/json")


def test_log_rows_from_the_real_event_capture():
    request = _logs_from_flat_capture()
    assert otlp.validate_logs_request(request).rejected == 0
    rows = otlp.log_rows(request, "acme", 5)
    assert len(rows) == 4
    assert {r["event_name"] for r in rows} == {"gen_ai.client.inference.operation.details"}
    assert rows[0]["severity_number"] == 9 and rows[0]["service_name"] == "feas-genai"
    attrs = json.loads(rows[0]["attributes"])
    assert attrs["gen_ai.input.messages"][1]["parts"][0]["content"].startswith("What is the capital")
    assert rows[0]["body"] == "null"
    assert otlp.logs_table(rows).schema.equals(otlp.LOG_SCHEMA)


def test_log_records_with_bad_ids_are_rejected():
    request = _logs_from_flat_capture()
    request.resource_logs[0].scope_logs[0].log_records[0].span_id = b"\x01\x02"
    v = otlp.validate_logs_request(request)
    assert (v.accepted, v.rejected) == (3, 1) and "invalid span_id" in v.error_message
