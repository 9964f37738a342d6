"""The vLLM backend: tracewheel starts vLLM's OpenAI server and proxies to it, keeping everything else in front.

    vllm serve <base model dir> --served-model-name <base name> --host 127.0.0.1 --port <free port>
        --enable-lora --max-loras N --max-lora-rank R --enable-auto-tool-choice --tool-call-parser hermes
    with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment

vLLM listens on loopback only; clients talk to tracewheel, which authenticates the tenant, routes the model name
(its adapters, the main alias, the canary), loads adapters into vLLM through vLLM's own ``/v1/load_lora_adapter``
(named ``<tenant>--<adapter_id>``, paths from the tenant's registry only), forwards the chat request with the model
name rewritten, relays the answer or the SSE stream with the client's model name put back, and records its span.
vLLM does the batching (its LoRA kernels mix adapters in one batch), tool-call parsing (``hermes``: the same
``<tool_call>`` JSON the trainer's chat template writes) and sampling. vLLM's refusals (400 context too long, 404)
are passed on as they are.

``--tool-call-parser hermes`` and ``--enable-auto-tool-choice`` are always passed, because tracewheel's chat
template is the Qwen2.5/Hermes one; add other flags with ``serving.vllm_extra_args``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

import httpx
from tracewheel.serving.errors import APIError
from tracewheel.serving.protocol import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer.model import resolve_model
from tracewheel.trainer.settings import TrainerSettings

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)

LOG_FILE = "vllm.log"
_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=60.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vllm_command_line(serving: ServingSettings, model_path: str, served_name: str, port: int) -> list[str]:
    return [
        *shlex.split(serving.vllm_command),
        "serve",
        model_path,
        "--served-model-name",
        served_name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--enable-lora",
        "--max-loras",
        str(serving.vllm_max_loras),
        "--max-lora-rank",
        str(serving.vllm_max_lora_rank),
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "hermes",
        *serving.vllm_extra_args,
    ]


class VllmProcess:
    """The vLLM server subprocess: started, waited for (``/health``), stopped."""

    def __init__(self, command: list[str], port: int, log_path: Path) -> None:
        self.command = command
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, VLLM_ALLOW_RUNTIME_LORA_UPDATING="True")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        logger.info("starting vLLM: %s", shlex.join(self.command))
        try:
            self.process = subprocess.Popen(
                self.command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
            )
        except OSError as exc:
            raise TracewheelError(f"cannot start vLLM ({self.command[0]}): {exc.strerror or exc}") from exc

    def _tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    async def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=5.0) as client:
            while True:
                if self.process is None or self.process.poll() is not None:
                    raise TracewheelError(f"vLLM exited while starting (see {self.log_path}): {self._tail()}")
                try:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise TracewheelError(
                        f"vLLM did not answer /health within {timeout_s:.0f} s (see {self.log_path})"
                    )
                await asyncio.sleep(0.5)

    def stop(self, grace_s: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None


def _error_from(response: httpx.Response, body: bytes) -> APIError:
    """vLLM's error answer as tracewheel's (vLLM already answers in OpenAI's shape)."""
    try:
        error = json.loads(body).get("error") or {}
    except (json.JSONDecodeError, AttributeError):
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    return APIError(
        response.status_code if 400 <= response.status_code < 500 else 502,
        message or body.decode(errors="replace")[:500] or f"vLLM answered {response.status_code}",
        code=error.get("code") if isinstance(error, dict) and isinstance(error.get("code"), str) else None,
        param=error.get("param") if isinstance(error, dict) else None,
    )


class VllmBackend:
    """``Backend`` that forwards to a vLLM OpenAI server (or its stand-in, in CI)."""

    def __init__(self, url: str, base_model: str, process: VllmProcess | None = None) -> None:
        self.url = url.rstrip("/")
        self.base_model = base_model
        self._process = process
        self._client = httpx.AsyncClient(base_url=self.url, timeout=_TIMEOUT)
        self._loaded: set[str] = set()

    def _payload(self, request: ChatCompletionRequest, adapter: str | None) -> dict[str, Any]:
        payload = request.model_dump(mode="json", exclude_none=True)
        payload["model"] = adapter or self.base_model
        return payload

    async def chat(self, request: ChatCompletionRequest, adapter: str | None, model: str) -> ChatCompletion:
        try:
            response = await self._client.post("/v1/chat/completions", json=self._payload(request, adapter))
        except httpx.HTTPError as exc:
            raise APIError(502, f"the vLLM server did not answer: {exc}", code="backend_unavailable") from exc
        if response.status_code != 200:
            raise _error_from(response, response.content)
        completion = ChatCompletion.model_validate(response.json())
        return completion.model_copy(update={"model": model})

    async def chat_stream(
        self, request: ChatCompletionRequest, adapter: str | None, model: str
    ) -> AsyncIterator[ChatCompletionChunk]:
        outgoing = self._client.build_request(
            "POST", "/v1/chat/completions", json=self._payload(request, adapter)
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx.HTTPError as exc:
            raise APIError(502, f"the vLLM server did not answer: {exc}", code="backend_unavailable") from exc
        if response.status_code != 200:
            body = await response.aread()
            await response.aclose()
            raise _error_from(response, body)
        return self._relay(response, model)

    async def _relay(self, response: httpx.Response, model: str) -> AsyncIterator[ChatCompletionChunk]:
        finished = False
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = line.removeprefix("data:").strip()
                if data == "[DONE]":
                    finished = True
                    break
                event = json.loads(data)
                if "error" in event:
                    error = event["error"] if isinstance(event["error"], dict) else {"message": str(event)}
                    raise APIError(
                        502, error.get("message") or "vLLM failed mid-stream", code=error.get("code") or None
                    )
                yield ChatCompletionChunk.model_validate(event).model_copy(update={"model": model})
        except httpx.HTTPError as exc:
            raise APIError(502, f"the vLLM stream broke: {exc}", code="backend_unavailable") from exc
        finally:
            await response.aclose()
        if not finished:
            raise APIError(502, "the vLLM stream ended before [DONE]", code="backend_unavailable")

    async def load_adapter(self, name: str, path: Path) -> None:
        body = {"lora_name": name, "lora_path": str(path)}
        try:
            response = await self._client.post("/v1/load_lora_adapter", json=body)
        except httpx.HTTPError as exc:
            raise TracewheelError(f"the vLLM server did not answer: {exc}") from exc
        if response.status_code != 200:
            raise TracewheelError(f"vLLM refused to load {name}: {response.text[:300]}")
        self._loaded.add(name)

    async def unload_adapter(self, name: str) -> None:
        self._loaded.discard(name)
        try:
            response = await self._client.post("/v1/unload_lora_adapter", json={"lora_name": name})
        except httpx.HTTPError as exc:
            raise APIError(502, f"the vLLM server did not answer: {exc}", code="backend_unavailable") from exc
        if response.status_code != 200:
            raise _error_from(response, response.content)

    def loaded_adapters(self) -> list[str]:
        return sorted(self._loaded)

    async def aclose(self) -> None:
        await self._client.aclose()
        if self._process is not None:
            await asyncio.to_thread(self._process.stop)


async def start_vllm_backend(serving: ServingSettings, trainer: TrainerSettings, paths: Paths) -> VllmBackend:
    """Start vLLM on the configured base model (loopback, a free port) and return the backend in front of it."""
    resolved = await asyncio.to_thread(resolve_model, trainer, paths, serving.model)
    port = free_port()
    process = VllmProcess(
        vllm_command_line(serving, resolved.path, resolved.name, port), port, paths.serving_dir / LOG_FILE
    )
    process.start()
    await process.wait_ready(serving.vllm_startup_timeout_s)
    return VllmBackend(process.url, resolved.name, process)
