"""A STAND-IN for the vLLM OpenAI server, for CI machines without a GPU: same command line, same HTTP API.

This is not vLLM. It exists so that the vLLM backend's real code path (start a subprocess, wait for ``/health``,
load adapters through ``/v1/load_lora_adapter``, proxy chat completions and their SSE streams, survive the process
dying) is tested on a CPU. It accepts ``vllm serve``'s command line (``python -m tracewheel.serving.vllm_standin
serve MODEL --port P --served-model-name N --enable-lora ...``; flags it does not use are ignored) and answers the
endpoints tracewheel calls, in vLLM's shapes, with tracewheel's in-process PEFT engine behind them:

    GET  /health, /v1/models                        (each LoRA listed with ``parent``, as vLLM does)
    POST /v1/load_lora_adapter {"lora_name", "lora_path"}     only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
    POST /v1/unload_lora_adapter {"lora_name"}
    POST /v1/chat/completions                       (stream and not; unknown model: 404)

Like vLLM, it trusts its caller with any local ``lora_path``: it listens on loopback, behind tracewheel.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from tracewheel.serving.engine import PeftEngine
from tracewheel.serving.errors import APIError, install_handlers, not_found
from tracewheel.serving.peft_backend import PeftBackend
from tracewheel.serving.protocol import (
    ChatCompletionChunk,
    ChatCompletionRequest,
    LoadLoraAdapterRequest,
    ModelCard,
    ModelList,
    UnloadLoraAdapterRequest,
)
from tracewheel.trainer.model import load_model, load_tokenizer


class StandInVllmServer:
    """The stand-in's state: one PEFT engine, the LoRA names loaded into it, the FastAPI app answering for it."""

    def __init__(self, engine: PeftEngine, *, allow_runtime_lora: bool) -> None:
        self.backend = PeftBackend(engine)
        self.allow_runtime_lora = allow_runtime_lora
        self.paths: dict[str, str] = {}
        self.app = self._build()

    def _model(self, name: str) -> str | None:
        if name == self.backend.base_model:
            return None
        if name not in self.paths:
            raise not_found(name)
        return name

    def _build(self) -> FastAPI:
        app = FastAPI(title="vLLM stand-in (not vLLM)")
        install_handlers(app)

        @app.get("/health")
        async def health() -> PlainTextResponse:
            return PlainTextResponse("")

        @app.get("/v1/models")
        async def models() -> dict[str, Any]:
            base = self.backend.base_model
            cards = [ModelCard(id=base, root=base, owned_by="vllm")]
            cards += [
                ModelCard(id=n, root=p, parent=base, owned_by="vllm") for n, p in sorted(self.paths.items())
            ]
            return ModelList(data=cards).model_dump()

        @app.post("/v1/load_lora_adapter")
        async def load(body: LoadLoraAdapterRequest) -> PlainTextResponse:
            if not self.allow_runtime_lora:
                raise APIError(404, "Not Found")
            if body.lora_name in self.paths:
                raise APIError(400, f"The lora adapter '{body.lora_name}' has already been loaded.")
            try:
                await self.backend.load_adapter(body.lora_name, Path(body.lora_path))
            except Exception as exc:
                raise APIError(400, f"cannot load {body.lora_path}: {exc}") from exc
            self.paths[body.lora_name] = body.lora_path
            return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' added successfully.")

        @app.post("/v1/unload_lora_adapter")
        async def unload(body: UnloadLoraAdapterRequest) -> PlainTextResponse:
            if not self.allow_runtime_lora:
                raise APIError(404, "Not Found")
            if self.paths.pop(body.lora_name, None) is None:
                raise APIError(404, f"The lora adapter '{body.lora_name}' cannot be found.")
            await self.backend.unload_adapter(body.lora_name)
            return PlainTextResponse(f"Success: LoRA adapter '{body.lora_name}' removed successfully.")

        @app.post("/v1/chat/completions")
        async def chat(body: ChatCompletionRequest) -> Any:
            adapter = self._model(body.model)
            if not body.stream:
                completion = await self.backend.chat(body, adapter, body.model)
                return JSONResponse(completion.model_dump(mode="json", exclude_none=True))
            chunks = await self.backend.chat_stream(body, adapter, body.model)
            return StreamingResponse(_sse(chunks), media_type="text/event-stream")

        return app


async def _sse(chunks: AsyncIterator[ChatCompletionChunk]) -> AsyncIterator[str]:
    try:
        async for chunk in chunks:
            yield f"data: {chunk.model_dump_json(exclude_none=True)}\n\n"
    except Exception as exc:
        error = exc if isinstance(exc, APIError) else APIError(500, str(exc))
        yield f"data: {json.dumps(error.body())}\n\n"
    yield "data: [DONE]\n\n"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="vllm_standin", description="A stand-in for `vllm serve` (not vLLM)."
    )
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("model")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--served-model-name", default=None)
    args, _ignored = parser.parse_known_args(argv)  # vLLM's other flags (--enable-lora, --max-loras, ...)
    return args


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    args = _arguments(argv)
    engine = PeftEngine(
        load_model(args.model), load_tokenizer(args.model), args.served_model_name or args.model
    )
    allow = os.environ.get("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "").lower() in ("1", "true")
    server = StandInVllmServer(engine, allow_runtime_lora=allow)
    uvicorn.run(server.app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
