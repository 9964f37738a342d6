"""CLI commands of the collector stage: ``tenants create|list|revoke-key|delete`` and ``collector``."""

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


@tenants.command("revoke-key")
def revoke_key_command(
    name: Annotated[str, typer.Argument(help="Tenant whose key to revoke.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print {name, api_key} as JSON.")] = False,
) -> None:
    """Revoke a tenant's API key and print its new one (shown only this once).

    A running collector refuses the old key from its next request on; nothing needs a restart.
    """
    from tracewheel.collector.tenants import revoke_key

    created = revoke_key(settings().paths.tenants_file, name)
    if json_out:
        print_json(created)
    else:
        err_console.print(
            f"revoked the key of tenant [bold]{created.name}[/bold]; its new API key (shown once):"
        )
        print(created.api_key)


@tenants.command("delete")
def delete_command(
    name: Annotated[str, typer.Argument(help="Tenant to delete with all of its data.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete a tenant: its key, raw traces (WAL, Parquet, dead letters), datasets, adapters, runs and eval suites.

    The collector must be stopped (its shutdown flushes the WAL); the tenant's key is refused at once.
    """
    from tracewheel.cli.forget import forget_tenant
    from tracewheel.core import ids

    ids.tenant_name(name, "tenant")
    if not yes:
        typer.confirm(f"Delete tenant {name!r} and every byte of its data? This cannot be undone", abort=True)
    out = forget_tenant(settings(), name)
    if json_out:
        print_json(out.to_dict())
        return
    err_console.print(
        f"deleted tenant [bold]{name}[/bold]: key {'removed' if out.tenant_entry else 'was not there'}, "
        f"{out.raw_files} raw file(s), datasets {'removed' if out.datasets_dir else 'none'}, "
        f"adapters {'removed' if out.adapters_dir else 'none'}, {len(out.run_dirs)} run dir(s)",
        highlight=False,
    )


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
