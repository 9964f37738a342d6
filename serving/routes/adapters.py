"""vLLM's run-time LoRA endpoints, per tenant: ``POST /v1/load_lora_adapter`` and ``/v1/unload_lora_adapter``.

Bodies and answers as vLLM's (``{"lora_name", "lora_path"}``, a plain-text success line), with one difference
that tenancy needs: ``lora_path`` names an adapter of the caller's registry (its id or its directory), never an
arbitrary path on the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse
from tracewheel.serving.errors import APIError
from tracewheel.serving.protocol import LoadLoraAdapterRequest, UnloadLoraAdapterRequest
from tracewheel.serving.services import services, tenant_of

router = APIRouter()


@router.post("/v1/load_lora_adapter", response_class=PlainTextResponse)
async def load_lora_adapter(
    body: LoadLoraAdapterRequest, request: Request, tenant: str = Depends(tenant_of)
) -> str:
    svc = services(request)
    if body.lora_name in (svc.backend.base_model, svc.settings.serving.main_model):
        raise APIError(
            400, f"{body.lora_name!r} is a reserved model name", code="invalid_value", param="lora_name"
        )
    await svc.pool.load_named(tenant, body.lora_name, body.lora_path)
    return f"Success: LoRA adapter '{body.lora_name}' added successfully."


@router.post("/v1/unload_lora_adapter", response_class=PlainTextResponse)
async def unload_lora_adapter(
    body: UnloadLoraAdapterRequest, request: Request, tenant: str = Depends(tenant_of)
) -> str:
    await services(request).pool.unload_named(tenant, body.lora_name)
    return f"Success: LoRA adapter '{body.lora_name}' removed successfully."
