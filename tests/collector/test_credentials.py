"""Credential stripping at ingest (``collector/credentials.py``): which keys and values go, which stay."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from tracewheel.collector import credentials
from tracewheel.collector.otlp import attributes_dict


@pytest.mark.parametrize(
    "key",
    [
        "http.request.header.authorization",
        "http.request.header.Authorization",
        "HTTP.REQUEST.HEADER.COOKIE",
        "http.response.header.set-cookie",
        "http.response.header.set_cookie",
        "http.request.header.x-api-key",
        "http.request.header.proxy-authorization",
        "rpc.grpc.request.metadata.authorization",
        "rpc.grpc.request.metadata.x-goog-api-key",
        "authorization",
        "Cookie",
    ],
)
def test_credential_header_keys(key: str) -> None:
    assert credentials.is_credential_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "http.request.header.content-type",
        "http.request.header.authorization-hint",
        "gen_ai.usage.input_tokens",
        "gen_ai.request.max_tokens",
        "user.cookie_consent",
        "service.name",
    ],
)
def test_other_keys_are_kept(key: str) -> None:
    assert not credentials.is_credential_key(key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Bearer [stripped]"),
        ("bearer sk-live-abcdef0123456789", "bearer [stripped]"),
        ("BEARER abcdefghijklmnopqrstuvwxyz", "BEARER [stripped]"),
        ("Basic dXNlcjpwYXNz", "Basic [stripped]"),  # base64("user:pass"), letters only
        ("Negotiate YIIB9wYGKwYBBQUCoIIB6zCC", "Negotiate [stripped]"),
        ("Authorization: Bearer abc.def.ghi123", "Authorization: Bearer [stripped]"),
    ],
)
def test_scheme_credentials_lose_the_credential(text: str, expected: str) -> None:
    assert credentials.strip_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "basic customer questions about bearer bonds",
        "Basic information",  # not base64 of user:password
        "the bearer of bad news",
        "",
        "x" * 5000,
    ],
)
def test_prose_is_left_alone(text: str) -> None:
    assert credentials.strip_text(text) == text


def test_a_trace_request_is_cleaned_everywhere_and_reports_what_changed() -> None:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="http.request.header.cookie", value=AnyValue(string_value="sid=1"))
    ss = rs.scope_spans.add()
    span = ss.spans.add(name="s")
    span.attributes.add(key="service.note", value=AnyValue(string_value="plain"))
    headers = span.attributes.add(key="http.request.header.authorization").value.array_value
    headers.values.add(string_value="Bearer a")
    headers.values.add(string_value="Bearer b")
    nested = span.attributes.add(key="request").value.kvlist_value.values.add(key="x-api-key")
    nested.value.int_value = 1234567
    span.events.add(name="e").attributes.add(key="Set-Cookie", value=AnyValue(string_value="a=b"))
    span.links.add().attributes.add(key="note", value=AnyValue(string_value="Bearer zz-zz-zz-zz"))
    body = request.SerializeToString()

    assert credentials.strip_trace_request(request, body) == 6
    assert attributes_dict(rs.resource.attributes) == {"http.request.header.cookie": "[stripped]"}
    assert attributes_dict(span.attributes) == {
        "service.note": "plain",
        "http.request.header.authorization": ["[stripped]", "[stripped]"],
        "request": {"x-api-key": "[stripped]"},
    }
    assert attributes_dict(span.events[0].attributes) == {"Set-Cookie": "[stripped]"}
    assert attributes_dict(span.links[0].attributes) == {"note": "Bearer [stripped]"}
    assert credentials.strip_trace_request(request, request.SerializeToString()) == 0  # idempotent


def test_a_body_with_nothing_to_strip_is_not_walked() -> None:
    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(name="s")
    span.attributes.add(key="gen_ai.usage.input_tokens", value=AnyValue(int_value=3))
    span.attributes.add(key="text", value=AnyValue(string_value="a short plain note"))
    raw = request.SerializeToString()
    assert not credentials.may_hold_credentials(raw)
    # Proof that the walk is skipped: a credential put in after the bytes were taken is not seen.
    span.attributes.add(key="http.request.header.x-api-key", value=AnyValue(string_value="k-123"))
    assert credentials.strip_trace_request(request, raw) == 0
    assert credentials.strip_trace_request(request, request.SerializeToString()) == 1
    assert attributes_dict(span.attributes)["http.request.header.x-api-key"] == "[stripped]"


def test_log_records_bodies_and_attributes() -> None:
    request = ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add(time_unix_nano=1)
    record.attributes.add(
        key="http.request.header.authorization", value=AnyValue(string_value="Basic Zm9vOmJhcg==")
    )
    record.body.string_value = "Bearer tok-0123456789"
    assert credentials.strip_logs_request(request, request.SerializeToString()) == 2
    assert record.body.string_value == "Bearer [stripped]"
    assert attributes_dict(record.attributes) == {"http.request.header.authorization": "[stripped]"}


def test_the_body_pre_check_sees_every_casing_name_and_no_break_spaces() -> None:
    for name in credentials.CREDENTIAL_HEADERS:
        assert credentials.may_hold_credentials(f"k.header.{name.upper().replace('-', '_')}".encode()), name
    assert credentials.may_hold_credentials("x BEARER\u00a0abcdefgh1".encode())
    assert credentials.may_hold_credentials(b"\xff\x00 binary Basic dXNlcjpwYXNz")
    assert not credentials.may_hold_credentials(b"basic plan")  # nothing token-shaped after it
