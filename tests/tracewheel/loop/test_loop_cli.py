"""``tracewheel run`` and ``tracewheel cycles`` end to end on the tiny model, through the CLI: runs in the real
trace store → curate → auto-accept → rejection sampling → train → evaluate → gate → promote (no canary); then a
cycle with a canary; then one held by that canary; then a failing step (exit 1, one line, champion untouched)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from _loop_fixtures import TENANT, arithmetic_runs, loop_env
from tracewheel.trainer import registry
from tracewheel.trainer.model import build_tiny_model
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError


def _cli(*args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "300"})
    assert result.exit_code == code, result.output + repr(result.exception)
    return result


def _run() -> dict:
    return json.loads(_cli("run", "--tenant", TENANT, "--json").stdout)


def _config(home: Path, old: str, new: str) -> None:
    path = home / "config.toml"
    path.write_text(path.read_text().replace(old, new))


def test_cycles_through_the_cli(tmp_path, monkeypatch) -> None:
    tiny = build_tiny_model(
        Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    )
    home = tmp_path / "home"
    settings = loop_env(monkeypatch, home, tiny, sampling=True)
    arithmetic_runs(settings, 40)
    adapters = settings.paths.adapters_dir

    first = _run()
    steps = [s["step"] for s in first["steps"]]
    assert steps == ["curate", "review", "sample", "select", "train", "evaluate", "gate"], first["error"]
    assert all(s["ok"] for s in first["steps"])
    counts = first["counts"]
    assert counts["selected"] == 40 and counts["curation_ran"] and counts["heldout_episodes"] > 0
    rows = counts["rows"]
    assert rows["sft"] == rows["rewards"] > 0 and counts["auto_accepted"] == rows["sft"] + rows["rewards"]
    assert counts["reviewed_rows"]["sft"] == rows["sft"]
    assert (
        first["sampling"]["prompts"] > 0 and first["sampling"]["adapter"] is None
    )  # no champion yet: the base
    assert first["method"] == "sft" and first["init_from"] == "base" and first["init_adapter"] is None
    assert (
        first["gate"]["decision"] == "promote" and first["gate"]["examples"] > 0
    )  # min_lift -1 in this home
    assert first["outcome"] == "promoted" and first["champion_before"] is None
    assert first["champion_after"] == first["candidate"] == registry.champion(adapters, TENANT).adapter_id

    # With a canary: nothing new arrived, so the version is re-used and the candidate starts from the champion.
    _config(home, "canary = false", "canary = true")
    second = _run()
    assert (
        second["counts"]["curation_ran"] is False
        and second["counts"]["curated_version"] == first["counts"]["curated_version"]
    )
    assert second["init_from"] == "champion" and second["init_adapter"] == first["candidate"]
    assert second["steps"][-1]["step"] == "canary" and second["outcome"] == "canary"
    assert second["canary"]["decision"] == "running" and second["canary"]["candidate"] == second["candidate"]
    assert registry.champion(adapters, TENANT).adapter_id == first["candidate"]  # still serving

    third = _run()  # the canary is still collecting: no second candidate alongside it
    assert [s["step"] for s in third["steps"]] == ["curate"] and third["outcome"] == "canary"
    assert third["canary"]["pending"] and third["candidate"] is None

    listed = json.loads(_cli("cycles", "list", "--tenant", TENANT, "--json").stdout)
    assert [c["cycle_id"] for c in listed] == [first["cycle_id"], second["cycle_id"], third["cycle_id"]]
    table = _cli("cycles", "list", "--tenant", TENANT).stdout
    assert first["cycle_id"] in table and "promoted" in table
    shown = _cli("cycles", "show", second["cycle_id"]).stdout  # the tenant is found from the id
    assert all(
        step in shown
        for step in ("curate", "review", "sample", "select", "train", "evaluate", "gate", "canary")
    )
    assert (
        json.loads(_cli("cycles", "show", first["cycle_id"], "--tenant", TENANT, "--json").stdout)
        == listed[0]
    )

    # Stopping the canary by hand settles the cycle that started it.
    _cli("canary", "stop", "--tenant", TENANT)
    settled = json.loads(_cli("cycles", "show", second["cycle_id"], "--tenant", TENANT, "--json").stdout)
    assert settled["outcome"] == "rejected" and settled["canary"]["decision"] == "stopped"

    # A step that fails ends the cycle failed: exit 1, one line, the champion untouched.
    _config(home, "max_steps = 1", "max_steps = 1\ntrain_config = {sft = {no_such_option = 1}}")
    _config(home, "enabled = true", "enabled = false")  # straight to training: no engine to load
    failed = _cli("run", "--tenant", TENANT, code=1)
    assert isinstance(failed.exception, TracewheelError)  # main turns it into one `error:` line and exit 1
    assert "\n" not in str(failed.exception) and " train failed: invalid SFTMethodConfig" in str(
        failed.exception
    )
    (last,) = json.loads(_cli("cycles", "list", "--tenant", TENANT, "--json").stdout)[-1:]
    assert last["outcome"] == "failed" and last["step"] == "failed" and last["steps"][-1]["step"] == "train"
    assert registry.champion(adapters, TENANT).adapter_id == first["candidate"]

    missing = _cli("cycles", "show", "cyc-20200101000000-abcdef", "--tenant", TENANT, code=1)
    assert str(missing.exception) == "no cycle cyc-20200101000000-abcdef for tenant 'acme'"
