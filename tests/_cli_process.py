"""The real `tracewheel` command in a subprocess, and the shape of its one-line errors."""

import os
import subprocess
import sys
from pathlib import Path


def run_tracewheel(
    home: Path, *args: str, env: dict[str, str] | None = None, columns: str | None = "200"
) -> subprocess.CompletedProcess:
    environ = {**os.environ, "TRACEWHEEL_HOME": str(home), **(env or {})}
    environ.pop("COLUMNS", None)
    if columns is not None:
        environ["COLUMNS"] = columns
    return subprocess.run(
        [sys.executable, "-m", "tracewheel", *args], env=environ, capture_output=True, text=True, timeout=120
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]
