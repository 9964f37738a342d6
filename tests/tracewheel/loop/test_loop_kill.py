"""A real ``tracewheel run`` killed with SIGKILL during training: the lock is free again, ``cycles list`` says the
cycle was interrupted, and the next ``run`` resumes the same cycle at its training step from the killed run's last
checkpoint, then finishes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from _loop_fixtures import TENANT, arithmetic_runs, loop_env
from tracewheel.trainer.model import build_tiny_model

TRACEWHEEL = str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "tracewheel")


def _wait_for(condition, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_killed_cycle_resumes_its_training_from_the_last_checkpoint(tmp_path, monkeypatch) -> None:
    tiny = build_tiny_model(
        Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    )
    home = tmp_path / "home"
    settings = loop_env(monkeypatch, home, tiny)
    config = home / "config.toml"
    config.write_text(
        config.read_text().replace(
            "max_steps = 1", "max_steps = 600\ntrain_config = {sft = {save_steps = 20}}"
        )
    )
    arithmetic_runs(settings, 40)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}

    proc = subprocess.Popen(
        [TRACEWHEEL, "run", "--tenant", TENANT], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_for(
            lambda: any(
                p.parent.name.startswith("checkpoint-") for p in (home / "runs").rglob("trainer_state.json")
            )
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    (path,) = (home / "cycles" / TENANT).glob("cyc-*.json")
    killed = json.loads(path.read_text())
    assert killed["step"] == "train" and killed["outcome"] == "running"

    listed = subprocess.run(
        [TRACEWHEEL, "cycles", "list", "--tenant", TENANT], env=env, capture_output=True, text=True
    )
    assert "interrupted" in listed.stdout  # the lock died with its process

    done = subprocess.run(
        [TRACEWHEEL, "run", "--tenant", TENANT, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    cycle = json.loads(done.stdout)
    assert cycle["cycle_id"] == killed["cycle_id"] and cycle["outcome"] == "promoted"
    steps = [(s["step"], s["ok"]) for s in cycle["steps"]]
    assert steps == [
        ("curate", True),
        ("review", True),
        ("select", True),
        ("train", False),
        ("train", True),
        ("evaluate", True),
        ("gate", True),
    ]
    assert cycle["steps"][3]["error"].startswith("interrupted")
    assert cycle["steps"][4]["outputs"]["metrics"]["resumed_from_step"] >= 20
