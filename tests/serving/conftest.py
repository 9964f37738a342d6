"""Serving test fixtures.

- ``serving_cache_dir`` / ``tiny_model_path`` (session): the tiny random-init Llama with SmolLM2's tokenizer and
  tool-aware template (``trainer/model.py: build_tiny_model``), built once per machine in the download cache.
- ``random_adapters`` (session): three PEFT LoRA adapters with random weights on the tiny model, each changing its
  output visibly (``serving/random_adapter.py``).
- ``engine`` (module): a ``PeftEngine`` on the tiny model; tests that load adapters unload them again.
- ``_one_torch_thread`` (autouse): torch on one thread (a 2-core machine shared with other test processes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracewheel.serving.engine import PeftEngine
from tracewheel.serving.random_adapter import save_random_adapter
from tracewheel.trainer.model import build_tiny_model, load_model, load_tokenizer


@pytest.fixture(scope="session")
def serving_cache_dir() -> Path:
    return Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()


@pytest.fixture(scope="session")
def tiny_model_path(serving_cache_dir: Path) -> Path:
    return build_tiny_model(serving_cache_dir)


@pytest.fixture(scope="session")
def random_adapters(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("adapters")
    return {f"ad{i}": save_random_adapter(tiny_model_path, root / f"ad{i}", seed=i, rank=4) for i in range(3)}


@pytest.fixture(scope="module")
def engine(tiny_model_path: Path) -> Iterator[PeftEngine]:
    engine = PeftEngine(load_model(tiny_model_path), load_tokenizer(tiny_model_path), "tiny-llama")
    yield engine
    engine.close()


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
