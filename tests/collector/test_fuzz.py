"""Fuzzing both receivers with mutated requests: no 5xx but the deliberate 503, no crash, still serving after.

Bodies start from real captures (protobuf and OTLP/JSON) and are mutated (byte flips, truncation, insertion,
JSON value swaps); headers (content type, encoding, auth, length) and gzip are varied too.
"""

from __future__ import annotations

import gzip
import json
import socket

import grpc
import httpx
import pytest
from _collector_harness import CollectorProcess, make_trace_request, sample_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from tracewheel.collector import otlp

JSON_BODIES = [p.read_bytes() for p in sample_paths()]
PROTO_BODIES = [otlp.parse_trace_request(b, "application/json").SerializeToString() for b in JSON_BODIES] + [
    make_trace_request(5).SerializeToString()
]
FUZZ = settings(
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
HTTP_OK = {200, 400, 401, 404, 405, 413, 415, 422, 503}


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    proc = CollectorProcess(
        tmp_path_factory.mktemp("home"),
        env={
            "TRACEWHEEL_COLLECTOR__MAX_BODY_BYTES": str(256 * 1024),
            "TRACEWHEEL_COLLECTOR__FLUSH_INTERVAL_S": "0.5",
        },
    )
    proc.add_tenant("acme")
    proc.start()
    yield proc
    assert proc.proc.poll() is None, "collector died during fuzzing"
    proc.stop()


@st.composite
def mutated(draw, bases):
    body = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(0, 6))):
        if not body:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, len(body) - 1))
        if op == "flip":
            body[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del body[at:]
        elif op == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del body[at : at + draw(st.integers(1, 64))]
    return bytes(body)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def json_swapped(draw):
    """A real capture with one value somewhere replaced by arbitrary JSON (types OTLP does not expect)."""
    doc = json.loads(draw(st.sampled_from(JSON_BODIES)))
    node = doc
    for _ in range(draw(st.integers(1, 8))):
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            if not isinstance(node[key], dict | list) or draw(st.booleans()):
                node[key] = draw(json_values)
                break
            node = node[key]
        elif isinstance(node, list) and node:
            node = node[draw(st.integers(0, len(node) - 1))]
        else:
            break
    return json.dumps(doc).encode()


bodies = st.one_of(
    mutated(PROTO_BODIES),
    mutated(JSON_BODIES),
    json_swapped(),
    st.binary(max_size=512),
    json_values.map(lambda v: json.dumps(v).encode()),
)


@FUZZ
@given(
    path=st.sampled_from(["/v1/traces", "/v1/logs", "/v1/feedback", "/v1/traces/", "/healthz"]),
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
    content_type=st.sampled_from(
        [
            "application/x-protobuf",
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "",
            "a/b;;;",
        ]
    ),
    encoding=st.sampled_from(["", "gzip", "gzip-lie", "br", "identity"]),
    auth=st.sampled_from(["good", "good", "good", "none", "bad", "garbage"]),
    body=bodies,
    length_lie=st.sampled_from([None, None, None, "-1", "abc", "999999999999"]),
)
def test_http_receiver_survives_mutated_requests(
    col, path, method, content_type, encoding, auth, body, length_lie
):
    headers = {"content-type": content_type}
    if encoding == "gzip":
        body = gzip.compress(body, compresslevel=1)
        headers["content-encoding"] = "gzip"
    elif encoding == "gzip-lie":
        headers["content-encoding"] = "gzip"
    elif encoding:
        headers["content-encoding"] = encoding
    if auth == "good":
        headers["authorization"] = f"Bearer {col.keys['acme']}"
    elif auth == "bad":
        headers["authorization"] = "Bearer tw_wrong"
    elif auth == "garbage":
        headers["authorization"] = "Bearer\t\x7f"
    headers["content-length"] = length_lie if length_lie is not None else str(len(body))
    status = raw_http(col.http_port, method, path, headers, body, timeout=10 if length_lie is None else 0.5)
    if status is None:
        # A lying Content-Length can make the server (correctly) drop the connection without an answer.
        assert length_lie is not None
        return
    assert status in HTTP_OK, status


def raw_http(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes, timeout: float
) -> int | None:
    """Send one request byte-for-byte as given (clients refuse to send lying headers); return the status."""
    head = f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) and close before reading everything
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, TimeoutError):
            pass  # a body shorter than its Content-Length leaves the server waiting for the rest
    if not data:
        return None
    return int(data.split(b" ", 2)[1])


GRPC_OK = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}


@pytest.fixture(scope="module")
def channel(col):
    ch = grpc.insecure_channel(col.grpc_target)
    yield ch
    ch.close()


@FUZZ
@given(
    method=st.sampled_from(
        [
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        ]
    ),
    body=st.one_of(mutated(PROTO_BODIES), st.binary(max_size=512)),
    auth=st.sampled_from(["good", "good", "none", "bad"]),
    gzip_on=st.booleans(),
)
def test_grpc_receiver_survives_mutated_requests(col, channel, method, body, auth, gzip_on):
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    metadata = []
    if auth == "good":
        metadata.append(("authorization", f"Bearer {col.keys['acme']}"))
    elif auth == "bad":
        metadata.append(("authorization", "Bearer tw_wrong"))
    try:
        call(body, metadata=metadata, timeout=10, compression=grpc.Compression.Gzip if gzip_on else None)
    except grpc.RpcError as exc:
        assert exc.code() in GRPC_OK, (exc.code(), exc.details())


def test_still_serving_after_fuzzing(col, channel):
    assert httpx.get(f"{col.http_url}/healthz").status_code == 200
    request = make_trace_request(2)
    assert col.post("/v1/traces", request.SerializeToString(), col.keys["acme"]).status_code == 200
    trace_service_pb2_grpc.TraceServiceStub(channel).Export(
        make_trace_request(1), metadata=(("authorization", f"Bearer {col.keys['acme']}"),), timeout=10
    )
    ids = {r["span_id"] for r in col.spans("acme")}
    assert {s.span_id.hex() for s in request.resource_spans[0].scope_spans[0].spans} <= ids
