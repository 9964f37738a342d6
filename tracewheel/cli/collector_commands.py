"""CLI commands of the collector stage: ``tenants create|list`` and ``collector``."""

from __future__ import annotations

from typing import Annotated

import typer

from tracewheel.cli.common import JsonOpt, err_console, print_json, settings

app = typer.Typer()
tenants = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)
app.add_typer(tenants, name="tenants")


@tenants.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Tenant name: a-z, 0-9, '_' or '-', up to 63 characters.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print {name, api_key} as JSON.")] = False,
) -> None:
    """Create a tenant and print its API key (shown only this once)."""
    from tracewheel.collector.tenants import create_tenant

    created = create_tenant(settings().paths.tenants_file, name)
    if json_out:
        print_json(created)
    else:
        # The key alone on stdout, so that ``KEY=$(tracewheel tenants create acme)`` captures just the key.
        err_console.print(f"created tenant [bold]{created.name}[/bold]; its API key (shown once):")
        print(created.api_key)


@tenants.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """List tenants (names and creation times; keys are stored only as hashes)."""
    from tracewheel.collector.tenants import list_tenants

    items = list_tenants(settings().paths.tenants_file)
    if json_out:
        print_json(items)
        return
    if not items:
        err_console.print("no tenants yet: tracewheel tenants create NAME")
    for t in items:
        print(f"{t.name}\t{t.created_at}")


@app.command("collector")
def collector(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: collector.host).")] = None,
    http_port: Annotated[int | None, typer.Option(help="OTLP/HTTP port (default 4318).")] = None,
    grpc_port: Annotated[int | None, typer.Option(help="OTLP/gRPC port (default 4317).")] = None,
) -> None:
    """Run the OTLP collector (HTTP + gRPC) until SIGTERM/Ctrl-C."""
    from tracewheel.collector.server import Endpoints, run_collector

    def ready(e: Endpoints) -> None:
        err_console.print(
            f"collector listening: OTLP/HTTP http://{e.host}:{e.http_port}  OTLP/gRPC {e.host}:{e.grpc_port}",
            highlight=False,
        )

    cfg = settings()
    run_collector(
        cfg.collector, cfg.paths, host=host, http_port=http_port, grpc_port=grpc_port, on_ready=ready
    )
