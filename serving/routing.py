"""Which model answers a request: the base, one of the tenant's adapters, or the main alias's champion/canary."""

from __future__ import annotations

from dataclasses import dataclass

from tracewheel.serving.canary import BASE, route_main_model
from tracewheel.serving.errors import APIError, not_found
from tracewheel.serving.services import Services

from tracewheel.core.errors import TracewheelError


@dataclass(frozen=True)
class Target:
    adapter_id: str | None  # None: the base model
    canary: bool  # the main alias sent this request to its canary candidate

    @property
    def label(self) -> str:
        """``tracewheel.adapter`` of the server's span: the adapter id, or "base"."""
        return self.adapter_id or BASE


def resolve_target(svc: Services, tenant: str, model: str, sticky_key: str | None) -> Target:
    serving = svc.settings.serving
    if model == serving.main_model:
        decision = route_main_model(svc.settings.paths, tenant, sticky_key)
        return Target(decision.adapter, decision.canary)
    if model == svc.backend.base_model:
        return Target(None, False)
    adapter_id = svc.pool.resolve(tenant, model)
    if adapter_id is None:
        raise not_found(model)  # another tenant's adapter is as unknown as one that never existed
    return Target(adapter_id, False)


async def backend_adapter(svc: Services, tenant: str, target: Target) -> str | None:
    """The backend's name for the target's adapter, loading it if needed (None: the base model)."""
    if target.adapter_id is None:
        return None
    try:
        return await svc.pool.acquire(tenant, target.adapter_id)
    except TracewheelError as exc:  # the registry lost it between routing and loading
        raise APIError(404, str(exc), code="model_not_found", param="model") from exc
