"""Attacks on the collector, each against a real collector process (and the real CLI reading its store).

* a value the Parquet schema cannot hold (times past int64) used to be acknowledged and then stop the flusher for
  every tenant: now refused at the door (partial success), and what still cannot be converted is dead-lettered;
* credentials in header attributes used to be stored raw: now stripped before the WAL;
* a big OTLP/JSON body used to block the event loop, slow-header clients were never timed out, and no tenant had a
  rate or a quota.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))

from _collector_harness import CollectorProcess, running_collector, wait_for  # noqa: E402
from tracewheel.collector import wal  # noqa: E402
from tracewheel.collector.deadletter import read_dead_letters  # noqa: E402
from tracewheel.collector.segments import FlushConfig, Flusher, unflushed_tables  # noqa: E402

JSON = "application/json"
PROTOBUF = "application/x-protobuf"
TOO_BIG = 2**64 - 1  # a valid fixed64, past int64
NOW = time.time_ns()


# --- building requests ---------------------------------------------------------------------------------------------


def _chat_span(trace_id: bytes, name: str = "chat tiny", **times: int) -> dict[str, Any]:
    """A GenAI chat span (protobuf field names) that becomes an episode; ``times`` override its timestamps."""
    messages_in = [{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}]
    messages_out = [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hello."}], "finish_reason": "stop"}
    ]
    return {
        "trace_id": trace_id,
        "span_id": os.urandom(8),
        "name": name,
        "kind": 3,
        "start_time_unix_nano": times.get("start", NOW),
        "end_time_unix_nano": times.get("end", NOW + 1_000_000),
        "attributes": [
            KeyValue(key="gen_ai.operation.name", value=AnyValue(string_value="chat")),
            KeyValue(key="gen_ai.request.model", value=AnyValue(string_value="tiny")),
            KeyValue(key="gen_ai.input.messages", value=AnyValue(string_value=json.dumps(messages_in))),
            KeyValue(key="gen_ai.output.messages", value=AnyValue(string_value=json.dumps(messages_out))),
        ],
        "event_time": times.get("event"),
    }


def trace_request(*spans: dict[str, Any]) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="service.name", value=AnyValue(string_value="attacker"))
    ss = rs.scope_spans.add()
    ss.scope.name = "tests.security"
    for s in spans:
        fields = {k: v for k, v in s.items() if k != "event_time"}
        span = ss.spans.add(**fields)
        if s.get("event_time") is not None:
            span.events.add(name="tick", time_unix_nano=s["event_time"])
    return request


def logs_request(**times: int) -> ExportLogsServiceRequest:
    request = ExportLogsServiceRequest()
    sl = request.resource_logs.add().scope_logs.add()
    sl.log_records.add(
        time_unix_nano=times.get("time", NOW),
        observed_time_unix_nano=times.get("observed", NOW),
        body=AnyValue(string_value="hello"),
    )
    return request


def to_json(request: Any) -> bytes:
    """OTLP/JSON: ids as hex (not protobuf-JSON's base64), 64-bit integers as strings."""
    from google.protobuf import json_format

    doc = json_format.MessageToDict(request)

    def fix(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                    obj[key] = base64.b64decode(value).hex()
                else:
                    fix(value)
        elif isinstance(obj, list):
            for item in obj:
                fix(item)

    fix(doc)
    return json.dumps(doc).encode()


def grpc_export(target: str, key: str, request: Any) -> tuple[Any, grpc.Call]:
    traces = isinstance(request, ExportTraceServiceRequest)
    service = "trace.v1.TraceService" if traces else "logs.v1.LogsService"
    response_type = ExportTraceServiceResponse if traces else ExportLogsServiceResponse
    with grpc.insecure_channel(target) as channel:
        method = channel.unary_unary(
            f"/opentelemetry.proto.collector.{service}/Export",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_type.FromString,
        )
        return method.with_call(request, metadata=(("authorization", f"Bearer {key}"),), timeout=30)


def episodes_via_cli(home: Path) -> set[tuple[str, str]]:
    """``tracewheel episodes list --json`` as a user runs it: (tenant, episode id) of every episode listed."""
    env = {**os.environ, "TRACEWHEEL_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "tracewheel", "episodes", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return {(e["tenant"], e["episode_id"]) for e in json.loads(done.stdout)}


def parquet_trace_ids(traces_dir: Path, tenant: str) -> set[str]:
    import pyarrow.parquet as pq

    ids: set[str] = set()
    for path in (traces_dir / "spans").glob(f"tenant={tenant}/hour=*/*.parquet"):
        ids.update(pq.read_table(path, columns=["trace_id"]).column("trace_id").to_pylist())
    return ids


# --- the store one bad span cannot stop ------------------------------------------------------------------------------

OUT_OF_RANGE_SPANS = {
    "start_time_unix_nano": {"start": TOO_BIG},
    "end_time_unix_nano": {"end": TOO_BIG},
    "event time_unix_nano": {"event": TOO_BIG},
    "start just past int64": {"start": 2**63},
}
OUT_OF_RANGE_LOGS = {"time_unix_nano": {"time": TOO_BIG}, "observed_time_unix_nano": {"observed": TOO_BIG}}


@pytest.fixture
def store_collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    home = tmp_path / "home"
    home.mkdir()
    proc = CollectorProcess(home)
    proc.add_tenant("acme")
    proc.add_tenant("globex")
    # A WAL left by an older collector that acknowledged such a span: the new one must flush past it.
    planted = trace_request(_chat_span(os.urandom(16), start=TOO_BIG))
    wal_dir = wal.wal_dir(proc.traces_dir)
    wal_dir.mkdir(parents=True)
    wal.segment_path(wal_dir, 1).write_bytes(
        wal.encode_record(wal.Signal.TRACES, "globex", NOW, planted.SerializeToString())
    )
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def test_out_of_range_values_are_refused_at_the_door_and_every_tenant_keeps_flowing(
    store_collector: CollectorProcess,
) -> None:
    c = store_collector
    acme = c.keys["acme"]
    accepted: dict[str, set[str]] = {"acme": set(), "globex": set()}
    for field, times in OUT_OF_RANGE_SPANS.items():
        for transport in ("protobuf", "json", "grpc"):
            good_trace = os.urandom(16)
            request = trace_request(_chat_span(os.urandom(16), **times), _chat_span(good_trace))
            if transport == "grpc":
                response, _ = grpc_export(c.grpc_target, acme, request)
                partial = response.partial_success
                rejected, message = partial.rejected_spans, partial.error_message
            elif transport == "protobuf":
                answer = c.post("/v1/traces", request.SerializeToString(), key=acme, content_type=PROTOBUF)
                assert answer.status_code == 200, (field, answer.text)
                partial = ExportTraceServiceResponse.FromString(answer.content).partial_success
                rejected, message = partial.rejected_spans, partial.error_message
            else:
                answer = c.post("/v1/traces", to_json(request), key=acme, content_type=JSON)
                assert answer.status_code == 200, (field, answer.text)
                partial = answer.json()["partialSuccess"]
                rejected, message = int(partial["rejectedSpans"]), partial["errorMessage"]
            assert rejected == 1 and "out of range" in message, (field, transport, message)
            accepted["acme"].add(good_trace.hex())
    for field, times in OUT_OF_RANGE_LOGS.items():
        for transport in ("protobuf", "json", "grpc"):
            request = logs_request(**times)
            if transport == "grpc":
                response, _ = grpc_export(c.grpc_target, acme, request)
                rejected = response.partial_success.rejected_log_records
            elif transport == "protobuf":
                answer = c.post("/v1/logs", request.SerializeToString(), key=acme, content_type=PROTOBUF)
                rejected = ExportLogsServiceResponse.FromString(
                    answer.content
                ).partial_success.rejected_log_records
            else:
                answer = c.post("/v1/logs", to_json(request), key=acme, content_type=JSON)
                rejected = int(answer.json()["partialSuccess"]["rejectedLogRecords"])
            assert rejected == 1, (field, transport)

    # Later spans of both tenants still reach Parquet and the CLI.
    for tenant in ("acme", "globex"):
        trace = os.urandom(16)
        body = trace_request(_chat_span(trace)).SerializeToString()
        assert c.post("/v1/traces", body, key=c.keys[tenant], content_type=PROTOBUF).status_code == 200
        accepted[tenant].add(trace.hex())
    for tenant, ids in accepted.items():
        assert wait_for(lambda t=tenant, i=ids: i <= parquet_trace_ids(c.traces_dir, t), timeout=30), tenant
    listed = episodes_via_cli(c.home)
    for tenant, ids in accepted.items():
        assert {(tenant, i) for i in ids} <= listed
    # The one planted record went to globex's dead letters, with its reason and its raw bytes.
    dead = read_dead_letters(c.traces_dir)
    assert [d["tenant"] for d in dead] == ["globex"]
    assert "too large" in str(dead[0]["reason"])
    assert ExportTraceServiceRequest.FromString(base64.b64decode(str(dead[0]["payload_b64"]))).resource_spans
    assert "flush failed" not in c.read_log()
    assert c.proc is not None and c.proc.poll() is None


def test_an_undecodable_wal_record_is_dead_lettered_and_the_rest_flushes(tmp_path: Path) -> None:
    traces_dir = tmp_path / "traces"
    directory = wal.wal_dir(traces_dir)
    directory.mkdir(parents=True)
    good_acme, good_globex = os.urandom(16), os.urandom(16)
    garbage = b"\x0a\xff\xff\xff\xff\x0f not protobuf"
    records = [
        (wal.Signal.TRACES, "acme", trace_request(_chat_span(good_acme)).SerializeToString()),
        (wal.Signal.TRACES, "globex", garbage),
        (
            wal.Signal.TRACES,
            "acme",
            trace_request(_chat_span(os.urandom(16), end=TOO_BIG)).SerializeToString(),
        ),
        (wal.Signal.FEEDBACK, "acme", b"[not an object]"),
        (wal.Signal.TRACES, "../../escape", trace_request(_chat_span(os.urandom(16))).SerializeToString()),
        (wal.Signal.TRACES, "globex", trace_request(_chat_span(good_globex)).SerializeToString()),
    ]
    data = b"".join(wal.encode_record(sig, tenant, NOW, payload) for sig, tenant, payload in records)
    wal.segment_path(directory, 1).write_bytes(data)

    # A reader beside the collector sees the good rows while the bad ones are still in the WAL.
    pending = unflushed_tables(traces_dir)["spans"]
    assert set(pending.column("trace_id").to_pylist()) >= {good_acme.hex(), good_globex.hex()}

    flusher = Flusher(traces_dir, FlushConfig(0.1, 0, 8, 1 << 20, 60.0))
    assert flusher.flush_once(include_open=True) == 1
    assert wal.read_checkpoint(directory) == 1 and not wal.list_segments(directory)
    assert parquet_trace_ids(traces_dir, "acme") == {good_acme.hex()}
    assert parquet_trace_ids(traces_dir, "globex") == {good_globex.hex()}
    assert not list(traces_dir.glob("**/tenant=../**/*.parquet")) and not (tmp_path / "escape").exists()

    dead = read_dead_letters(traces_dir)
    by_tenant = {(d["tenant"], d["signal"]): d for d in dead}
    assert set(by_tenant) == {
        ("globex", "traces"),
        ("acme", "traces"),
        ("acme", "feedback"),
        ("../../escape", "traces"),
    }
    assert base64.b64decode(str(by_tenant[("globex", "traces")]["payload_b64"])) == garbage
    assert all(d["reason"] and d["wal_segment"] == 1 for d in dead)
    assert "too large" in str(by_tenant[("acme", "traces")]["reason"])
    assert "Wire format" in str(by_tenant[("globex", "traces")]["reason"])
    assert "invalid tenant name" in str(by_tenant[("../../escape", "traces")]["reason"])
    # Filed under each tenant's own directory; the invalid tenant name under a name no tenant can have.
    assert {p.parent.parent.name for p in (traces_dir / "deadletter").glob("*/hour=*/*.jsonl")} == {
        "tenant=acme",
        "tenant=globex",
        "tenant=_unknown",
    }
    # A replay of the same segment (crash before the checkpoint) rewrites the same files: no duplicates.
    from tracewheel.collector.segments import flush_segment

    flush_segment(traces_dir, 1, [wal.WalRecord(s, t, NOW, p) for s, t, p in records])
    assert len(read_dead_letters(traces_dir)) == len(dead)


def test_a_record_with_an_invalid_header_does_not_end_the_segment() -> None:
    good = wal.encode_record(wal.Signal.FEEDBACK, "acme", NOW, b"{}")
    bad = bytearray(wal.encode_record(wal.Signal.FEEDBACK, "acme", NOW, b"{}"))
    bad[8] = 9  # the signal byte, then a CRC that matches again: an intact record no collector writes
    import zlib

    bad[4:8] = zlib.crc32(bytes(bad[8:])).to_bytes(4, "little")
    records, valid = wal.scan(good + bytes(bad) + good)
    assert len(records) == 2 and valid == len(good) * 3


# --- credentials never reach the store -------------------------------------------------------------------------------

SECRETS = {
    "http.request.header.authorization": "Bearer sk-live-0123456789abcdef",
    "http.request.header.cookie": "session=s3cr3t-cookie-value",
    "http.response.header.set-cookie": "sid=another-s3cr3t; HttpOnly",
    "http.request.header.x-api-key": "key-9f8e7d6c5b4a",
    "HTTP.Request.Header.Proxy-Authorization": "Basic dXNlcjpodW50ZXIy",
    "rpc.grpc.request.metadata.x_api_key": "grpc-meta-secret-42",
}


def _secret_attrs() -> list[KeyValue]:
    attrs = [KeyValue(key=k, value=AnyValue(string_value=v)) for k, v in SECRETS.items()]
    header_array = AnyValue()
    header_array.array_value.values.add(string_value="Bearer arr-token-1234567890")
    attrs.append(KeyValue(key="http.request.header.authorization-list", value=AnyValue(string_value="ok")))
    attrs.append(KeyValue(key="http.request.header.Authorization", value=header_array))
    attrs.append(
        KeyValue(
            key="llm.note",
            value=AnyValue(string_value="retry with Authorization: Bearer eyJhbGciOi.abc.def9"),
        )
    )
    return attrs


def test_credentials_are_stripped_before_the_wal(tmp_path: Path) -> None:
    with running_collector(tmp_path / "home", ("acme",)) as c:
        key = c.keys["acme"]
        trace_id = os.urandom(16)
        request = trace_request(_chat_span(trace_id))
        rs = request.resource_spans[0]
        rs.resource.attributes.extend(_secret_attrs())
        span = rs.scope_spans[0].spans[0]
        span.attributes.extend(_secret_attrs())
        span.events.add(name="http", time_unix_nano=NOW).attributes.extend(_secret_attrs())
        logs = logs_request()
        logs.resource_logs[0].resource.attributes.extend(_secret_attrs())
        logs.resource_logs[0].scope_logs[0].log_records[0].attributes.extend(_secret_attrs())
        assert c.post("/v1/traces", request.SerializeToString(), key=key).status_code == 200
        json_request = trace_request(_chat_span(os.urandom(16)))
        json_request.resource_spans[0].scope_spans[0].spans[0].attributes.extend(_secret_attrs())
        json_request.resource_spans[0].scope_spans[0].spans[0].attributes.add(
            key="note.escaped", value=AnyValue(string_value="PLACEHOLDER")
        )
        # A JSON escape hides the scheme word from any byte-level look at the body.
        escaped = to_json(json_request).replace(b"PLACEHOLDER", b"\\u0042earer tok-escaped-0123456789")
        assert c.post("/v1/traces", escaped, key=key, content_type=JSON).status_code == 200
        assert c.post("/v1/logs", logs.SerializeToString(), key=key).status_code == 200
        grpc_export(c.grpc_target, key, request)

        # Nothing of any secret anywhere under the store: WAL segments (right away) and Parquet (once flushed).
        def leaked() -> list[str]:
            found = []
            for path in c.traces_dir.rglob("*"):
                if path.is_file():
                    data = path.read_bytes()
                    found += [f"{path.name}: {s}" for s in _secret_fragments() if s.encode() in data]
            return found

        assert leaked() == []
        assert wait_for(lambda: trace_id.hex() in parquet_trace_ids(c.traces_dir, "acme"), timeout=30)
        assert leaked() == []
        row = next(r for r in c.spans("acme") if r["trace_id"] == trace_id.hex())
        attrs = json.loads(row["attributes"])
        assert attrs["http.request.header.authorization"] == "[stripped]"
        assert attrs["http.request.header.Authorization"] == ["[stripped]"]
        assert attrs["http.request.header.authorization-list"] == "ok"  # not a credential header
        assert attrs["llm.note"] == "retry with Authorization: Bearer [stripped]"
        assert attrs["gen_ai.request.model"] == "tiny"


def _secret_fragments() -> list[str]:
    return [
        "sk-live-0123456789abcdef",
        "s3cr3t-cookie-value",
        "another-s3cr3t",
        "key-9f8e7d6c5b4a",
        "dXNlcjpodW50ZXIy",
        "grpc-meta-secret-42",
        "arr-token-1234567890",
        "eyJhbGciOi.abc.def9",
        "tok-escaped-0123456789",
    ]


# --- a receiver that cannot be starved --------------------------------------------------------------------------------

LIMITS_ENV = {
    "TRACEWHEEL_COLLECTOR__HEADER_TIMEOUT_S": "0.5",
    "TRACEWHEEL_COLLECTOR__BODY_TIMEOUT_S": "3",
    "TRACEWHEEL_COLLECTOR__TENANT_RATE_RECORDS_PER_S": "2",
    "TRACEWHEEL_COLLECTOR__TENANT_BURST_RECORDS": "10",
    "TRACEWHEEL_COLLECTOR__TENANT_QUOTA_BYTES": "70000",
}


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    tenants = ("flooder", "neighbour", "hoarder", "quiet", "big")
    with running_collector(tmp_path_factory.mktemp("home"), tenants, env=LIMITS_ENV) as proc:
        yield proc


def test_healthz_answers_while_a_big_json_body_decodes(limited: CollectorProcess) -> None:
    # ~20 MB of OTLP/JSON; every span is refused (no name), so the answer follows the decode at once.
    span = {"traceId": "ab" * 16, "spanId": "cd" * 8, "startTimeUnixNano": str(NOW), "attributes": []}
    span["attributes"] = [{"key": f"k{i}", "value": {"stringValue": "v" * 40}} for i in range(40)]
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [span] * 6000}]}]}
    body = json.dumps(doc).encode()
    assert len(body) > 15_000_000
    finished: list[str] = []
    lock = threading.Lock()
    sent = threading.Event()

    def big() -> None:
        with socket.create_connection(("127.0.0.1", limited.http_port)) as sock:
            head = (
                f"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {limited.keys['big']}\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            sock.sendall(head.encode() + body)
            sent.set()
            sock.settimeout(120)
            answer = sock.recv(65536)
        with lock:
            finished.append("big:" + answer.split(b"\r\n", 1)[0].decode())

    thread = threading.Thread(target=big)
    thread.start()
    assert sent.wait(60)
    time.sleep(0.3)  # the server has the whole body and is decoding it
    health = httpx.get(f"{limited.http_url}/healthz", timeout=120)
    with lock:
        finished.append(f"health:{health.status_code}")
    thread.join(120)
    assert finished[0] == "health:200", finished
    assert finished[1].startswith("big:HTTP/1.1 200"), finished


def _closed_by_server(sock: socket.socket, wait_s: float = 20.0) -> bool:
    sock.settimeout(wait_s)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_slow_header_connections_are_closed(limited: CollectorProcess) -> None:
    partial = socket.create_connection(("127.0.0.1", limited.http_port))
    partial.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
    silent = socket.create_connection(("127.0.0.1", limited.http_port))
    # Keep-alive: a complete request, then a second one that never finishes its headers.
    reused = socket.create_connection(("127.0.0.1", limited.http_port))
    reused.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reused.recv(4096).startswith(b"HTTP/1.1 200")
    reused.sendall(b"GET /healthz HTTP/1.1\r\nHo")
    for sock in (partial, silent, reused):
        with sock:
            assert _closed_by_server(sock)
    assert httpx.get(f"{limited.http_url}/healthz").status_code == 200


def test_a_body_that_never_arrives_gets_408_and_the_connection_closes(limited: CollectorProcess) -> None:
    with socket.create_connection(("127.0.0.1", limited.http_port)) as sock:
        sock.sendall(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + f"Authorization: Bearer {limited.keys['quiet']}\r\nContent-Length: 100000\r\n\r\n".encode()
            + b"\x0a\x01"
        )
        sock.settimeout(30)
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert _closed_by_server(sock)


def test_a_tenant_over_its_rate_gets_429_while_another_is_accepted(limited: CollectorProcess) -> None:
    def batch(n: int) -> bytes:
        trace = os.urandom(16)
        return trace_request(*[_chat_span(trace) for _ in range(n)]).SerializeToString()

    flooder, neighbour = limited.keys["flooder"], limited.keys["neighbour"]
    # 10 records take the whole burst; the next 10 need 5 s of refill at 2 records/s.
    assert limited.post("/v1/traces", batch(10), key=flooder).status_code == 200
    refused = limited.post("/v1/traces", batch(10), key=flooder)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert limited.post("/v1/traces", batch(10), key=neighbour).status_code == 200
    with pytest.raises(grpc.RpcError) as info:
        trace = os.urandom(16)
        grpc_export(limited.grpc_target, flooder, trace_request(*[_chat_span(trace) for _ in range(10)]))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers = dict(info.value.trailing_metadata() or ())
    retry = error_details_pb2.RetryInfo.FromString(trailers["google.rpc.retryinfo-bin"])
    assert retry.retry_delay.seconds >= 1


def test_a_tenant_over_its_storage_quota_gets_429(limited: CollectorProcess) -> None:
    hoarder = limited.keys["hoarder"]
    filler = KeyValue(key="blob", value=AnyValue(string_value="x" * 20_000))
    statuses, traces = [], []
    for _ in range(5):  # ~20 KB each against a 70 KB quota (one record each: well inside the rate limit)
        traces.append(os.urandom(16))
        request = trace_request(_chat_span(traces[-1]))
        request.resource_spans[0].scope_spans[0].spans[0].attributes.append(filler)
        answer = limited.post("/v1/traces", request.SerializeToString(), key=hoarder)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["retry-after"]) >= 1 and "quota" in answer.text
    assert statuses == [200, 200, 200, 429, 429], statuses
    # The others are not affected by this tenant's quota.
    body = trace_request(_chat_span(os.urandom(16))).SerializeToString()
    assert limited.post("/v1/traces", body, key=limited.keys["quiet"]).status_code == 200
