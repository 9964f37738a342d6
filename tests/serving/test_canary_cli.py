"""``tracewheel canary start|status|stop``, ``promote`` and ``rollback`` through the CLI, on a real registry and a
trace store holding served episodes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _canary_fixtures import ServedTraffic, add_adapter
from _cli_process import one_line_error, run_tracewheel
from tracewheel.serving import canary
from tracewheel.trainer import registry
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.paths import Paths

ENV = {"TRACEWHEEL_SERVING__CANARY_MIN_SAMPLES": "5", "TRACEWHEEL_TRAINER__DEFAULT_TENANT": "acme"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def _cli(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"TRACEWHEEL_HOME": str(home), "NO_COLOR": "1", **ENV})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_start_status_promote_rollback(home: Path) -> None:
    paths = Paths(home)
    champ = add_adapter(paths.adapters_dir, status="champion")
    cand = add_adapter(paths.adapters_dir)
    started = json.loads(_cli(home, "canary", "start", cand.adapter_id, "--share", "0.25", "--json"))
    assert started["candidate"] == cand.adapter_id and started["champion"] == champ.adapter_id
    assert started["share"] == 0.25 and started["min_samples"] == 5  # settings are fixed at the start

    traffic = ServedTraffic(paths.traces_dir)
    traffic.serve(cand.adapter_id, 4, {"thumb": "up"})
    traffic.serve(champ.adapter_id, 6, {"thumb": "up"})
    status = json.loads(_cli(home, "canary", "status", "--tenant", "acme", "--json"))
    assert status["arms"]["candidate"] == {"adapter": cand.adapter_id, "n": 4, "mean": 1.0}
    assert status["arms"]["champion"] == {"adapter": champ.adapter_id, "n": 6, "mean": 1.0}
    assert status["decision"] == "still_collecting" and status["pairs"] == 4
    cs = status["confidence_sequence"]
    assert cs["lower"] < 0 < cs["upper"] and cs["alpha"] == 0.05
    text = _cli(home, "canary", "status")
    assert "still_collecting" in text and cand.adapter_id in text

    assert cand.adapter_id in _cli(
        home, "promote", cand.adapter_id, "--reason", "offline gate and canary agree"
    )
    assert registry.champion(paths.adapters_dir, "acme").adapter_id == cand.adapter_id
    after = json.loads(_cli(home, "canary", "status", "--json"))
    assert after["status"] == "promoted" and after["rule"] == "fewer than 5 outcomes in an arm"
    promoted = canary.read_jsonl(canary.decisions_path(paths, "acme"))[-1]
    assert (
        promoted["by"] == "operator" and promoted["evidence"]["n_candidate"] == 4
    )  # what the test said then

    back = json.loads(_cli(home, "rollback", "--reason", "support tickets", "--json"))
    assert (
        back["retired"]["adapter_id"] == cand.adapter_id
        and back["champion"]["adapter_id"] == champ.adapter_id
    )
    events = [(d["event"], d["reason"]) for d in canary.read_jsonl(canary.decisions_path(paths, "acme"))]
    assert events[-2:] == [("promote", "offline gate and canary agree"), ("rollback", "support tickets")]


def test_stop_and_errors(home: Path) -> None:
    paths = Paths(home)
    cand = add_adapter(paths.adapters_dir)
    _cli(home, "canary", "start", cand.adapter_id)
    assert "stopped" in _cli(home, "canary", "stop")
    assert registry.get(paths.adapters_dir, "acme", cand.adapter_id).status == "candidate"
    assert (
        one_line_error(run_tracewheel(home, "canary", "stop", env=ENV))
        == "error: tenant acme has no running canary"
    )
    result = CliRunner().invoke(
        app, ["canary", "status", "--tenant", "globex"], env={"TRACEWHEEL_HOME": str(home)}
    )
    assert str(result.exception) == "no canary for tenant 'globex'"
