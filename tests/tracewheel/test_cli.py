"""The CLI edge: one-line errors, non-zero exits, every stage's commands present."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _tracewheel(
    home: Path, *args: str, env: dict[str, str] | None = None, columns: str | None = "200"
) -> subprocess.CompletedProcess:
    environ = {**os.environ, "TRACEWHEEL_HOME": str(home), **(env or {})}
    environ.pop("COLUMNS", None)
    if columns is not None:
        environ["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "tracewheel", *args], env=environ, capture_output=True, text=True, timeout=120
    )


def test_every_stage_registers_its_commands(tmp_path: Path) -> None:
    out = _tracewheel(tmp_path, "--help").stdout
    for command in (
        "tenants",
        "collector",
        "episodes",
        "traces",
        "curate",
        "datasets",
        "redact",
        "screen",
        "train",
        "adapters",
        "verify",
    ):
        assert command in out, command


def test_tracewheel_error_is_one_line_and_exit_1(tmp_path: Path) -> None:
    proc = _tracewheel(tmp_path, "episodes", "show", "no-such-episode")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:")


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector]\nhttp_port = -3\n")
    proc = _tracewheel(tmp_path, "tenants", "list", "--json")
    assert proc.returncode == 1
    assert "collector.http_port" in proc.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    proc = _tracewheel(tmp_path, "no-such-command")
    assert proc.returncode == 2


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector]\nretention_hour = 24\n")
    line = _one_line_error(_tracewheel(tmp_path, "tenants", "list"))
    assert "collector.retention_hour" in line and str(tmp_path / "config.toml") in line


@pytest.mark.parametrize("problem", ["missing", "directory", "not-utf8"])
def test_unusable_config_file_is_a_one_line_error(tmp_path: Path, problem: str) -> None:
    config = tmp_path / "tracewheel.toml"
    if problem == "directory":
        config.mkdir()
    elif problem == "not-utf8":
        config.write_bytes(b'[collector]\nhost = "\xff\xfe"\n')
    env = {"TRACEWHEEL_CONFIG": str(config)}
    line = _one_line_error(_tracewheel(tmp_path, "tenants", "list", env=env))
    assert str(config) in line


@pytest.mark.parametrize(
    "command",
    [
        ("episodes", "show"),
        ("traces", "show"),
        ("datasets", "show"),
        ("datasets", "export"),
        ("adapters", "show"),
    ],
)
def test_a_5000_character_id_is_a_one_line_error(tmp_path: Path, command: tuple[str, ...]) -> None:
    _one_line_error(_tracewheel(tmp_path, *command, "f" * 5000))


def test_export_into_a_missing_directory_is_a_one_line_error(tmp_path: Path) -> None:
    from tracewheel.curator import versions

    row = versions.DatasetRow("sft", {"messages": [{"role": "user", "content": "hi"}]})
    version = versions.write_version(tmp_path / "datasets", "acme", [row])["version"]
    target = tmp_path / "no" / "such" / "dir" / "rows.jsonl"
    line = _one_line_error(_tracewheel(tmp_path, "datasets", "export", version, "-o", str(target)))
    assert str(target.parent) in line
    exported = tmp_path / "rows.jsonl"
    proc = _tracewheel(tmp_path, "datasets", "export", version, "--kind", "sft", "-o", str(exported))
    assert proc.returncode == 0 and proc.stdout == "" and "wrote 1 row(s)" in proc.stderr
    assert exported.read_text().count("\n") == 1


def test_an_unusable_home_is_a_one_line_error(tmp_path: Path) -> None:
    home = tmp_path / "a-file"
    home.write_text("")
    _one_line_error(_tracewheel(home, "tenants", "create", "acme"))


def test_log_level_comes_from_settings(tmp_path: Path) -> None:
    line = _one_line_error(_tracewheel(tmp_path, "tenants", "list", env={"TRACEWHEEL_LOG_LEVEL": "chatty"}))
    assert "log_level" in line and "TRACEWHEEL_LOG_LEVEL" in line


def test_tenants_list_rows_go_to_stdout_whole(tmp_path: Path) -> None:
    long_name = "t" * 63
    assert _tracewheel(tmp_path, "tenants", "create", long_name).returncode == 0
    assert _tracewheel(tmp_path, "tenants", "create", "acme").returncode == 0
    proc = _tracewheel(tmp_path, "tenants", "list", columns=None)
    assert proc.returncode == 0 and proc.stderr == ""
    assert [line.split("\t")[0] for line in proc.stdout.splitlines()] == [long_name, "acme"]


def test_the_api_key_alone_goes_to_stdout(tmp_path: Path) -> None:
    proc = _tracewheel(tmp_path, "tenants", "create", "acme")
    assert proc.returncode == 0 and proc.stdout.strip().startswith("tw_") and len(proc.stdout.split()) == 1
    assert "created tenant acme" in proc.stderr
