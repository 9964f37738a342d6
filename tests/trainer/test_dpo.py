"""trainer/dpo_trainer.py + dpo_config.py: LoRA DPO on conversational preference pairs with tool calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from _trainer_fixtures import DPO_ROWS, tool_call, train, write_dataset
from tracewheel.trainer.dpo_config import DPOMethodConfig
from tracewheel.trainer.dpo_trainer import build_trainer
from tracewheel.trainer.model import load_model, load_tokenizer

from tracewheel.core.errors import TracewheelError


def test_pairs_tokenize_with_tool_calls_in_the_chosen_completion(
    tiny_model_path: Path, tmp_path: Path
) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    trainer = build_trainer(
        load_model(tiny_model_path), tokenizer, DPO_ROWS, DPOMethodConfig(max_steps=1), tmp_path
    )
    example = trainer.train_dataset[0]
    chosen, rejected = tokenizer.decode(example["chosen_ids"]), tokenizer.decode(example["rejected_ids"])
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}' in chosen
    assert "probably sunny" in rejected and "What's the weather" in tokenizer.decode(example["prompt_ids"])
    assert trainer.args.beta == 0.1


def test_dpo_run_registers_candidate(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"dpo": DPO_ROWS})
    config = {"max_steps": 2, "per_device_train_batch_size": 2, "beta": 0.2}
    record = train(trainer_home, "dpo", version, config, tiny_model_path)
    assert record.method == "dpo" and record.hyperparameters["beta"] == 0.2
    assert record.metrics["global_step"] == 2 and (Path(record.path) / "adapter_model.safetensors").exists()


def test_pairs_missing_a_side_are_refused(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"dpo": [{"prompt": DPO_ROWS[0]["prompt"], "chosen": []}]})
    with pytest.raises(TracewheelError, match="dpo row 0 lacks rejected"):
        train(trainer_home, "dpo", version, {"max_steps": 1}, tiny_model_path)


def test_tool_call_arguments_reach_the_tokens_exactly(tiny_model_path: Path, tmp_path: Path) -> None:
    """Different argument keys per row are not merged, and floats are not rounded on their way through Arrow."""
    tokenizer = load_tokenizer(tiny_model_path)
    rows = [
        {
            **DPO_ROWS[0],
            "chosen": [
                {"role": "assistant", "content": "", "tool_calls": [tool_call("get_weather", days=0.6)]}
            ],
        },
        {
            **DPO_ROWS[1],
            "chosen": [
                {"role": "assistant", "content": "", "tool_calls": [tool_call("get_weather", city="Oslo")]}
            ],
        },
    ]
    trainer = build_trainer(
        load_model(tiny_model_path), tokenizer, rows, DPOMethodConfig(max_steps=1), tmp_path
    )
    chosen = [tokenizer.decode(example["chosen_ids"]) for example in trainer.train_dataset]
    assert '"arguments": {"days": 0.6}}' in chosen[0] and '"arguments": {"city": "Oslo"}}' in chosen[1]
