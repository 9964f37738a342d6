"""Rows and dataset helpers shared by the trainer tests (a uniquely named module: every test folder may have
its own ``conftest``, so tests import data from here, never from ``conftest``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _tool_specs import function_tool
from tracewheel.curator.versions import DatasetRow, record_decision, write_version
from tracewheel.trainer.registry import AdapterRecord
from tracewheel.trainer.runner import run_training

from tracewheel.config import Settings

WEATHER_TOOL = function_tool("get_weather", "Current weather for a city.", "city")


def tool_call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def _weather_episode(city: str, temp: int) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a weather assistant."},
        {"role": "user", "content": f"What's the weather in {city}?"},
        {"role": "assistant", "content": "", "tool_calls": [tool_call("get_weather", city=city)]},
        {"role": "tool", "name": "get_weather", "content": f'{{"temp_c": {temp}, "sky": "clear"}}'},
        {"role": "assistant", "content": f"It is {temp} degrees and clear in {city}."},
    ]


_CITIES = [("Paris", 18), ("Oslo", 4), ("Lima", 22), ("Cairo", 31), ("Quito", 13), ("Perth", 25)]

SFT_ROWS: list[dict[str, Any]] = [
    {"messages": _weather_episode(c, t), "tools": [WEATHER_TOOL]} for c, t in _CITIES
]

DPO_ROWS: list[dict[str, Any]] = [
    {
        "prompt": _weather_episode(c, t)[:2],
        "chosen": [{"role": "assistant", "content": "", "tool_calls": [tool_call("get_weather", city=c)]}],
        "rejected": [{"role": "assistant", "content": f"It is probably sunny in {c}."}],
    }
    for c, t in _CITIES
]

KTO_ROWS: list[dict[str, Any]] = [
    {
        "prompt": _weather_episode(c, t)[:4],
        "completion": [
            {"role": "assistant", "content": f"It is {t if i % 2 == 0 else t + 40} degrees in {c}."}
        ],
        "label": i % 2 == 0,
    }
    for i, (c, t) in enumerate(_CITIES)
]


def write_dataset(
    settings: Settings, tenant: str, rows: dict[str, list[dict[str, Any]]], accept: bool = True
) -> str:
    """Write a dataset version (``{"sft": [...], "dpo": [...]}``); with ``accept``, accept every row.

    Reward rows' verifiers count as the operator's, as curation records for specs from ``[curator.tasks.<task>]``.
    """
    lineage = {"reason": "test fixture", "verifier_source": "operator"}
    dataset_rows = [
        DatasetRow(kind=kind, data=data, lineage={"trace_ids": [f"t{i}"], **lineage})  # type: ignore[arg-type]
        for kind, kind_rows in rows.items()
        for i, data in enumerate(kind_rows)
    ]
    manifest = write_version(settings.paths.datasets_dir, tenant, dataset_rows)
    if accept:
        for row in dataset_rows:
            record_decision(settings.paths.datasets_dir, tenant, manifest["version"], row.row_id, "accept")
    return manifest["version"]


def train(
    settings: Settings,
    method: str,
    version: str,
    hyperparameters: dict[str, Any],
    model_path: Path,
    **kwargs: Any,
) -> AdapterRecord:
    """``run_training`` for tenant ``acme`` on the model at ``model_path``, without the progress bar."""
    return run_training(
        settings.trainer,
        settings.paths,
        method,
        "acme",
        version,
        hyperparameters,
        str(model_path),
        progress=False,
        **kwargs,
    )
