"""trainer/model.py: resolving, loading (offline, with the tool-aware template), the tiny model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _trainer_fixtures import SFT_ROWS, WEATHER_TOOL
from tracewheel.trainer.chat_template import chatml_tool_template
from tracewheel.trainer.model import (
    EMBEDDED_DIRNAME,
    build_tiny_model,
    device_placement,
    ensure_embedded_model,
    load_model,
    load_model_and_tokenizer,
    load_tokenizer,
    resolve_model,
)
from tracewheel.trainer.settings import EMBEDDED_MODEL
from trl.chat_template_utils import supports_tool_calling

from tracewheel.core.errors import TracewheelError


def test_tiny_model_shares_smollm2_tokenizer_and_loads_on_cpu(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    model = load_model(tiny_model_path)
    config = json.loads((tiny_model_path / "config.json").read_text())
    assert config["num_hidden_layers"] == 2 and config["hidden_size"] == 64
    assert model.config.vocab_size == len(tokenizer) == 49152
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token is not None
    assert str(model.dtype) == "torch.float32" and model.device.type == "cpu"
    # Built once: a second call returns the same directory without rebuilding it.
    mtime = (tiny_model_path / "model.safetensors").stat().st_mtime
    assert build_tiny_model(tiny_model_path.parent.parent) == tiny_model_path
    assert (tiny_model_path / "model.safetensors").stat().st_mtime == mtime


def test_tiny_model_carries_the_tool_template_and_loading_leaves_the_environment_alone(
    tiny_model_path: Path,
) -> None:
    before = dict(os.environ)
    tokenizer = load_tokenizer(tiny_model_path)
    load_model(tiny_model_path)
    assert dict(os.environ) == before  # offline through local_files_only, not by setting HF_HUB_OFFLINE
    # Saved with the template ensure_tool_chat_template installs on SmolLM2's tokenizer, so it is kept as is.
    assert tokenizer.chat_template == chatml_tool_template() and supports_tool_calling(tokenizer)
    assert tokenizer.response_template is not None


def test_template_renders_tools_calls_and_results_and_masks_assistant_turns(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    row = SFT_ROWS[0]
    text = tokenizer.apply_chat_template(row["messages"], tools=row["tools"], tokenize=False)
    assert json.dumps(WEATHER_TOOL) in text
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>' in text
    assert '<tool_response>\n{"temp_c": 18, "sky": "clear"}\n</tool_response>' in text
    encoded = tokenizer.apply_chat_template(
        row["messages"], tools=row["tools"], return_dict=True, return_assistant_tokens_mask=True
    )
    learned = tokenizer.decode(
        [t for t, m in zip(encoded["input_ids"], encoded["assistant_masks"], strict=True) if m]
    )
    assert "get_weather" in learned and "It is 18 degrees and clear in Paris.<|im_end|>" in learned
    assert (
        "temp_c" not in learned and "What's the weather" not in learned and "weather assistant" not in learned
    )


def test_generated_tool_calls_parse_back(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    parsed = tokenizer.parse_response(
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call><|im_end|>',
        prefix="<|im_start|>assistant\n",
    )
    assert parsed["tool_calls"] == [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}
    ]


def test_resolve_model_local_dir_missing_dir_and_uncached_hub_id(
    trainer_home, tiny_model_path: Path, tmp_path
) -> None:
    resolved = resolve_model(trainer_home.trainer, trainer_home.paths, str(tiny_model_path))
    assert resolved.path == str(tiny_model_path.resolve()) and resolved.name == resolved.path
    with pytest.raises(TracewheelError, match="no such directory"):
        resolve_model(trainer_home.trainer, trainer_home.paths, str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(TracewheelError, match="no config.json"):
        resolve_model(trainer_home.trainer, trainer_home.paths, str(tmp_path / "empty"))
    with pytest.raises(TracewheelError, match="does not download models"):
        resolve_model(
            trainer_home.trainer, trainer_home.paths, "tracewheel-tests/definitely-not-cached-model"
        )


def test_cpu_placement_is_float32_without_device_map() -> None:
    placement = device_placement()
    assert placement.device == "cpu" and str(placement.dtype) == "torch.float32"
    assert placement.device_map is None and placement.bf16 is False


@pytest.mark.slow
def test_embedded_model_converted_once_into_home_and_renders_tools(trainer_home) -> None:
    path = ensure_embedded_model(trainer_home.trainer, trainer_home.paths.models_dir)
    assert path == trainer_home.paths.models_dir / EMBEDDED_DIRNAME
    config = json.loads((path / "config.json").read_text())
    assert "quantization_config" not in config and config["num_hidden_layers"] == 30
    assert ensure_embedded_model(trainer_home.trainer, trainer_home.paths.models_dir) == path  # idempotent
    loaded = load_model_and_tokenizer(
        trainer_home.trainer, trainer_home.paths
    )  # the default model is the embedded one
    assert loaded.resolved.name == EMBEDDED_MODEL
    assert supports_tool_calling(loaded.tokenizer)
    prompt = loaded.tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = loaded.model.generate(**prompt, max_new_tokens=8, do_sample=False)
    answer = loaded.tokenizer.decode(out[0, prompt["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "Paris" in answer  # the dequantized weights are the real model, not noise
