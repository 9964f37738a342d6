"""Which adapters each tenant has loaded, under which names, and which one goes when a tenant is over its cap.

A tenant reaches its adapters by two kinds of name: the id of any adapter in its registry
(``paths.adapters_dir/<tenant>/<adapter_id>``, loaded on first use, as LoRAX does), and a ``lora_name`` it gave
an adapter with ``POST /v1/load_lora_adapter`` (vLLM's endpoint; ``lora_path`` must name an adapter of the same
tenant's registry, by id or by its directory: never an arbitrary path from a request). Backend names are
``<tenant>--<adapter_id>``, so one tenant's names can never reach another's weights.

Each tenant may have ``max_adapters_per_tenant`` adapters loaded; loading one more unloads the least recently used
one that is not the tenant's champion (the champion serves most of the tenant's traffic: evicting it would make
every request reload it). A tenant whose cap is taken by its champion alone may have one more loaded.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from pathlib import Path

from tracewheel.serving.backend import Backend
from tracewheel.serving.errors import APIError
from tracewheel.trainer import registry

from tracewheel.core import ids
from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)


def backend_name(tenant: str, adapter_id: str) -> str:
    return f"{tenant}--{adapter_id}"


class AdapterPool:
    def __init__(self, backend: Backend, paths: Paths, max_per_tenant: int) -> None:
        self._backend = backend
        self._paths = paths
        self._cap = max_per_tenant
        self._aliases: dict[str, dict[str, str]] = {}  # tenant -> lora_name -> adapter id
        self._loaded: dict[
            str, OrderedDict[str, None]
        ] = {}  # tenant -> adapter ids, least recently used first
        self._locks: dict[str, asyncio.Lock] = {}

    # --- names --------------------------------------------------------------------------------------------------

    def registered(self, tenant: str) -> list[str]:
        return [r.adapter_id for r in registry.list_adapters(self._paths.adapters_dir, tenant)]

    def aliases(self, tenant: str) -> dict[str, str]:
        return dict(self._aliases.get(tenant, {}))

    def loaded(self, tenant: str) -> list[str]:
        """The tenant's loaded adapter ids, least recently used first."""
        return list(self._loaded.get(tenant, {}))

    def resolve(self, tenant: str, name: str) -> str | None:
        """The adapter id ``name`` means for ``tenant`` (a lora_name it loaded, or a registered id), or None."""
        alias = self._aliases.get(tenant, {}).get(name)
        if alias is not None:
            return alias
        try:
            registry.get(self._paths.adapters_dir, tenant, name)
        except TracewheelError:
            return None
        return name

    def registry_adapter(self, tenant: str, lora_path: str) -> str:
        """The tenant's adapter a ``lora_path`` names: an adapter id, or the path of its directory in the registry."""
        root = (self._paths.adapters_dir / tenant).resolve()
        candidate = lora_path
        if os.sep in lora_path or lora_path.startswith("~"):
            resolved = Path(lora_path).expanduser().resolve()
            if resolved.parent != root:
                raise APIError(
                    404,
                    "lora_path must be an adapter of your registry (its id, or its directory under the registry)",
                    code="adapter_not_found",
                    param="lora_path",
                )
            candidate = resolved.name
        try:
            ids.adapter_id(candidate)
            registry.get(self._paths.adapters_dir, tenant, candidate)
        except TracewheelError as exc:
            raise APIError(
                404, f"no adapter {candidate!r} in your registry", code="adapter_not_found", param="lora_path"
            ) from exc
        return candidate

    # --- loading ------------------------------------------------------------------------------------------------

    def _lock(self, tenant: str) -> asyncio.Lock:
        return self._locks.setdefault(tenant, asyncio.Lock())

    async def acquire(self, tenant: str, adapter_id: str) -> str:
        """The backend name of ``adapter_id``, loading it (and evicting past the cap) if needed."""
        name = backend_name(tenant, adapter_id)
        loaded = self._loaded.setdefault(tenant, OrderedDict())
        if adapter_id in loaded:
            loaded.move_to_end(adapter_id)
            return name
        async with self._lock(tenant):
            if adapter_id in loaded:
                loaded.move_to_end(adapter_id)
                return name
            record = registry.get(self._paths.adapters_dir, tenant, adapter_id)
            await self._evict_for_one_more(tenant)
            try:
                await self._backend.load_adapter(name, Path(record.path))
            except TracewheelError as exc:
                raise APIError(
                    500, f"cannot load adapter {adapter_id}: {exc}", code="adapter_load_failed"
                ) from exc
            loaded[adapter_id] = None
            return name

    async def _evict_for_one_more(self, tenant: str) -> None:
        loaded = self._loaded[tenant]
        if len(loaded) < self._cap:
            return
        champ = registry.champion(self._paths.adapters_dir, tenant)
        protected = champ.adapter_id if champ else None
        for adapter_id in list(loaded):
            if len(loaded) < self._cap:
                return
            if adapter_id == protected:
                continue
            logger.info(
                "tenant %s: unloading %s (least recently used, cap %d)", tenant, adapter_id, self._cap
            )
            await self._unload(tenant, adapter_id)

    async def _unload(self, tenant: str, adapter_id: str) -> None:
        self._loaded[tenant].pop(adapter_id, None)
        await self._backend.unload_adapter(backend_name(tenant, adapter_id))

    async def load_named(self, tenant: str, lora_name: str, lora_path: str) -> str:
        """``POST /v1/load_lora_adapter``: serve the tenant's adapter ``lora_path`` as ``lora_name``."""
        adapter_id = self.registry_adapter(tenant, lora_path)
        await self.acquire(tenant, adapter_id)
        self._aliases.setdefault(tenant, {})[lora_name] = adapter_id
        return adapter_id

    async def unload_named(self, tenant: str, lora_name: str) -> None:
        """``POST /v1/unload_lora_adapter``: drop ``lora_name`` and unload its weights.

        A registered adapter id stays reachable (it loads again on its next request); a lora_name is gone.
        """
        adapter_id = self._aliases.get(tenant, {}).pop(lora_name, None)
        if adapter_id is None:
            adapter_id = self.resolve(tenant, lora_name)
            if adapter_id is None or adapter_id not in self._loaded.get(tenant, {}):
                raise APIError(
                    404,
                    f"no adapter named {lora_name!r} is loaded",
                    code="model_not_found",
                    param="lora_name",
                )
        async with self._lock(tenant):
            if adapter_id in self._loaded.get(tenant, {}):
                await self._unload(tenant, adapter_id)
