"""Helpers for the serving tests: a tracewheel home with tenants and registered adapters, a real uvicorn server.

- ``serving_home(tmp_path, **serving)`` -> Settings of a fresh home (canary monitor off, ``serving`` overrides).
- ``register_adapter(settings, tenant, source_dir, status=...)`` -> adapter id: copies a PEFT adapter into the
  tenant's registry, as the trainer would have registered it.
- ``running_server(app)``: uvicorn on an ephemeral loopback port in a thread; yields the base URL (``.../v1``).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from tracewheel.collector.tenants import create_tenant
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterRecord, AdapterStatus

from tracewheel.config import Settings, load_settings


def serving_home(tmp_path: Path, **serving: Any) -> Settings:
    environ = {"TRACEWHEEL_HOME": str(tmp_path / "home"), "TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS": "0"}
    environ |= {f"TRACEWHEEL_SERVING__{k.upper()}": str(v) for k, v in serving.items()}
    return load_settings(environ, config_file=None)


def new_tenant(settings: Settings, name: str) -> str:
    """Create a tenant; returns its API key."""
    return create_tenant(settings.paths.tenants_file, name).api_key


def register_adapter(settings: Settings, tenant: str, source: Path, *, champion: bool = False) -> str:
    record = AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"),
        tenant=tenant,
        base_model="tiny-llama",
        method="sft",
        dataset_versions=[],
        hyperparameters={},
        created_at=datetime.now(UTC),
    )
    registry.register(
        settings.paths.adapters_dir, record, lambda tmp: shutil.copytree(source, tmp, dirs_exist_ok=True)
    )
    if champion:
        registry.transition(settings.paths.adapters_dir, tenant, record.adapter_id, AdapterStatus.CHAMPION)
    return record.adapter_id


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
