"""``GET /v1/models``: the base model, the tenant's main alias, and the tenant's adapters with their ``parent``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from tracewheel.serving.canary import BASE
from tracewheel.serving.protocol import ModelCard, ModelList
from tracewheel.serving.services import services, tenant_of
from tracewheel.trainer import registry

router = APIRouter()


@router.get("/v1/models", response_model_exclude_none=True)
async def list_models(request: Request, tenant: str = Depends(tenant_of)) -> ModelList:
    svc = services(request)
    base = svc.backend.base_model
    champion = registry.champion(svc.settings.paths.adapters_dir, tenant)
    cards = [
        ModelCard(id=base, root=base),
        # The alias's root is what it routes to outside a canary's share.
        ModelCard(
            id=svc.settings.serving.main_model, root=champion.adapter_id if champion else BASE, parent=base
        ),
    ]
    named = svc.pool.aliases(tenant)
    for adapter_id in svc.pool.registered(tenant):
        cards.append(ModelCard(id=adapter_id, root=adapter_id, parent=base, owned_by=tenant))
    for name, adapter_id in sorted(named.items()):
        if name not in {c.id for c in cards}:
            cards.append(ModelCard(id=name, root=adapter_id, parent=base, owned_by=tenant))
    return ModelList(data=cards)
