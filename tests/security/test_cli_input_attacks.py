"""Hostile or broken input at the CLI edge: each is one `error:` line and exit 1, never a traceback."""

from pathlib import Path

import pytest
from _cli_process import one_line_error, run_tracewheel


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[collector]\nretention_hour = 24\n")
    line = one_line_error(run_tracewheel(tmp_path, "tenants", "list"))
    assert "collector.retention_hour" in line and str(tmp_path / "config.toml") in line


@pytest.mark.parametrize("problem", ["missing", "directory", "not-utf8"])
def test_unusable_config_file_is_aone_line_error(tmp_path: Path, problem: str) -> None:
    config = tmp_path / "tracewheel.toml"
    if problem == "directory":
        config.mkdir()
    elif problem == "not-utf8":
        config.write_bytes(b'[collector]\nhost = "\xff\xfe"\n')
    env = {"TRACEWHEEL_CONFIG": str(config)}
    line = one_line_error(run_tracewheel(tmp_path, "tenants", "list", env=env))
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
def test_a_5000_character_id_is_aone_line_error(tmp_path: Path, command: tuple[str, ...]) -> None:
    one_line_error(run_tracewheel(tmp_path, *command, "f" * 5000))


def test_export_into_a_missing_directory_is_aone_line_error(tmp_path: Path) -> None:
    from tracewheel.curator import versions

    row = versions.DatasetRow("sft", {"messages": [{"role": "user", "content": "hi"}]})
    version = versions.write_version(tmp_path / "datasets", "acme", [row])["version"]
    target = tmp_path / "no" / "such" / "dir" / "rows.jsonl"
    line = one_line_error(run_tracewheel(tmp_path, "datasets", "export", version, "-o", str(target)))
    assert str(target.parent) in line
    exported = tmp_path / "rows.jsonl"
    proc = run_tracewheel(tmp_path, "datasets", "export", version, "--kind", "sft", "-o", str(exported))
    assert proc.returncode == 0 and proc.stdout == "" and "wrote 1 row(s)" in proc.stderr
    assert exported.read_text().count("\n") == 1


def test_an_unusable_home_is_aone_line_error(tmp_path: Path) -> None:
    home = tmp_path / "a-file"
    home.write_text("")
    one_line_error(run_tracewheel(home, "tenants", "create", "acme"))
