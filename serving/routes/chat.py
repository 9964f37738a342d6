"""``POST /v1/chat/completions``: route, generate (streamed or not), trace.

A streamed answer is Server-Sent Events, one ``chat.completion.chunk`` per ``data:`` line and ``data: [DONE]`` at
the end. A failure after the stream started cannot change the HTTP status any more, so it is sent as a
``data: {"error": {...}}`` event followed by ``[DONE]``: the client sees the error and the stream ends, never hangs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from opentelemetry.sdk.trace import Span
from tracewheel.serving.errors import APIError
from tracewheel.serving.protocol import ChatCompletionChunk, ChatCompletionRequest, StreamOptions
from tracewheel.serving.routing import backend_adapter, resolve_target
from tracewheel.serving.services import Services, services, tenant_of
from tracewheel.serving.tracing import finish_span, output_message, request_attributes

router = APIRouter()

CONVERSATION_HEADER = "x-tracewheel-conversation"


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


@router.post("/v1/chat/completions")
async def chat_completions(
    body: ChatCompletionRequest, request: Request, tenant: str = Depends(tenant_of)
) -> Any:
    svc = services(request)
    sticky = body.user or request.headers.get(CONVERSATION_HEADER)
    target = resolve_target(svc, tenant, body.model, sticky)
    span = svc.tracing.start_chat_span(request.headers, body.model)
    for key, value in request_attributes(
        body, tenant=tenant, adapter=target.label, canary=target.canary
    ).items():
        span.set_attribute(key, value)
    try:
        adapter = await backend_adapter(svc, tenant, target)
        if body.stream:
            return await _stream(svc, body, adapter, span)
        response = await svc.backend.chat(body, adapter, body.model)
    except BaseException as exc:
        finish_span(
            span, model=body.model, outputs=[], input_tokens=None, output_tokens=None, error=_error(exc)
        )
        raise
    outputs = [
        output_message(c.message.content, c.message.tool_calls, c.finish_reason) for c in response.choices
    ]
    finish_span(
        span,
        model=response.model,
        outputs=outputs,
        input_tokens=response.usage.prompt_tokens,
        output_tokens=response.usage.completion_tokens,
    )
    return JSONResponse(response.model_dump(mode="json", exclude_none=True))


def _error(exc: BaseException) -> Exception:
    return exc if isinstance(exc, Exception) else RuntimeError(type(exc).__name__)


async def _stream(
    svc: Services, body: ChatCompletionRequest, adapter: str | None, span: Span
) -> StreamingResponse:
    # Usage is always asked of the backend (the span records it); the client gets it only if it asked.
    client_wants_usage = bool(body.stream_options and body.stream_options.include_usage)
    backend_request = body.model_copy(update={"stream_options": StreamOptions(include_usage=True)})
    chunks = await svc.backend.chat_stream(backend_request, adapter, body.model)
    return StreamingResponse(
        _events(chunks, body, span, client_wants_usage),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )


class _Collected:
    """What a stream said, per choice, for the span."""

    def __init__(self, n: int) -> None:
        self.content = [""] * n
        self.calls: list[list[dict[str, Any]]] = [[] for _ in range(n)]
        self.finish = ["stop"] * n
        self.usage: tuple[int, int] | None = None

    def add(self, chunk: ChatCompletionChunk) -> None:
        if chunk.usage is not None:
            self.usage = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
        for choice in chunk.choices:
            if choice.index >= len(self.content):
                continue
            self.content[choice.index] += choice.delta.content or ""
            for call in choice.delta.tool_calls or []:
                self.calls[choice.index].append({k: v for k, v in call.items() if k != "index"})
            if choice.finish_reason:
                self.finish[choice.index] = choice.finish_reason

    def outputs(self) -> list[dict[str, Any]]:
        return [
            output_message(c or None, calls, f)
            for c, calls, f in zip(self.content, self.calls, self.finish, strict=True)
        ]


async def _events(
    chunks: AsyncIterator[ChatCompletionChunk],
    body: ChatCompletionRequest,
    span: Span,
    client_wants_usage: bool,
) -> AsyncIterator[str]:
    collected = _Collected(body.n)
    failure: Exception | None = None
    try:
        async for chunk in chunks:
            collected.add(chunk)
            if chunk.usage is not None and not chunk.choices and not client_wants_usage:
                continue
            if chunk.usage is not None and not client_wants_usage:
                chunk = chunk.model_copy(update={"usage": None})
            yield f"data: {chunk.model_dump_json(exclude_none=True)}\n\n"
    except Exception as exc:  # after the first byte the status is sent: the error travels in the stream
        failure = exc
        error = (
            exc
            if isinstance(exc, APIError)
            else APIError(500, f"generation failed: {exc}", code="server_error")
        )
        yield _sse(error.body())
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
        tokens = collected.usage or (None, None)
        finish_span(
            span,
            model=body.model,
            outputs=collected.outputs(),
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            error=failure,
        )
    yield "data: [DONE]\n\n"
