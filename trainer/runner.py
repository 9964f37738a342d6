"""One training run, whatever the method: rows in, a registered candidate adapter out, or nothing at all.

Plug-in contract for a method (sft, dpo, kto, grpo). A method is a module named in ``METHODS`` that exposes:

    KIND: str
        The curator dataset kind it trains on: "sft", "dpo", "kto" or "rewards".
    CONFIG_CLASS: type[MethodConfig]
        Its config dataclass (``trainer/<method>_config.py``), a subclass of ``trainer.base_config.MethodConfig``
        (optimisation, LoRA and checkpoint fields, ``from_mapping``, ``lora_config()``, ``trl_kwargs()``).
    build_trainer(model, tokenizer, rows, config, output_dir) -> transformers.Trainer
        model: a plain ``PreTrainedModel`` from ``trainer.model.load_model`` (placed and typed for the device,
            ``use_cache`` off), or, when the run continues from an adapter (``init_adapter``), a trainable
            ``PeftModel`` holding that adapter's weights. The method attaches LoRA itself by passing
            ``lora_trainer.peft_config(model, config)`` as TRL's ``peft_config``: a fresh ``config.lora_config()``,
            or None for a model already wrapped (TRL must not wrap it twice).
        tokenizer: from ``trainer.model.load_tokenizer`` (tool-aware chat template, pad token set).
        rows: the TRL rows (``curator.versions.training_rows``), non-empty and checked for the kind's keys.
        config: an instance of CONFIG_CLASS.
        output_dir: the run directory; pass it as the TRL config's ``output_dir`` (``config.trl_kwargs`` does) so
            checkpoints land there and ``--resume`` finds them.
        Build only; do not call ``train()``.

``run_training`` does the rest for every method: reads and checks the rows, resolves and loads the model, seeds,
adds the progress bar and the divergence guard (a NaN/inf loss or gradient norm stops the run), trains (resuming
from the run directory's last checkpoint with ``resume``), then saves ``trainer.model`` (a PEFT model) and the
tokenizer into the registry as a candidate. Any failure (exception, divergence, kill) happens before registration,
so it registers nothing and the champion stays as it was. The run directory (checkpoints) lives outside the
registry, under ``settings.resolved_runs_dir(paths.home)``, keyed by the run's inputs; it is removed after a
successful registration unless ``trainer.keep_checkpoints`` is set.

``init_adapter`` (a registered adapter's directory, or any PEFT LoRA directory) makes the run continue training
that adapter's weights instead of a fresh LoRA: its rank and target modules then come from the adapter, not the
config. A registered adapter must have been trained on the same base model. The new record names it in
``hyperparameters["init_adapter"]`` and, when it is registered, as its ``parent``.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import logging
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from tracewheel.curator.versions import training_rows
from tracewheel.trainer import registry
from tracewheel.trainer.base_config import MethodConfig
from tracewheel.trainer.rows import check_rows
from tracewheel.trainer.settings import TrainerSettings

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)

METHODS: dict[str, str] = {
    "sft": "tracewheel.trainer.sft_trainer",
    "dpo": "tracewheel.trainer.dpo_trainer",
    "kto": "tracewheel.trainer.kto_trainer",
    "grpo": "tracewheel.trainer.grpo_trainer",
}


def method_module(method: str) -> ModuleType:
    """Import a method's module; a method whose module is not there is a clear error, not a traceback."""
    if method not in METHODS:
        raise TracewheelError(f"unknown training method {method!r}; choose one of {', '.join(METHODS)}")
    name = METHODS[method]
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise TracewheelError(
            f"{method} training is not available in this build ({name} is missing)"
        ) from exc
    for attr in ("KIND", "CONFIG_CLASS", "build_trainer"):
        if not hasattr(module, attr):
            raise TracewheelError(f"{name} does not implement the method contract: no {attr}")
    return module


def method_config(
    method: str, config: MethodConfig | dict[str, Any] | Path | None = None, **overrides: Any
) -> Any:
    """The method's config from an instance, a mapping, or a TOML/JSON file, with overrides (e.g. max_steps)."""
    cls = method_module(method).CONFIG_CLASS
    if isinstance(config, cls):
        return cls.from_mapping(config.to_dict(), **overrides) if overrides else config
    if isinstance(config, MethodConfig):
        raise TracewheelError(f"{method} needs a {cls.__name__}, got a {type(config).__name__}")
    if isinstance(config, Path | str):
        return cls.from_file(Path(config), **overrides)
    return cls.from_mapping(config, **overrides)


def _run_key(**inputs: Any) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]


@contextmanager
def _run_lock(run_dir: Path) -> Iterator[None]:
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(run_dir.parent / f".{run_dir.name}.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise TracewheelError(f"the same training run is already in progress ({run_dir})") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _last_checkpoint(run_dir: Path) -> str | None:
    """The newest complete checkpoint; newer ones cut short by a kill are removed.

    transformers writes a checkpoint in place, trainer state last, so a checkpoint without ``trainer_state.json``
    is one the process died writing.
    """
    if not run_dir.is_dir():
        return None
    steps = sorted(
        (int(p.name.rsplit("-", 1)[1]), p)
        for p in run_dir.glob("checkpoint-*")
        if p.is_dir() and p.name.rsplit("-", 1)[1].isdigit()
    )
    for _, path in reversed(steps):
        if (path / "trainer_state.json").exists():
            return str(path)
        logger.warning("removing incomplete checkpoint %s", path)
        shutil.rmtree(path, ignore_errors=True)
    return None


def _metrics(trainer: Any, train_metrics: dict[str, Any], rows: int) -> dict[str, Any]:
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    metrics: dict[str, Any] = {k: v for k, v in train_metrics.items() if isinstance(v, int | float)}
    metrics.update({"global_step": trainer.state.global_step, "rows": rows})
    if losses:
        metrics["final_loss"] = losses[-1]
        metrics["first_loss"] = losses[0]
    # Methods that log a reward (GRPO) or preference margins (DPO/KTO) keep their last and mean values too.
    for key in ("reward", "rewards/margins", "rewards/chosen", "rewards/rejected", "kl"):
        values = [e[key] for e in trainer.state.log_history if isinstance(e.get(key), int | float)]
        if values:
            metrics[f"final_{key.replace('/', '_')}"] = values[-1]
            metrics[f"mean_{key.replace('/', '_')}"] = sum(values) / len(values)
    return metrics


def _init_adapter_info(path: Path, base_model: str) -> dict[str, Any]:
    """Check an adapter to continue from; what the new record says about it (``adapter_id`` None: unregistered)."""
    if not (path / "adapter_config.json").is_file():
        raise TracewheelError(f"init adapter {path} is not a LoRA adapter directory (no adapter_config.json)")
    source = registry.read_record(path)
    if source is not None and source.base_model != base_model:
        raise TracewheelError(
            f"init adapter {source.adapter_id} was trained on {source.base_model}, not {base_model}; "
            "continue from an adapter of the same base model, or start from the base"
        )
    try:
        lora = json.loads((path / "adapter_config.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TracewheelError(f"init adapter {path}: unreadable adapter_config.json ({exc})") from exc
    return {
        "adapter_id": source.adapter_id if source else None,
        "path": str(path),
        # The LoRA shape actually trained (the config's lora_* fields do not apply to a continued adapter).
        "lora": {k: lora.get(k) for k in ("r", "lora_alpha", "target_modules")},
    }


def _wrap_with_adapter(model: Any, path: Path) -> Any:
    """The base model with the adapter's LoRA weights attached, trainable (a PeftModel)."""
    from peft import PeftModel

    try:
        return PeftModel.from_pretrained(model, str(path), is_trainable=True)
    except (RuntimeError, ValueError, KeyError) as exc:  # shape mismatches, modules the base does not have
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TracewheelError(f"init adapter {path} does not fit the base model: {first}") from exc


def run_training(
    settings: TrainerSettings,
    paths: Paths,
    method: str,
    tenant: str,
    dataset_version: str,
    config: MethodConfig | dict[str, Any] | Path | None = None,
    model: str | None = None,
    resume: bool = False,
    *,
    reviewed_only: bool = True,
    max_steps: int | None = None,
    console: Console | None = None,
    progress: bool = True,
    callbacks: list[Any] | None = None,
    init_adapter: Path | None = None,
) -> registry.AdapterRecord:
    """Train ``method`` on a dataset version and register the adapter as a candidate; see the module docstring."""
    from tracewheel.trainer.model import load_model_and_tokenizer, resolve_model
    from tracewheel.trainer.progress import DivergenceGuard, LossNotFinite, LossTarget, RichProgressCallback

    registry.check_tenant(tenant)
    module = method_module(method)
    cfg = method_config(method, config, max_steps=max_steps)
    rows = training_rows(
        paths.datasets_dir, tenant, dataset_version, module.KIND, reviewed_only=reviewed_only
    )
    check_rows(rows, module.KIND)
    resolved = resolve_model(settings, paths, model)
    init = _init_adapter_info(Path(init_adapter), resolved.name) if init_adapter is not None else None

    key = _run_key(
        tenant=tenant, method=method, dataset=dataset_version, model=resolved.name,
        config=cfg.to_dict(), reviewed_only=reviewed_only, init_adapter=init,
    )  # fmt: skip
    run_dir = settings.resolved_runs_dir(paths.home) / tenant / f"{method}-{dataset_version}-{key}"
    with _run_lock(run_dir):
        checkpoint = _last_checkpoint(run_dir) if resume else None
        if resume and checkpoint is None:
            logger.warning("--resume: no checkpoint in %s, starting from the beginning", run_dir)
        if checkpoint is None and run_dir.exists():
            shutil.rmtree(run_dir)  # a stale run with the same inputs; without --resume we start clean
        run_dir.mkdir(parents=True, exist_ok=True)

        import transformers
        from transformers.trainer_callback import PrinterCallback

        if settings.num_threads:
            import torch

            torch.set_num_threads(settings.num_threads)
        transformers.set_seed(cfg.seed)  # LoRA init happens while building the trainer, before Trainer seeds
        loaded = load_model_and_tokenizer(settings, paths, model)
        loaded.model.config.use_cache = (
            False  # no KV cache in training; it also keeps packed-sequence masks on
        )
        base = (
            _wrap_with_adapter(loaded.model, Path(init_adapter)) if init_adapter is not None else loaded.model
        )
        trainer = module.build_trainer(base, loaded.tokenizer, rows, cfg, run_dir)
        trainer.remove_callback(PrinterCallback)  # logs go to the Rich bar and the record, not raw dicts
        trainer.add_callback(DivergenceGuard())
        bar = (
            RichProgressCallback(console, description=f"{method} {tenant}/{dataset_version}")
            if progress
            else None
        )
        stop = LossTarget(cfg.stop_loss, cfg.stop_patience) if cfg.stop_loss is not None else None
        for cb in [bar, stop, *(callbacks or [])]:
            if cb is not None:
                trainer.add_callback(cb)
        try:
            result = trainer.train(resume_from_checkpoint=checkpoint)
        except LossNotFinite as exc:
            raise TracewheelError(
                f"{method} training diverged ({exc}); nothing registered, try a lower learning_rate"
            ) from exc
        except (RuntimeError, ValueError, TypeError) as exc:
            logger.debug("training failed", exc_info=True)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TracewheelError(f"{method} training failed: {first}; nothing registered") from exc
        finally:
            if bar is not None:
                bar.close()

        metrics = _metrics(trainer, result.metrics, len(rows))
        if stop is not None and stop.stopped_at is not None:
            metrics["stopped_early_at_step"] = stop.stopped_at
        if checkpoint is not None:
            metrics["resumed_from_step"] = int(Path(checkpoint).name.rsplit("-", 1)[-1])
        if not all(math.isfinite(v) for v in metrics.values() if isinstance(v, float)):
            raise TracewheelError(
                f"{method} training produced non-finite metrics {metrics}; nothing registered"
            )
        current = registry.champion(paths.adapters_dir, tenant)
        record = registry.AdapterRecord(
            adapter_id=registry.new_adapter_id(method),
            tenant=tenant,
            base_model=resolved.name,
            method=method,
            dataset_versions=[dataset_version],
            hyperparameters={**cfg.to_dict(), "reviewed_only": reviewed_only, "init_adapter": init},
            metrics=metrics,
            # Continuing an adapter: that adapter is the parent; a fresh LoRA: the champion it would replace.
            parent=(init["adapter_id"] if init else None) or (current.adapter_id if current else None),
            created_at=datetime.now(UTC),
        )

        def write_files(directory: Path) -> None:
            # Only the trained adapter: DPO continuing an adapter adds a frozen "ref" copy that is not the result.
            trainer.model.save_pretrained(directory, selected_adapters=["default"])
            loaded.tokenizer.save_pretrained(directory)

        registered = registry.register(paths.adapters_dir, record, write_files)
        if not settings.keep_checkpoints:
            shutil.rmtree(run_dir, ignore_errors=True)
        return registered
