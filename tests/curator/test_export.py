"""curator/export.py and ``tracewheel datasets export``: rows come back from Parquet exactly as they were stored."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from _episode_fixtures import FETCH_TOOL, WEATHER_TOOL
from datasets import load_dataset
from tracewheel.curator.export import export_rows, json_features, rows_dataset
from tracewheel.curator.versions import DatasetRow, read_rows, write_version

from tracewheel.core.errors import TracewheelError

TRACEWHEEL = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tracewheel")


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


SFT = [
    {
        "messages": [
            {"role": "system", "content": "You help."},
            {"role": "user", "content": "Weather in Oslo, and news about it?"},
            # Two calls whose arguments have different keys (and value types) in the same turn.
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [_call("get_weather", x=1), _call("search", q="oslo", limit=3)],
            },
            {"role": "tool", "name": "get_weather", "content": '{"temp_c": 4}'},
            {"role": "tool", "name": "search", "content": "Oslo news"},
            {"role": "assistant", "content": "4 degrees; Oslo news."},
        ],
        "tools": [WEATHER_TOOL, FETCH_TOOL],
    },
    {
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! ✓"}],
        "tools": [],
    },
]
DPO = [
    {
        "prompt": [{"role": "user", "content": "Weather in Lima?"}],
        "chosen": [{"role": "assistant", "content": "", "tool_calls": [_call("get_weather", city="Lima")]}],
        "rejected": [{"role": "assistant", "content": "Probably sunny."}],
        "tools": [WEATHER_TOOL],
    },
    {
        "prompt": [{"role": "user", "content": "Find tapas"}],
        "chosen": [{"role": "assistant", "content": "", "tool_calls": [_call("search", q="tapas")]}],
        "rejected": [{"role": "assistant", "content": "No."}],
        "tools": [FETCH_TOOL],
    },
]
KTO = [
    {
        "prompt": [{"role": "user", "content": "2+2?"}],
        "completion": [{"role": "assistant", "content": "4"}],
        "label": True,
    },
    {
        "prompt": [{"role": "user", "content": "3+3?"}],
        "completion": [{"role": "assistant", "content": "7"}],
        "label": False,
    },
]
REWARDS = [
    {"prompt": [{"role": "user", "content": "17*23?"}], "verifier": {"type": "normalized", "answer": "391"}},
    {
        "prompt": [{"role": "user", "content": "Weather in Oslo?"}],
        "verifier": {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Oslo"}},
    },
    {
        "prompt": [{"role": "user", "content": "1.5 + 1?"}],
        "verifier": {"type": "numeric", "answer": 2.5, "tolerance": 0.01},
    },
]
KINDS = {"sft": SFT, "dpo": DPO, "kto": KTO, "rewards": REWARDS}


def _load(path: Path) -> list[dict[str, Any]]:
    return list(load_dataset("parquet", data_files=str(path), split="train"))


@pytest.mark.parametrize("kind", KINDS)
def test_parquet_rows_load_back_identical_to_the_jsonl_export(kind: str, tmp_path: Path) -> None:
    rows = KINDS[kind]
    export_rows(rows, tmp_path / "rows.parquet", "parquet")
    export_rows(rows, tmp_path / "rows.jsonl", "jsonl")
    from_jsonl = [
        json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert from_jsonl == rows
    assert _load(tmp_path / "rows.parquet") == rows


def test_tool_call_arguments_are_not_merged_into_one_struct(tmp_path: Path) -> None:
    export_rows(SFT, tmp_path / "sft.parquet", "parquet")
    calls = _load(tmp_path / "sft.parquet")[0]["messages"][2]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == [{"x": 1}, {"q": "oslo", "limit": 3}]
    # Any Parquet reader sees the free-form values as JSON text (Arrow's json extension type over strings).
    messages = pq.read_table(tmp_path / "sft.parquet").column("messages").to_pylist()[0]
    assert json.loads(messages[2]) == SFT[0]["messages"][2]


def test_whole_versions_with_lineage_round_trip_through_the_version_store(tmp_path: Path) -> None:
    datasets_dir = tmp_path / "datasets"
    stored = [
        DatasetRow(kind=k, data=r, lineage={"trace_ids": [f"t{i}"]})
        for k, rs in KINDS.items()
        for i, r in enumerate(rs)
    ]  # type: ignore[arg-type]
    version = write_version(datasets_dir, "acme", stored)["version"]
    records = [
        {"kind": r.kind, "row_id": r.row_id, "data": r.data, "lineage": r.lineage, "decision": None}
        for kind in KINDS
        for r in read_rows(datasets_dir, "acme", version, kind)  # type: ignore[arg-type]
    ]
    export_rows(records, tmp_path / "all.parquet", "parquet")
    assert _load(tmp_path / "all.parquet") == records
    features = json_features(records)
    assert str(features["kind"]) == "Value('string')" and str(features["data"]) == "Json(decode=True)"


def test_scalar_columns_keep_their_types_and_the_trainer_dataset_matches(tmp_path: Path) -> None:
    features = json_features(KTO)
    assert str(features["label"]) == "Value('bool')" and str(features["prompt"]) == "List(Json(decode=True))"
    assert list(rows_dataset(DPO)) == DPO  # what DPO/KTO/GRPO train on: the same rows, not struct-padded ones


def test_missing_directory_and_unknown_format_are_tracewheel_errors(tmp_path: Path) -> None:
    with pytest.raises(TracewheelError, match="does not exist"):
        export_rows(SFT, tmp_path / "nope" / "sft.parquet", "parquet")
    with pytest.raises(TracewheelError, match="format"):
        export_rows(SFT, tmp_path / "sft.csv", "csv")  # type: ignore[arg-type]


def test_cli_export_parquet_round_trips_and_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "TRACEWHEEL_HOME": str(home)}
    rows = [DatasetRow(kind="sft", data=r, lineage={"trace_ids": ["t"]}) for r in SFT]
    version = write_version(home / "datasets", "acme", rows)["version"]

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        command = [TRACEWHEEL, "datasets", "export", version, "--kind", "sft", "--format", "parquet", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    done = export("-o", str(tmp_path / "sft.parquet"))
    assert done.returncode == 0, done.stderr
    canonical = lambda r: json.dumps(r, sort_keys=True)  # noqa: E731  # the store keeps rows in row-id order
    assert sorted(_load(tmp_path / "sft.parquet"), key=canonical) == sorted(SFT, key=canonical)
    failed = export("-o", str(tmp_path / "missing" / "sft.parquet"))
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines() == [
        f"error: cannot write {tmp_path / 'missing' / 'sft.parquet'}: directory {tmp_path / 'missing'} does not exist"
    ]


def test_floats_the_datasets_decoder_would_change_are_refused_not_corrupted(tmp_path: Path) -> None:
    row = {"prompt": [{"role": "user", "content": "t?"}], "verifier": {"type": "numeric", "answer": 0.6}}
    # datasets' own Json decoding (pandas ujson) reads 0.6 as 0.6000000000000001: Parquet refuses, JSONL is exact.
    with pytest.raises(TracewheelError, match="row 0 would not load back.*--format jsonl"):
        export_rows([row], tmp_path / "r.parquet", "parquet")
    assert not (tmp_path / "r.parquet").exists()
    export_rows([row], tmp_path / "r.jsonl", "jsonl")
    assert json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8")) == row
    # The trainer's datasets decode with Python's json: exact, also 1/3 (which datasets would store as 10 digits).
    exact = {**row, "verifier": {"type": "numeric", "answer": 1 / 3}}
    assert list(rows_dataset([row, exact])) == [row, exact]
