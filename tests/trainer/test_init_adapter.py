"""run_training(init_adapter=...) and ``tracewheel train --init-adapter``: training continues from an adapter's
weights (not a fresh LoRA), the record names the adapter, and an adapter of another base model is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import torch
from _trainer_fixtures import SFT_ROWS, train, write_dataset
from safetensors.torch import load_file
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterRecord
from transformers import TrainerCallback
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError


class _LoraAtStart(TrainerCallback):
    """The LoRA B matrices as training begins (before the first optimizer step)."""

    def __init__(self) -> None:
        self.weights: dict[str, torch.Tensor] = {}

    def on_train_begin(self, args, state, control, model=None, **kwargs):  # noqa: ANN001, ANN003
        self.weights = {
            name.replace(".default", ""): p.detach().clone()
            for name, p in model.named_parameters()
            if "lora_B" in name
        }


def _saved_b(adapter: AdapterRecord) -> dict[str, torch.Tensor]:
    saved = load_file(str(Path(adapter.path) / "adapter_model.safetensors"))
    return {k: v for k, v in saved.items() if "lora_B" in k}


def test_training_continues_from_the_adapter_weights(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    source = train(trainer_home, "sft", version, {"max_steps": 2, "learning_rate": 1e-2}, tiny_model_path)
    source_b = _saved_b(source)
    assert source_b and all(t.abs().sum() > 0 for t in source_b.values())  # trained: B moved off zero

    fresh = _LoraAtStart()
    train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path, callbacks=[fresh])
    assert all(t.abs().sum() == 0 for t in fresh.weights.values())  # a fresh LoRA starts at B = 0

    started = _LoraAtStart()
    record = train(
        trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path,
        callbacks=[started], init_adapter=Path(source.path),
    )  # fmt: skip
    assert started.weights.keys() == source_b.keys()
    for name, weight in source_b.items():
        assert torch.equal(started.weights[name], weight), name
    assert record.parent == source.adapter_id
    assert record.hyperparameters["init_adapter"]["adapter_id"] == source.adapter_id
    assert record.hyperparameters["init_adapter"]["lora"]["r"] == 16
    continued = _saved_b(record)
    assert continued.keys() == source_b.keys()
    assert any(not torch.equal(continued[k], source_b[k]) for k in source_b)  # and it kept training


def test_adapter_of_another_base_model_is_refused(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    other = AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"), tenant="acme", base_model="some/other-model",
        method="sft", dataset_versions=["ds-old"], hyperparameters={}, created_at=datetime.now(UTC),
    )  # fmt: skip
    other = registry.register(
        trainer_home.paths.adapters_dir,
        other,
        lambda d: (d / "adapter_config.json").write_text(json.dumps({"r": 4})),
    )
    with pytest.raises(TracewheelError, match="trained on some/other-model, not .*same base model"):
        train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path, init_adapter=Path(other.path))
    with pytest.raises(TracewheelError, match="not a LoRA adapter directory"):
        train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path, init_adapter=trainer_home.home)
    assert [r.adapter_id for r in registry.list_adapters(trainer_home.paths.adapters_dir, "acme")] == [
        other.adapter_id
    ]


def test_cli_init_adapter_by_id(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    source = train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path)
    cli = CliRunner()
    base = ["train", "sft", "--dataset", version, "--tenant", "acme", "--model", str(tiny_model_path)]
    result = cli.invoke(app, [*base, "--max-steps", "1", "--init-adapter", source.adapter_id, "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["parent"] == source.adapter_id
    assert record["hyperparameters"]["init_adapter"]["path"] == source.path
    missing = cli.invoke(app, [*base, "--init-adapter", "ad-20990101-000000-sft-abcdef"])
    assert missing.exit_code != 0 and "not found for tenant acme" in str(missing.exception)
