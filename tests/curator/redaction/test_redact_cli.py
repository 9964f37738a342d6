"""``tracewheel redact``: JSONL in (file or stdin), redacted JSONL out, bad lines reported with their number.

Through typer's CliRunner: a subprocess of the console script would add seconds of imports for nothing more than
``tracewheel.cli.main.run`` turning the TracewheelError asserted here into "error: ..." and exit 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError

TEXT = "Hi, I'm Maria Garcia (maria.garcia@example.com), key AKIAIOSFODNN7EXAMPLE."


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def lines(*objs: object) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


def test_file_in_jsonl_out(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(lines({"id": 1, "text": TEXT}, {"id": 2, "text": "nothing to see", "meta": {"k": "v"}}))
    result = CliRunner().invoke(app, ["redact", str(source)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == 1
    assert first["text"] == "Hi, I'm <PERSON_1> (<EMAIL_ADDRESS_1>), key <AWS_ACCESS_KEY_1>."
    # Offsets index the ORIGINAL text.
    assert {(e["type"], TEXT[e["start"] : e["end"]]) for e in first["entities"]} == {
        ("PERSON", "Maria Garcia"),
        ("EMAIL_ADDRESS", "maria.garcia@example.com"),
        ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
    }
    assert second == {"id": 2, "text": "nothing to see", "meta": {"k": "v"}, "entities": []}
    assert "redacted 2 line(s), 0 bad" in result.stderr


def test_output_option_writes_a_file(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(lines({"text": TEXT}))
    result = CliRunner().invoke(app, ["redact", str(source), "-o", str(target)])
    assert result.exit_code == 0 and result.stdout == ""
    assert "<EMAIL_ADDRESS_1>" in json.loads(target.read_text())["text"]


def test_bad_lines_are_reported_counted_and_skipped(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(lines({"text": TEXT}, "{not json", '["a list"]', {"text": 42}, "", {"text": "ok"}))
    result = CliRunner().invoke(app, ["redact", str(source)])
    assert isinstance(result.exception, TracewheelError) and "3 bad line(s)" in str(result.exception)
    assert "line 2: not valid JSON" in result.stderr
    assert "line 3: expected a JSON object, got list" in result.stderr
    assert "line 4: missing 'text' string field" in result.stderr
    assert "redacted 2 line(s), 3 bad" in result.stderr
    assert len(result.stdout.splitlines()) == 2  # the good lines are not lost


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["redact", str(tmp_path / "nope.jsonl")])
    assert isinstance(result.exception, TracewheelError) and "no such file" in str(result.exception)


def test_stdin_when_no_file_or_dash() -> None:
    for args in (["redact"], ["redact", "-"]):
        result = CliRunner().invoke(app, args, input=lines({"text": TEXT}))
        assert result.exit_code == 0, result.output
        [out] = [json.loads(line) for line in result.stdout.splitlines()]
        assert out["text"] == "Hi, I'm <PERSON_1> (<EMAIL_ADDRESS_1>), key <AWS_ACCESS_KEY_1>."
