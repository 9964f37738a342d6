"""Commands: ``tracewheel serve`` (the OpenAI-compatible server) and ``tracewheel models`` (what a tenant can call)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracewheel.cli.common import JsonOpt, console, err_console, print_json, settings

app = typer.Typer()


@app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default: serving.host, 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default: serving.port, 8000).")] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="peft: adapters on one base in this process; vllm: a vLLM server behind tracewheel."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Base model (embedded:..., a local directory, a cached hub id); default: the trainer's."
        ),
    ] = None,
) -> None:
    """Serve the base model and every tenant's adapters with the OpenAI API until SIGTERM/Ctrl-C."""
    import uvicorn

    from tracewheel.core.errors import TracewheelError
    from tracewheel.serving.app import create_app

    cfg = settings()
    if backend is not None and backend not in ("peft", "vllm"):
        raise TracewheelError(f"--backend {backend}: use peft or vllm")
    update: dict[str, object] = {k: v for k, v in {"host": host, "port": port, "model": model}.items() if v}
    if backend is not None:
        update["backend"] = backend
    cfg = cfg.model_copy(update={"serving": cfg.serving.model_copy(update=update)})
    serving = cfg.serving
    err_console.print(
        f"serving the OpenAI API on http://{serving.host}:{serving.port}/v1 "
        f"(backend {serving.backend}, main model name {serving.main_model!r}); loading the model...",
        highlight=False,
    )
    uvicorn.run(create_app(cfg), host=serving.host, port=serving.port, log_level="info")


@app.command("models")
def models(
    tenant: Annotated[str | None, typer.Option(help="Tenant (default: trainer.default_tenant).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The model names a tenant can call: the base, the main alias and its registered adapters."""
    from rich.table import Table

    from tracewheel.serving.canary import route_main_model
    from tracewheel.trainer import registry
    from tracewheel.trainer.settings import EMBEDDED_MODEL

    cfg = settings()
    name = tenant or cfg.trainer.default_tenant
    base = cfg.serving.model or cfg.trainer.default_model
    # The served name without loading anything (resolve_model would convert the embedded model).
    if base == "embedded":
        base = EMBEDDED_MODEL
    elif Path(base).expanduser().exists():
        base = str(Path(base).expanduser().resolve())
    route = route_main_model(cfg.paths, name, None)
    rows = [
        {"id": base, "parent": None, "status": "base"},
        {"id": cfg.serving.main_model, "parent": base, "status": f"alias -> {route.adapter or 'base'}"},
    ]
    rows += [
        {"id": r.adapter_id, "parent": base, "status": str(r.status)}
        for r in registry.list_adapters(cfg.paths.adapters_dir, name)
    ]
    if json_out:
        print_json({"tenant": name, "models": rows})
        return
    table = Table("model", "parent", "status", title=f"models of tenant {name}")
    for row in rows:
        table.add_row(row["id"], row["parent"] or "", row["status"])
    console.print(table)
