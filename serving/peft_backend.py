"""The PEFT backend: OpenAI chat requests answered by the in-process ``PeftEngine``.

Streaming works for every request in a mixed-adapter batch: the engine's worker thread hands each new piece of a
choice's text to the event loop (``call_soon_threadsafe``), which sends it as an SSE chunk. When tools were offered,
text that may be the start of a tool call (``<tool_call>`` or a prefix of it) is held back instead of being sent as
content; when the choice ends, its calls go out as one ``tool_calls`` delta each, with the finish reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tracewheel.serving.engine import (
    Choice,
    EngineError,
    GenerationRequest,
    GenerationResult,
    PeftEngine,
    SamplingParams,
)
from tracewheel.serving.errors import APIError, from_engine
from tracewheel.serving.protocol import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChunkChoice,
    ChunkDelta,
    ResponseChoice,
    ResponseMessage,
    Usage,
    completion_id,
)
from tracewheel.serving.tool_calls import OPEN_TAG, parse_tool_calls

from tracewheel.core.errors import TracewheelError

DEFAULT_MAX_TOKENS = 256


def tools_active(request: ChatCompletionRequest) -> bool:
    return bool(request.tools) and request.tool_choice != "none"


def generation_request(request: ChatCompletionRequest, adapter: str | None) -> GenerationRequest:
    """The engine's request for an OpenAI one."""
    choice = request.tool_choice
    return GenerationRequest(
        messages=[m.model_dump(exclude_none=True) for m in request.messages],
        tools=[t.model_dump(exclude_none=True) for t in request.tools] if request.tools else None,
        adapter=adapter,
        tool_choice=choice.model_dump() if choice is not None and not isinstance(choice, str) else choice,
        params=SamplingParams(
            max_tokens=request.max_completion_tokens or request.max_tokens or DEFAULT_MAX_TOKENS,
            temperature=1.0 if request.temperature is None else request.temperature,
            top_p=1.0 if request.top_p is None else request.top_p,
            stop=request.stop_list(),
            seed=request.seed,
            n=request.n,
            ignore_eos=request.ignore_eos,
        ),
    )


def response_message(choice: Choice, with_tools: bool) -> tuple[ResponseMessage, str]:
    """The OpenAI message and finish reason of one engine choice; without tools the text is all content."""
    if not with_tools:
        reason = "length" if choice.finish_reason == "length" else "stop"
        return ResponseMessage(content=choice.raw_text), reason
    return (
        ResponseMessage(content=choice.text or None, tool_calls=choice.tool_calls or None),
        choice.finish_reason,
    )


def usage_of(result: GenerationResult) -> Usage:
    return Usage(
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        total_tokens=result.prompt_tokens + result.completion_tokens,
    )


def _safe_end(text: str) -> int:
    """How much of ``text`` can go out as content: up to where a tool call starts, or may start."""
    at = text.find(OPEN_TAG)
    if at >= 0:
        return at
    for k in range(len(OPEN_TAG) - 1, 0, -1):
        if text.endswith(OPEN_TAG[:k]):
            return len(text) - k
    return len(text)


class PeftBackend:
    """``Backend`` over a ``PeftEngine`` in this process."""

    def __init__(self, engine: PeftEngine) -> None:
        self.engine = engine
        self.base_model = engine.base_model

    async def _submit(self, request: ChatCompletionRequest, adapter: str | None, sink: Any = None) -> Any:
        try:
            # Rendering and tokenizing the prompt take milliseconds of CPU: off the event loop.
            return await asyncio.to_thread(self.engine.submit, generation_request(request, adapter), sink)
        except EngineError as exc:
            raise from_engine(exc) from exc

    async def chat(self, request: ChatCompletionRequest, adapter: str | None, model: str) -> ChatCompletion:
        future = await self._submit(request, adapter)
        try:
            result: GenerationResult = await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()  # the client went away: its rows stop at the next step
            raise
        except EngineError as exc:
            raise from_engine(exc) from exc
        with_tools = tools_active(request)
        choices = []
        for i, choice in enumerate(result.choices):
            message, reason = response_message(choice, with_tools)
            choices.append(ResponseChoice(index=i, message=message, finish_reason=reason))
        return ChatCompletion(model=model, choices=choices, usage=usage_of(result))

    async def chat_stream(
        self, request: ChatCompletionRequest, adapter: str | None, model: str
    ) -> AsyncIterator[ChatCompletionChunk]:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[tuple[int, str] | None] = asyncio.Queue()

        def sink(index: int, text: str) -> None:  # called in the engine's worker thread
            loop.call_soon_threadsafe(events.put_nowait, (index, text))

        future = await self._submit(request, adapter, sink)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(events.put_nowait, None))
        return self._chunks(request, model, future, events)

    async def _chunks(
        self,
        request: ChatCompletionRequest,
        model: str,
        future: Any,
        events: asyncio.Queue[tuple[int, str] | None],
    ) -> AsyncIterator[ChatCompletionChunk]:
        chunk_id, created = completion_id(), int(time.time())

        def chunk(index: int, delta: ChunkDelta, finish: str | None = None) -> ChatCompletionChunk:
            return ChatCompletionChunk(
                id=chunk_id,
                created=created,
                model=model,
                choices=[ChunkChoice(index=index, delta=delta, finish_reason=finish)],
            )

        with_tools = tools_active(request)
        raw = [""] * request.n
        sent = [0] * request.n
        try:
            for i in range(request.n):
                yield chunk(i, ChunkDelta(role="assistant", content=""))
            while (event := await events.get()) is not None:
                index, text = event
                raw[index] += text
                end = _safe_end(raw[index]) if with_tools else len(raw[index])
                if end > sent[index]:
                    yield chunk(index, ChunkDelta(content=raw[index][sent[index] : end]))
                    sent[index] = end
            try:
                result: GenerationResult = future.result()
            except (EngineError, TracewheelError) as exc:
                raise from_engine(exc) if isinstance(exc, EngineError) else APIError(500, str(exc)) from exc
            for i, choice in enumerate(result.choices):
                rest = choice.raw_text[sent[i] :]
                if with_tools:
                    rest = parse_tool_calls(rest).content
                if rest:
                    yield chunk(i, ChunkDelta(content=rest))
                _, reason = response_message(choice, with_tools)
                if with_tools and choice.tool_calls:
                    calls = [{"index": k, **call} for k, call in enumerate(choice.tool_calls)]
                    yield chunk(i, ChunkDelta(tool_calls=calls))
                yield chunk(i, ChunkDelta(), reason)
            if request.stream_options and request.stream_options.include_usage:
                yield ChatCompletionChunk(
                    id=chunk_id, created=created, model=model, choices=[], usage=usage_of(result)
                )
        finally:
            future.cancel()  # no-op once done; stops the rows of a client that went away

    async def load_adapter(self, name: str, path: Path) -> None:
        await asyncio.to_thread(self.engine.load_adapter, name, path)

    async def unload_adapter(self, name: str) -> None:
        try:
            await asyncio.to_thread(self.engine.unload_adapter, name)
        except EngineError as exc:
            raise from_engine(exc) from exc

    def loaded_adapters(self) -> list[str]:
        return self.engine.loaded_adapters()

    async def aclose(self) -> None:
        await asyncio.to_thread(self.engine.close)
