"""CLI commands of the trainer stage: ``tracewheel train {sft,dpo,kto,grpo}`` and ``tracewheel adapters``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracewheel.cli.common import JsonOpt, console, err_console, print_json, settings
from tracewheel.core.errors import TracewheelError

TenantOpt = Annotated[
    str | None,
    typer.Option("--tenant", envvar="TRACEWHEEL_TENANT", help="Tenant (default: trainer.default_tenant)."),
]

_METHOD_HELP = {
    "sft": "LoRA SFT on successful episodes (dataset kind 'sft', assistant turns only).",
    "dpo": "LoRA DPO on preference pairs (dataset kind 'dpo').",
    "kto": "LoRA KTO on single thumbs up/down (dataset kind 'kto').",
    "grpo": "GRPO with verifiable rewards (dataset kind 'rewards').",
}


def _quiet_libraries(log_level: str) -> None:
    # The CLI shows one Rich progress bar; library chatter (datasets' map bars, deprecation notes) hides it.
    # (Nothing here needs the network: models load with local_files_only, so no HF_*_OFFLINE is set.)
    if log_level != "DEBUG":
        import logging
        import warnings

        import datasets
        import transformers

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        logging.getLogger("trl").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning)


def _train_command(method: str):
    def command(
        dataset: Annotated[str, typer.Option("--dataset", help="Dataset version id (ds-...).")],
        tenant: TenantOpt = None,
        model: Annotated[
            str | None,
            typer.Option(
                "--model", help="Base model: HF id in the local cache, local dir, or embedded default."
            ),
        ] = None,
        max_steps: Annotated[
            int | None, typer.Option("--max-steps", help="Stop after N optimizer steps.")
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                help="TOML/JSON file of the method config's fields (see trainer/<method>_config.py).",
            ),
        ] = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="Continue an interrupted run from its last checkpoint.")
        ] = False,
        all_rows: Annotated[
            bool,
            typer.Option(
                "--all-rows", "--unreviewed", help="Also train on rows with no review decision yet."
            ),
        ] = False,
        init_adapter: Annotated[
            str | None,
            typer.Option(
                "--init-adapter",
                help="Continue training this adapter (id in the tenant's registry) instead of a fresh LoRA.",
            ),
        ] = None,
        json_out: JsonOpt = False,
    ) -> None:
        from tracewheel.trainer import registry
        from tracewheel.trainer.runner import run_training

        s = settings()
        _quiet_libraries(s.log_level)
        tenant = tenant or s.trainer.default_tenant
        init_path = (
            Path(registry.find(s.paths.adapters_dir, init_adapter, tenant).path) if init_adapter else None
        )
        try:
            record = run_training(
                s.trainer,
                s.paths,
                method,
                tenant,
                dataset,
                config,
                model,
                resume,
                reviewed_only=not all_rows,
                max_steps=max_steps,
                console=err_console,
                init_adapter=init_path,
            )
        except KeyboardInterrupt:
            raise TracewheelError(
                f"{method} training interrupted; nothing registered (continue with --resume)"
            ) from None
        if json_out:
            print_json(record)
        else:
            loss = record.metrics.get("final_loss")
            console.print(
                f"registered {record.status} [bold]{record.adapter_id}[/bold] for tenant {record.tenant} "
                f"({method}, {record.metrics.get('global_step')} steps"
                + (f", final loss {loss:.4f}" if isinstance(loss, float) else "")
                + f") at {record.path}"
            )

    command.__doc__ = _METHOD_HELP[method]
    return command


app = typer.Typer()
train = typer.Typer(
    help="Train a LoRA adapter on a dataset version; registers a candidate.", no_args_is_help=True
)
for _method in _METHOD_HELP:
    train.command(_method, help=_METHOD_HELP[_method])(_train_command(_method))
adapters = typer.Typer(help="The adapter registry (per tenant).", no_args_is_help=True)
app.add_typer(train, name="train")
app.add_typer(adapters, name="adapters")


@adapters.command("list")
def list_cmd(
    tenant: TenantOpt = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="Only adapters in this status (candidate/champion/retired)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List a tenant's adapters, oldest first."""
    from tracewheel.trainer import registry

    s = settings()
    records = registry.list_adapters(s.paths.adapters_dir, tenant or s.trainer.default_tenant)
    if status is not None:
        try:
            wanted = registry.AdapterStatus(status)
        except ValueError:
            raise TracewheelError(
                f"--status must be one of {', '.join(registry.AdapterStatus)}, got {status!r}"
            ) from None
        records = [r for r in records if r.status == wanted]
    if json_out:
        print_json(records)
        return
    from rich.table import Table

    table = Table("adapter", "status", "method", "base model", "datasets", "final loss", "created")
    for r in records:
        loss = r.metrics.get("final_loss")
        table.add_row(
            r.adapter_id,
            r.status,
            r.method,
            r.base_model,
            ",".join(r.dataset_versions),
            f"{loss:.4f}" if isinstance(loss, float) else "-",
            r.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@adapters.command("show")
def show_cmd(
    adapter_id: Annotated[str, typer.Argument(help="Adapter id (ad-...).")],
    tenant: TenantOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show one adapter's record."""
    from tracewheel.trainer import registry

    s = settings()
    record = registry.find(s.paths.adapters_dir, adapter_id, tenant)
    if json_out:
        print_json(record)
    else:
        console.print_json(record.model_dump_json())
