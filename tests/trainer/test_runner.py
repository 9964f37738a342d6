"""trainer/runner.py: the method contract, failure handling (nothing registered), configs, review filtering."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from _trainer_fixtures import SFT_ROWS, train, write_dataset
from tracewheel.curator.versions import read_rows, record_decision
from tracewheel.trainer import registry, runner
from tracewheel.trainer.registry import AdapterRecord, AdapterStatus
from tracewheel.trainer.runner import method_config, run_training
from tracewheel.trainer.sft_config import SFTMethodConfig
from transformers import TrainerCallback

from tracewheel.core.errors import TracewheelError


def _champion(settings) -> AdapterRecord:
    record = AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"), tenant="acme", base_model="x", method="sft",
        dataset_versions=["ds-old"], hyperparameters={}, created_at=datetime.now(UTC),
    )  # fmt: skip
    registry.register(
        settings.paths.adapters_dir, record, lambda d: (d / "adapter_model.safetensors").write_bytes(b"w")
    )
    return registry.transition(settings.paths.adapters_dir, "acme", record.adapter_id, AdapterStatus.CHAMPION)


def _only_the_champion_remains(settings, champ: AdapterRecord) -> None:
    records = registry.list_adapters(settings.paths.adapters_dir, "acme")
    assert [(r.adapter_id, r.status) for r in records] == [(champ.adapter_id, AdapterStatus.CHAMPION)]
    assert [
        p.name for p in (settings.paths.adapters_dir / "acme").iterdir() if not p.name.startswith(".")
    ] == [champ.adapter_id]


def test_nan_loss_registers_nothing_and_keeps_the_champion(trainer_home, tiny_model_path: Path) -> None:
    champ = _champion(trainer_home)
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    with pytest.raises(TracewheelError, match=r"diverged \((loss|grad_norm) is (nan|inf)") as info:
        train(trainer_home, "sft", version, {"max_steps": 4, "learning_rate": 1e38}, tiny_model_path)
    assert "\n" not in str(info.value)
    _only_the_champion_remains(trainer_home, champ)


class _Boom(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN003
        raise RuntimeError("simulated device failure\nwith detail")


def test_exception_mid_run_registers_nothing(trainer_home, tiny_model_path: Path) -> None:
    champ = _champion(trainer_home)
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    with pytest.raises(
        TracewheelError, match="sft training failed: simulated device failure; nothing registered"
    ):
        train(trainer_home, "sft", version, {"max_steps": 2}, tiny_model_path, callbacks=[_Boom()])
    _only_the_champion_remains(trainer_home, champ)


def test_new_adapter_records_the_champion_as_parent(trainer_home, tiny_model_path: Path) -> None:
    champ = _champion(trainer_home)
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    record = train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path)
    assert record.parent == champ.adapter_id and record.status == AdapterStatus.CANDIDATE
    assert registry.champion(trainer_home.paths.adapters_dir, "acme").adapter_id == champ.adapter_id
    assert not list((trainer_home.home / "runs" / "acme").glob("sft-*/checkpoint-*"))  # cleaned after success


def test_only_reviewed_rows_unless_all_rows(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS}, accept=False)
    with pytest.raises(TracewheelError, match="no sft rows.*--all-rows"):
        train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path)
    rows = read_rows(trainer_home.paths.datasets_dir, "acme", version, "sft")
    record_decision(trainer_home.paths.datasets_dir, "acme", version, rows[0].row_id, "reject")
    record = train(trainer_home, "sft", version, {"max_steps": 1}, tiny_model_path, reviewed_only=False)
    assert record.metrics["rows"] == len(SFT_ROWS) - 1  # rejected rows are never trained on
    assert record.hyperparameters["reviewed_only"] is False


def test_missing_method_module_is_a_clear_error(trainer_home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runner.METHODS, "grpo", "tracewheel.trainer.no_such_grpo_trainer")
    with pytest.raises(TracewheelError, match="grpo training is not available"):
        run_training(trainer_home.trainer, trainer_home.paths, "grpo", "acme", "ds-x")
    with pytest.raises(TracewheelError, match="unknown training method 'ppo'"):
        run_training(trainer_home.trainer, trainer_home.paths, "ppo", "acme", "ds-x")
    with pytest.raises(TracewheelError, match="dataset version 'ds-x' not found"):
        run_training(trainer_home.trainer, trainer_home.paths, "sft", "acme", "ds-x")


def test_config_from_toml_file_with_overrides_and_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "sft.toml"
    path.write_text('lora_r = 4\nlearning_rate = 1e-3\nlora_target_modules = ["q_proj", "v_proj"]\n')
    cfg = method_config("sft", path, max_steps=7)
    assert isinstance(cfg, SFTMethodConfig)
    assert (cfg.lora_r, cfg.learning_rate, cfg.max_steps) == (4, 1e-3, 7)
    assert cfg.lora_config().target_modules == {"q_proj", "v_proj"}
    path.write_text("lora_rank = 4\n")
    with pytest.raises(TracewheelError, match="lora_rank"):
        method_config("sft", path)
    with pytest.raises(TracewheelError, match="not valid TOML"):
        (tmp_path / "bad.toml").write_text("lora_r = = 4")
        method_config("sft", tmp_path / "bad.toml")
    with pytest.raises(TracewheelError, match="learning_rate"):
        method_config("dpo", {"learning_rate": "fast"})


def test_loss_target_stops_early_and_the_record_says_when(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    config = {"max_steps": 6, "per_device_train_batch_size": 2, "stop_loss": 1e9, "stop_patience": 2}
    record = train(trainer_home, "sft", version, config, tiny_model_path)
    assert record.metrics["global_step"] == 2 and record.metrics["stopped_early_at_step"] == 2
    unreachable = train(trainer_home, "sft", version, {**config, "stop_loss": 0.0}, tiny_model_path)
    assert unreachable.metrics["global_step"] == 6 and "stopped_early_at_step" not in unreachable.metrics
