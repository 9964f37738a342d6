"""GRPO: verifier rewards drive LoRA updates on the tiny model; gameable verifiers stop the run before training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _trainer_fixtures import WEATHER_TOOL, write_dataset
from safetensors.torch import load_file
from tracewheel.trainer import registry
from tracewheel.trainer.grpo_config import GRPOMethodConfig
from tracewheel.trainer.grpo_trainer import build_trainer, reward_dataset_rows
from tracewheel.trainer.model import load_tokenizer
from tracewheel.trainer.runner import run_training
from transformers import TrainerCallback

from tracewheel.config import Settings
from tracewheel.core.errors import TracewheelError

TENANT = "acme"


def _sum_rows() -> list[dict[str, Any]]:
    # Half the answers are 7 and half 1: one constant answer winning most tasks is itself a gameable reward.
    return [
        {
            "prompt": [{"role": "user", "content": f"What is {a} plus {b}? Reply with the number only."}],
            "verifier": {"type": "numeric", "answer": a + b},
        }
        for a, b in [(3, 4), (2, 5), (0, 1), (1, 0)]
    ]


def _steer_to_digits(tokenizer: Any) -> list[int]:
    """Token ids the tiny random model may NOT sample: everything but "7", "1" (the answers) and end-of-sequence.

    A random-init model almost never writes a right answer, so every group would score 0 and GRPO would have
    no advantage to learn from; restricted to these tokens and one token long, about a third of completions are
    exactly "7", so a group of 4 almost always mixes right and wrong.
    """
    keep = {tokenizer.encode("7")[0], tokenizer.encode("1")[0], tokenizer.eos_token_id}
    return [i for i in range(len(tokenizer)) if i not in keep]


class _Logs(TrainerCallback):
    def __init__(self) -> None:
        self.logs: list[dict[str, float]] = []

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        if logs:
            self.logs.append(dict(logs))


def test_grpo_trains_on_verifier_rewards_and_registers_an_adapter(
    trainer_home: Settings, tiny_model_path: Path
) -> None:
    version = write_dataset(trainer_home, TENANT, {"rewards": _sum_rows()})
    tokenizer = load_tokenizer(tiny_model_path)
    config = {
        "max_steps": 2,
        "per_device_train_batch_size": 8,
        "max_completion_length": 1,
        "beta": 0.0,
        "learning_rate": 1e-2,
        "save_steps": 100,
        "trl_args": {"generation_kwargs": {"suppress_tokens": _steer_to_digits(tokenizer)}},
    }
    logs = _Logs()
    record = run_training(
        trainer_home.trainer,
        trainer_home.paths,
        "grpo",
        TENANT,
        version,
        config,
        model=str(tiny_model_path),
        progress=False,
        callbacks=[logs],
    )
    assert record.method == "grpo" and record.status == registry.AdapterStatus.CANDIDATE
    assert record.metrics["global_step"] == 2
    steps = [log for log in logs.logs if "rewards/verifier_reward/mean" in log]
    assert len(steps) == 2
    # The verifier's rewards reached the trainer: some completions were right, some wrong.
    assert any(0 < log["rewards/verifier_reward/mean"] < 1 for log in steps)
    assert any(log["reward_std"] > 0 for log in steps)
    weights = load_file(Path(record.path) / "adapter_model.safetensors")
    lora_b = [t for name, t in weights.items() if "lora_B" in name]
    assert lora_b and any(t.abs().sum() > 0 for t in lora_b), "LoRA B starts at zero; a GRPO update moves it"


def test_gameable_verifier_stops_the_run_before_training(
    trainer_home: Settings, tiny_model_path: Path
) -> None:
    rows = _sum_rows() + [
        {
            "prompt": [{"role": "user", "content": "Pick A, B, C or D."}],
            "verifier": {"type": "regex", "pattern": "[A-D]"},
        }
    ]
    version = write_dataset(trainer_home, TENANT, {"rewards": rows})
    with pytest.raises(TracewheelError) as info:
        run_training(
            trainer_home.trainer,
            trainer_home.paths,
            "grpo",
            TENANT,
            version,
            {"max_steps": 1},
            model=str(tiny_model_path),
            progress=False,
        )
    message = str(info.value)
    assert "gameable" in message and "regex(pattern=[A-D])" in message and "many candidates" in message
    assert "got reward 1" in message
    assert registry.list_adapters(trainer_home.paths.adapters_dir, TENANT) == []


def test_reward_rows_are_checked_and_specs_travel_as_json(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    rows = reward_dataset_rows(_sum_rows()[:1], tokenizer)
    assert json.loads(rows[0]["verifier"]) == {"type": "numeric", "answer": 7}
    assert rows[0]["prompt"][0]["role"] == "user"  # conversational: TRL applies the template
    with pytest.raises(TracewheelError, match="rewards row 1 has no verifier"):
        reward_dataset_rows([_sum_rows()[0], {"prompt": [{"role": "user", "content": "hi"}]}], tokenizer)
    with pytest.raises(TracewheelError, match="rewards row 0 has a bad verifier.*tolerance"):
        reward_dataset_rows(
            [{**_sum_rows()[0], "verifier": {"type": "numeric", "answer": 1, "tolerance": -1}}], tokenizer
        )


def test_rows_with_tools_are_rendered_with_their_own_tools(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    row = {
        "prompt": [{"role": "user", "content": "Weather in Oslo?"}],
        "tools": [WEATHER_TOOL],
        "verifier": {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Oslo"}},
    }
    rendered = reward_dataset_rows([row, _sum_rows()[0]], tokenizer)
    assert isinstance(rendered[0]["prompt"], str) and "get_weather" in rendered[0]["prompt"]
    assert "get_weather" not in rendered[1]["prompt"]


def test_config_refuses_groups_that_do_not_divide_the_batch() -> None:
    with pytest.raises(TracewheelError, match="num_generations"):
        GRPOMethodConfig.from_mapping({"num_generations": 3})
    with pytest.raises(TracewheelError, match="num_generations"):
        GRPOMethodConfig.from_mapping({"num_generations": 1, "per_device_train_batch_size": 1})


def test_build_trainer_wires_the_verifier_reward(tiny_model_path: Path, tmp_path: Path) -> None:
    from tracewheel.trainer.model import load_model

    from tracewheel.core.verifiers import verifier_reward

    trainer = build_trainer(
        load_model(tiny_model_path),
        load_tokenizer(tiny_model_path),
        _sum_rows(),
        GRPOMethodConfig(),
        tmp_path,
    )
    assert trainer.reward_funcs == [verifier_reward]
    assert trainer.args.num_generations == 4 and trainer.args.max_completion_length == 64
    assert set(trainer.train_dataset.column_names) == {"prompt", "verifier"}
