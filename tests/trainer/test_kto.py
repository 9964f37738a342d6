"""trainer/kto_trainer.py + kto_config.py: LoRA KTO on single thumbs up/down."""

from __future__ import annotations

from pathlib import Path

import pytest
from _trainer_fixtures import KTO_ROWS, train, write_dataset

from tracewheel.core.errors import TracewheelError


def test_kto_run_registers_candidate(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"kto": KTO_ROWS})
    config = {"max_steps": 2, "per_device_train_batch_size": 2, "desirable_weight": 1.2}
    record = train(trainer_home, "kto", version, config, tiny_model_path)
    assert record.method == "kto" and record.hyperparameters["desirable_weight"] == 1.2
    assert record.metrics["global_step"] == 2 and record.metrics["rows"] == len(KTO_ROWS)


def test_kto_needs_two_rows_per_batch_and_boolean_labels(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"kto": KTO_ROWS})
    with pytest.raises(TracewheelError, match="per_device_train_batch_size >= 2"):
        train(trainer_home, "kto", version, {"per_device_train_batch_size": 1}, tiny_model_path)
    bad = write_dataset(trainer_home, "acme", {"kto": [{**KTO_ROWS[0], "label": "yes"}, KTO_ROWS[1]]})
    with pytest.raises(TracewheelError, match="boolean label"):
        train(trainer_home, "kto", bad, {"max_steps": 1}, tiny_model_path)
