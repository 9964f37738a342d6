"""What the server asks of the thing that generates: the in-process PEFT engine or a vLLM server behind a proxy.

Both backends speak OpenAI wire types (``serving/protocol.py``); the server in front of them (tenancy, routing,
canary, tracing, errors) is the same. A backend refuses a request (unknown adapter, context too long) by raising
``APIError`` before it has sent anything, so a streaming request is refused with a plain HTTP error rather than a
broken stream; a failure once a stream has started surfaces as an exception from the chunk iterator, which the
route turns into an SSE error event followed by ``[DONE]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from tracewheel.serving.protocol import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest


class Backend(Protocol):
    base_model: str  # the base model's served name

    async def chat(self, request: ChatCompletionRequest, adapter: str | None, model: str) -> ChatCompletion:
        """Answer ``request`` with backend adapter ``adapter`` (None: base); responses name ``model``."""
        ...

    async def chat_stream(
        self, request: ChatCompletionRequest, adapter: str | None, model: str
    ) -> AsyncIterator[ChatCompletionChunk]:
        """Check and start ``request``, then return its chunks (refusals raise here, before any chunk)."""
        ...

    async def load_adapter(self, name: str, path: Path) -> None: ...

    async def unload_adapter(self, name: str) -> None: ...

    def loaded_adapters(self) -> list[str]: ...

    async def aclose(self) -> None: ...
