"""The OpenAI-compatible server: ``create_app(settings)``, a FastAPI app whose lifespan owns the backend.

    app = create_app(settings)                       # tracewheel's Settings (serving, trainer, paths)
    app = create_app(settings, backend=PeftBackend(engine), span_exporter=InMemorySpanExporter())   # tests

Routes (``serving/routes/``, one router per resource as in vLLM's OpenAI server): ``POST /v1/chat/completions``,
``GET /v1/models``, ``POST /v1/load_lora_adapter`` / ``/v1/unload_lora_adapter``, ``GET /healthz``. The lifespan
opens the backend (the PEFT engine in this process, or a vLLM server it starts), runs the canary monitor when
``serving.canary_check_seconds > 0``, and closes both on shutdown. A backend passed in is the caller's: the app
uses it and leaves it open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from opentelemetry.sdk.trace.export import SpanExporter
from tracewheel.collector.tenants import TenantResolver
from tracewheel.serving.adapter_pool import AdapterPool
from tracewheel.serving.backend import Backend
from tracewheel.serving.canary_monitor import monitor_canaries
from tracewheel.serving.errors import install_handlers
from tracewheel.serving.routes import adapters, chat, health, models
from tracewheel.serving.services import AppSettings, Services
from tracewheel.serving.tracing import ServerTracing

logger = logging.getLogger(__name__)


async def open_backend(settings: AppSettings) -> Backend:
    """The configured backend: the PEFT engine (loaded in a thread) or a vLLM server started as a subprocess."""
    if settings.serving.backend == "vllm":
        from tracewheel.serving.vllm_backend import start_vllm_backend

        return await start_vllm_backend(settings.serving, settings.trainer, settings.paths)
    from tracewheel.serving.engine import open_engine
    from tracewheel.serving.peft_backend import PeftBackend

    engine = await asyncio.to_thread(open_engine, settings.serving, settings.trainer, settings.paths)
    return PeftBackend(engine)


def create_app(
    settings: AppSettings, *, backend: Backend | None = None, span_exporter: SpanExporter | None = None
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = backend is None
        active = await open_backend(settings) if backend is None else backend
        tracing = ServerTracing(span_exporter)
        app.state.services = Services(
            settings=settings,
            backend=active,
            pool=AdapterPool(active, settings.paths, settings.serving.max_adapters_per_tenant),
            tenants=TenantResolver(settings.paths.tenants_file),
            tracing=tracing,
        )
        stop = asyncio.Event()
        monitor = None
        if settings.serving.canary_check_seconds > 0:
            monitor = asyncio.create_task(
                monitor_canaries(settings.serving, settings.paths, stop, settings.curator)
            )
        try:
            yield
        finally:
            stop.set()
            if monitor is not None:
                await monitor
            app.state.services = None
            if owned:
                await active.aclose()
            tracing.shutdown()

    app = FastAPI(title="tracewheel", lifespan=lifespan)
    install_handlers(app)
    for module in (chat, models, adapters, health):
        app.include_router(module.router)
    return app
