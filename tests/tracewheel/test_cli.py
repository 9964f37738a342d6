"""The CLI edge: one-line errors, non-zero exits, every stage's commands present."""

import os
import subprocess
import sys
from pathlib import Path


def _tracewheel(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEWHEEL_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "tracewheel", *args], env=env, capture_output=True, text=True)


def test_every_stage_registers_its_commands(tmp_path: Path) -> None:
    out = _tracewheel(tmp_path, "--help").stdout
    for command in ("tenants", "collector", "episodes", "traces", "curate", "datasets", "redact", "screen",
                    "train", "adapters", "verify"):
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
