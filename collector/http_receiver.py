"""OTLP/HTTP receiver: a raw ASGI app (``/v1/traces``, ``/v1/logs``, ``/v1/metrics``, ``/v1/feedback``, ``/healthz``).

Raw ASGI rather than a framework route: the hot path is one body read, one upb parse and one await on the WAL
group commit, and a framework's request objects would cost more than all of that for small batches.

Status codes follow the OTLP/HTTP spec: 200 with an ``Export*ServiceResponse`` (``partial_success`` when records
were rejected), 400 malformed, 401 no/unknown key, 413 too large (checked on Content-Length and while
decompressing, never after buffering everything), 415 wrong content type or encoding, 408 when the body does not
arrive within ``body_timeout_s``, 429 + Retry-After when the tenant is over its rate or storage quota, 503 +
Retry-After when the WAL cannot take the data (the SDK retries). Error bodies are a ``google.rpc.Status`` for
protobuf requests, JSON otherwise.

Decoding a large body (a 20 MB OTLP/JSON batch takes seconds of pure Python) runs in a worker thread so the event
loop keeps answering other requests, ``/healthz`` included, meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from tracewheel.collector import otlp
from tracewheel.collector.feedback import FeedbackError
from tracewheel.collector.ingest import Ingest, Prepared
from tracewheel.collector.limits import LimitExceeded
from tracewheel.collector.metrics_ingest import METRICS_PATH, MetricsIngest
from tracewheel.collector.metrics_ingest import response as metrics_response
from tracewheel.collector.wal import QueueFull, Signal, WalWriteError

logger = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_GRPC_CODES = {400: 3, 401: 16, 404: 5, 405: 12, 408: 4, 413: 8, 415: 3, 422: 3, 429: 8, 503: 14}
# Bodies at least this large are decoded in a worker thread; smaller ones decode in well under a millisecond, less
# than the hop to a thread would cost. JSON decodes ~50x slower than protobuf, hence two thresholds.
_OFFLOAD_JSON_BYTES = 16 * 1024
_OFFLOAD_PROTOBUF_BYTES = 512 * 1024
_SIGNALS = {"/v1/traces": Signal.TRACES, "/v1/logs": Signal.LOGS}


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or []


async def read_body(receive: Receive, limit: int, content_length: int | None, encoding: str) -> bytes:
    """Read a request body, decompressing gzip as it streams; 413 as soon as ``limit`` would be passed."""
    if content_length is not None and content_length > limit:
        raise HttpError(413, f"body of {content_length} bytes is over the {limit}-byte limit")
    if encoding not in ("", "identity", "gzip"):
        raise HttpError(415, f"unsupported content-encoding {encoding!r}; use gzip or none")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    out = bytearray()
    chunks: list[bytes] = []
    received = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise HttpError(400, "client disconnected")
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        received += len(chunk)
        if received > limit:
            raise HttpError(413, f"body is over the {limit}-byte limit")
        if decompressor is None:
            chunks.append(chunk)
            continue
        try:
            data = chunk
            while data:
                out += decompressor.decompress(data, limit - len(out) + 1)
                if len(out) > limit:
                    raise HttpError(413, f"decompressed body is over the {limit}-byte limit")
                data = decompressor.unconsumed_tail
        except zlib.error as exc:
            raise HttpError(400, f"body is not valid gzip: {exc}") from exc
    if decompressor is None:
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if not decompressor.eof:
        raise HttpError(400, "gzip body is truncated")
    return bytes(out)


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope["headers"]}


class OtlpHttpApp:
    def __init__(self, ingest: Ingest, metrics: MetricsIngest | None = None) -> None:
        """``metrics``: where ``/v1/metrics`` goes (None: that route answers 404)."""
        self.ingest = ingest
        self.metrics = metrics
        self.limit = ingest.settings.max_body_bytes
        self.retry_after = str(ingest.settings.retry_after_s).encode()
        self.body_timeout_s = ingest.settings.body_timeout_s

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = _headers(scope)
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        as_protobuf = otlp.media_type(content_type) in otlp.PROTOBUF_TYPES
        try:
            await self._route(scope, headers, content_type, receive, send)
        except HttpError as exc:
            await self._error(send, exc.status, str(exc), as_protobuf, exc.headers)
        except Exception:
            logger.exception("unexpected error in %s", scope.get("path"))
            await self._error(send, 500, "internal error", as_protobuf, [])

    async def _route(
        self,
        scope: dict[str, Any],
        headers: dict[bytes, bytes],
        content_type: str,
        receive: Receive,
        send: Send,
    ) -> None:
        path = scope["path"]
        if path == "/healthz":
            await _respond(send, 200, b'{"status":"ok"}', b"application/json")
            return
        signal = _SIGNALS.get(path)
        metrics = path == METRICS_PATH and self.metrics is not None
        if signal is None and path != "/v1/feedback" and not metrics:
            raise HttpError(404, f"no route {path}")
        if scope["method"] != "POST":
            raise HttpError(405, f"{path} takes POST", [(b"allow", b"POST")])
        tenant = self.ingest.resolver.resolve_header(headers.get(b"authorization", b"").decode("latin-1"))
        if tenant is None:
            raise HttpError(401, "missing or unknown API key (send 'Authorization: Bearer <key>')")
        kind = otlp.media_type(content_type)
        if path == "/v1/feedback":
            if kind not in otlp.JSON_TYPES:
                raise HttpError(415, "feedback takes application/json")
        elif kind not in otlp.PROTOBUF_TYPES and kind not in otlp.JSON_TYPES:
            raise HttpError(
                415,
                f"unsupported content type {content_type!r}; use application/x-protobuf or application/json",
            )
        try:
            length = int(headers[b"content-length"]) if b"content-length" in headers else None
        except ValueError as exc:
            raise HttpError(400, "invalid Content-Length") from exc
        encoding = headers.get(b"content-encoding", b"").decode("latin-1").strip().lower()
        try:
            async with asyncio.timeout(self.body_timeout_s):
                body = await read_body(receive, self.limit, length, encoding)
        except TimeoutError as exc:
            raise HttpError(
                408, f"request body not received within {self.body_timeout_s:g}s", [(b"connection", b"close")]
            ) from exc
        if metrics:
            await self._metrics(tenant, body, content_type, kind in otlp.PROTOBUF_TYPES, send)
        elif signal is None:
            await self._feedback(tenant, body, send)
        else:
            await self._export(signal, tenant, body, content_type, kind in otlp.PROTOBUF_TYPES, send)

    async def _commit(self, future: Any) -> None:
        try:
            await asyncio.wrap_future(future)
        except WalWriteError as exc:
            raise HttpError(
                503, f"could not store the data durably ({exc}); retry later", self._retry()
            ) from exc

    def _retry(self) -> list[tuple[bytes, bytes]]:
        return [(b"retry-after", self.retry_after)]

    async def _export(
        self, signal: Signal, tenant: str, body: bytes, content_type: str, as_protobuf: bool, send: Send
    ) -> None:
        try:
            prepared = await self._prepare(signal, body, content_type, as_protobuf)
            future = self.ingest.submit(tenant, prepared)
        except LimitExceeded as exc:
            raise HttpError(429, str(exc), [(b"retry-after", str(exc.retry_after_s).encode())]) from exc
        except otlp.OtlpDecodeError as exc:
            raise HttpError(400, str(exc)) from exc
        except otlp.UnsupportedContentType as exc:
            raise HttpError(415, str(exc)) from exc
        except QueueFull as exc:
            raise HttpError(503, f"collector is busy ({exc}); retry later", self._retry()) from exc
        except WalWriteError as exc:
            raise HttpError(503, f"could not store the data ({exc}); retry later", self._retry()) from exc
        if future is not None:
            await self._commit(future)
            self.ingest.acknowledged(tenant, prepared)
        v = prepared.validated
        if signal is Signal.TRACES:
            response: Any = ExportTraceServiceResponse()
            if v.rejected:
                response.partial_success.rejected_spans = v.rejected
                response.partial_success.error_message = v.error_message
        else:
            response = ExportLogsServiceResponse()
            if v.rejected:
                response.partial_success.rejected_log_records = v.rejected
                response.partial_success.error_message = v.error_message
        if as_protobuf:
            await _respond(send, 200, response.SerializeToString(), b"application/x-protobuf")
        else:
            payload: dict[str, Any] = {}
            if v.rejected:
                key = "rejectedSpans" if signal is Signal.TRACES else "rejectedLogRecords"
                payload["partialSuccess"] = {key: str(v.rejected), "errorMessage": v.error_message}
            await _respond(send, 200, orjson.dumps(payload), b"application/json")

    async def _prepare(self, signal: Signal, body: bytes, content_type: str, as_protobuf: bool) -> Prepared:
        threshold = _OFFLOAD_PROTOBUF_BYTES if as_protobuf else _OFFLOAD_JSON_BYTES
        if len(body) < threshold:
            return self.ingest.prepare(signal, body, content_type)
        return await asyncio.get_running_loop().run_in_executor(
            None, self.ingest.prepare, signal, body, content_type
        )

    async def _metrics(
        self, tenant: str, body: bytes, content_type: str, as_protobuf: bool, send: Send
    ) -> None:
        assert self.metrics is not None
        loop = asyncio.get_running_loop()
        try:
            threshold = _OFFLOAD_PROTOBUF_BYTES if as_protobuf else _OFFLOAD_JSON_BYTES
            if len(body) < threshold:
                batch = self.metrics.prepare(body, content_type)
            else:
                batch = await loop.run_in_executor(None, self.metrics.prepare, body, content_type)
            # The append fsyncs: off the event loop.
            await loop.run_in_executor(None, self.metrics.store, tenant, batch, len(body))
        except LimitExceeded as exc:
            raise HttpError(429, str(exc), [(b"retry-after", str(exc.retry_after_s).encode())]) from exc
        except otlp.OtlpDecodeError as exc:
            raise HttpError(400, str(exc)) from exc
        except otlp.UnsupportedContentType as exc:
            raise HttpError(415, str(exc)) from exc
        except WalWriteError as exc:
            raise HttpError(
                503, f"could not store the data durably ({exc}); retry later", self._retry()
            ) from exc
        answer = metrics_response(batch)
        if as_protobuf:
            await _respond(send, 200, answer.SerializeToString(), b"application/x-protobuf")
            return
        payload: dict[str, Any] = {}
        if batch.rejected:
            payload["partialSuccess"] = {
                "rejectedDataPoints": str(batch.rejected),
                "errorMessage": batch.error_message,
            }
        await _respond(send, 200, orjson.dumps(payload), b"application/json")

    async def _feedback(self, tenant: str, body: bytes, send: Send) -> None:
        try:
            item = self.ingest.prepare_feedback(body)
        except otlp.OtlpDecodeError as exc:
            raise HttpError(400, str(exc)) from exc
        except FeedbackError as exc:
            raise HttpError(exc.status, str(exc)) from exc
        trace_id = item["trace_id"]
        known = self.ingest.index.known_recent(
            tenant, trace_id
        ) or await asyncio.get_running_loop().run_in_executor(None, self.ingest.trace_known, tenant, trace_id)
        if not known:
            raise HttpError(404, f"no trace {trace_id} for this tenant")
        try:
            future = self.ingest.submit_feedback(tenant, item)
        except LimitExceeded as exc:
            raise HttpError(429, str(exc), [(b"retry-after", str(exc.retry_after_s).encode())]) from exc
        except (QueueFull, WalWriteError) as exc:
            raise HttpError(503, f"collector is busy ({exc}); retry later", self._retry()) from exc
        await self._commit(future)
        await _respond(
            send, 200, orjson.dumps({"status": "stored", "trace_id": trace_id}), b"application/json"
        )

    async def _error(
        self, send: Send, status: int, message: str, as_protobuf: bool, headers: list[tuple[bytes, bytes]]
    ) -> None:
        code = _GRPC_CODES.get(status, 13)
        if as_protobuf:
            body = status_pb2.Status(code=code, message=message).SerializeToString()
            ctype = b"application/x-protobuf"
        else:
            body = orjson.dumps({"code": code, "message": message, "status": status})
            ctype = b"application/json"
        await _respond(send, status, body, ctype, headers)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
