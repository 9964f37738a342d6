"""``GET /healthz`` (and vLLM's ``/health``): no key needed; 503 until the model is loaded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from tracewheel.serving.services import services

router = APIRouter()


@router.get("/healthz")
@router.get("/health")
async def healthz(request: Request) -> dict[str, Any]:
    svc = services(request)
    return {"status": "ok", "base_model": svc.backend.base_model, "backend": svc.settings.serving.backend}
