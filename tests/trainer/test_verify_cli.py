"""`tracewheel verify`: scores JSONL lines, reports bad lines by number, probes verifiers with --probe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

LINES = [
    {"completion": "Working...\nAnswer: 42", "verifier": {"type": "numeric", "answer": 42}},
    {"completion": "41", "verifier": {"type": "numeric", "answer": 42}},
    "this is not json",
    {
        "completion": {
            "role": "assistant",
            "tool_calls": [
                {
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"unit": "C", "city": "Oslo"}'},
                }
            ],
        },
        "verifier": {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Oslo", "unit": "C"}},
    },
    {"completion": "x", "verifier": {"type": "numeric"}},
    {"verifier": {"type": "exact", "answer": "A"}},
    {"completion": "PARIS", "verifier": {"type": "normalized", "answer": "paris"}},
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "TRACEWHEEL_HOME": str(tmp_path / "home")}


def _write(path: Path, lines: list) -> Path:
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n")
    return path


def _tracewheel(
    args: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracewheel", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_verify_scores_good_lines_and_counts_bad_ones(tmp_path: Path, env: dict[str, str]) -> None:
    result = _tracewheel(["verify", str(_write(tmp_path / "in.jsonl", LINES))], env)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["line"], o["reward"]) for o in out] == [(1, 1.0), (2, 0.0), (4, 1.0), (7, 1.0)]
    assert all(o["reason"] for o in out)
    assert "line 3: not valid JSON" in result.stderr
    assert "line 5: bad verifier" in result.stderr and "answer" in result.stderr
    assert "line 6: missing 'completion'" in result.stderr
    assert "3 bad" in result.stderr
    assert result.returncode == 1


def test_verify_reads_stdin_and_exits_0_when_all_lines_are_good(env: dict[str, str]) -> None:
    good = [LINES[0], LINES[6]]
    stdin = "\n".join(json.dumps(line) for line in good) + "\n"
    result = _tracewheel(["verify"], env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["reward"] for line in result.stdout.splitlines()] == [1.0, 1.0]


def test_verify_probe_reports_gameable_verifiers(tmp_path: Path, env: dict[str, str]) -> None:
    lines = [
        {
            "verifier": {"type": "numeric", "answer": 42},
            "prompt": [{"role": "user", "content": "What is 6*7?"}],
        },
        {"verifier": {"type": "json_schema", "schema": {"type": "object"}}},
    ]
    result = _tracewheel(["verify", "--probe", "--json", str(_write(tmp_path / "specs.jsonl", lines))], env)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["verifiers"] == 2 and report["failures"]
    assert {f["verifier"] for f in report["failures"]} == {"#1 json_schema"}
    assert any(f["probe"] == "master key '{}'" and f["reward"] == 1.0 for f in report["failures"])
    human = _tracewheel(["verify", "--probe", str(tmp_path / "specs.jsonl")], env)
    assert "1 gameable" in human.stderr and "failed probe" in human.stderr


def test_verify_missing_file_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    result = _tracewheel(["verify", str(tmp_path / "nope.jsonl")], env)
    assert result.returncode == 1
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_verify_probe_catches_lenient_specs_past_the_eighth(tmp_path: Path, env: dict[str, str]) -> None:
    sound = [{"verifier": {"type": "exact", "answer": f"city-{i}"}} for i in range(9)]
    lenient = [
        {"verifier": {"type": "regex", "pattern": "[0-9]{2}"}},
        {"verifier": {"type": "regex", "pattern": "(?i)(yes|no)"}},
        {"verifier": {"type": "numeric", "answer": 3, "tolerance": 10}},
        {"verifier": {"type": "json_schema", "schema": {"properties": {"a": {"type": "string"}}}}},
    ]
    result = _tracewheel(
        ["verify", "--probe", "--json", str(_write(tmp_path / "specs.jsonl", sound + lenient))], env
    )
    assert result.returncode == 1
    flagged = {f["verifier"].split(" ")[0] for f in json.loads(result.stdout)["failures"]}
    assert flagged == {"#9", "#10", "#11", "#12"}
