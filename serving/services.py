"""What the routes share, owned by the app's lifespan: the backend, the adapter pool, tenants, tracing, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request
from tracewheel.collector.tenants import TenantResolver
from tracewheel.curator.settings import CuratorSettings
from tracewheel.serving.adapter_pool import AdapterPool
from tracewheel.serving.backend import Backend
from tracewheel.serving.errors import APIError
from tracewheel.serving.settings import ServingSettings
from tracewheel.serving.tracing import ServerTracing
from tracewheel.trainer.settings import TrainerSettings

from tracewheel.core.paths import Paths


class AppSettings(Protocol):
    """The parts of tracewheel's ``Settings`` the server reads (serving may not import the config module)."""

    serving: ServingSettings
    trainer: TrainerSettings
    curator: CuratorSettings  # outcome rules the canary monitor scores served traffic with
    paths: Paths


@dataclass
class Services:
    settings: AppSettings
    backend: Backend
    pool: AdapterPool
    tenants: TenantResolver
    tracing: ServerTracing
    started: bool = field(default=True)


def services(request: Request) -> Services:
    found = getattr(request.app.state, "services", None)
    if found is None:
        raise APIError(503, "the server is starting", code="starting")
    return found


def bearer_key(request: Request) -> str | None:
    scheme, _, key = request.headers.get("authorization", "").strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def tenant_of(request: Request) -> str:
    """The tenant owning the request's API key (``Authorization: Bearer <key>``), the collector's keys."""
    svc = services(request)
    key = bearer_key(request)
    tenant = svc.tenants.resolve(key)
    if tenant is None or key is None:
        raise APIError(
            401, "missing or unknown API key (send 'Authorization: Bearer <key>')", code="invalid_api_key"
        )
    svc.tracing.remember_key(tenant, key)
    return tenant
