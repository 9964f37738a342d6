"""``tracewheel train`` and ``tracewheel adapters``: in process through CliRunner, and as real processes for
the failure paths (one-line error on divergence; SIGKILL mid-run, then --resume)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from _trainer_fixtures import SFT_ROWS, write_dataset
from tracewheel.trainer import registry
from typer.testing import CliRunner

from tracewheel.cli.main import app


def test_train_then_list_and_show(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    cli = CliRunner()
    result = cli.invoke(
        app,
        ["train", "sft", "--dataset", version, "--tenant", "acme", "--model", str(tiny_model_path),
         "--max-steps", "1", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert (
        record["method"] == "sft"
        and record["status"] == "candidate"
        and record["metrics"]["global_step"] == 1
    )
    listed = json.loads(cli.invoke(app, ["adapters", "list", "--tenant", "acme", "--json"]).stdout)
    assert [r["adapter_id"] for r in listed] == [record["adapter_id"]]
    assert (
        json.loads(
            cli.invoke(app, ["adapters", "list", "--tenant", "acme", "--status", "champion", "--json"]).stdout
        )
        == []
    )
    shown = json.loads(cli.invoke(app, ["adapters", "show", record["adapter_id"], "--json"]).stdout)
    assert shown["hyperparameters"] == record["hyperparameters"]


def _env(settings) -> dict[str, str]:
    return {
        **os.environ,
        "TRACEWHEEL_HOME": str(settings.home),
        "TRACEWHEEL_TRAINER__CACHE_DIR": str(settings.trainer.resolved_cache_dir()),
        "TRACEWHEEL_TRAINER__NUM_THREADS": "1",
        "COLUMNS": "400",  # Rich wraps at the terminal width; the one-line check is about content, not width
    }


def test_diverging_run_fails_with_one_line_and_registers_nothing(
    trainer_home, tiny_model_path: Path, tmp_path
) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    config = tmp_path / "nan.json"
    config.write_text(json.dumps({"learning_rate": 1e38, "max_steps": 4}))
    proc = subprocess.run(
        [sys.executable, "-m", "tracewheel", "train", "sft", "--dataset", version, "--tenant", "acme",
         "--model", str(tiny_model_path), "--config", str(config), "--json"],
        env=_env(trainer_home), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: sft training diverged") and "nothing registered" in last
    assert registry.list_adapters(trainer_home.paths.adapters_dir, "acme") == []


def test_killed_run_registers_nothing_and_resumes_to_the_end(
    trainer_home, tiny_model_path: Path, tmp_path
) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    config = tmp_path / "sft.toml"
    config.write_text("max_steps = 10\nsave_steps = 1\nper_device_train_batch_size = 1\n")
    args = [sys.executable, "-m", "tracewheel", "train", "sft", "--dataset", version, "--tenant", "acme",
            "--model", str(tiny_model_path), "--config", str(config), "--json"]  # fmt: skip
    runs = trainer_home.home / "runs" / "acme"
    proc = subprocess.Popen(args, env=_env(trainer_home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while not list(runs.glob("sft-*/checkpoint-2/trainer_state.json")):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert registry.list_adapters(trainer_home.paths.adapters_dir, "acme") == []

    resumed = subprocess.run(
        [*args, "--resume"], env=_env(trainer_home), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    record = json.loads(resumed.stdout)
    assert record["metrics"]["global_step"] == 10 and record["metrics"]["resumed_from_step"] >= 2
    assert [r.adapter_id for r in registry.list_adapters(trainer_home.paths.adapters_dir, "acme")] == [
        record["adapter_id"]
    ]
