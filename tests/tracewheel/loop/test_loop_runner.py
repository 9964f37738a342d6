"""``run_cycle`` on the tiny random-init model: no data, too few reviewed rows, resume and restart of an
interrupted cycle, a gate that rejects (the champion untouched), a canary of an earlier cycle still deciding."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _loop_fixtures import TENANT, loop_env
from tracewheel.curator.versions import DatasetRow, record_decision, write_version
from tracewheel.serving import canary
from tracewheel.trainer import registry
from tracewheel.trainer.model import build_tiny_model

from tracewheel.loop import store
from tracewheel.loop.cycle import Cycle, CycleOutcome, CycleStep, StepRecord
from tracewheel.loop.runner import run_cycle, settle_canaries


@pytest.fixture(scope="module")
def tiny() -> Path:
    import os

    return build_tiny_model(
        Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    )


def _sft_version(settings, n: int = 8) -> str:
    rows = [
        DatasetRow(
            "sft",
            {
                "messages": [
                    {"role": "user", "content": f"What is {i} + 1?"},
                    {"role": "assistant", "content": str(i + 1)},
                ]
            },
            {"trace_ids": [f"t{i}"]},
        )
        for i in range(n)
    ]
    version = write_version(settings.paths.datasets_dir, TENANT, rows)["version"]
    for row in rows:
        record_decision(settings.paths.datasets_dir, TENANT, version, row.row_id, "accept")
    return version


def _lora(tiny: Path, out: Path) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(tiny), local_files_only=True)
    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    peft.save_pretrained(str(out))
    return out


def _register(settings, tiny: Path, path: Path, status: str | None = None) -> registry.AdapterRecord:
    record = registry.AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"),
        tenant=TENANT,
        base_model=str(tiny.resolve()),
        method="sft",
        dataset_versions=[],
        hyperparameters={},
        created_at=datetime.now(UTC),
    )
    record = registry.register(
        settings.paths.adapters_dir, record, lambda d: shutil.copytree(path, d, dirs_exist_ok=True)
    )
    if status is not None:
        record = registry.transition(settings.paths.adapters_dir, TENANT, record.adapter_id, status)
    return record


def test_a_cycle_without_data_ends_no_data_and_changes_nothing(tmp_path, monkeypatch, tiny) -> None:
    settings = loop_env(monkeypatch, tmp_path / "home", tiny)
    cycle = run_cycle(settings, TENANT)
    assert cycle.outcome == CycleOutcome.NO_DATA and cycle.step == CycleStep.DONE
    assert [s.step for s in cycle.steps] == [CycleStep.CURATE] and cycle.steps[0].ok
    assert cycle.dataset_version is None and cycle.candidate is None and cycle.champion_after is None
    assert not (settings.paths.adapters_dir / TENANT).exists()
    assert store.load_cycle(settings.paths.cycles_dir, TENANT, cycle.cycle_id) == cycle


def _interrupted_at_select(settings, version: str) -> Cycle:
    """A cycle whose process died during SELECT: curate and review finished, select started."""
    cycle = Cycle.new(TENANT, trigger="cron")
    now = datetime.now(UTC)
    cycle.steps = [
        StepRecord(
            step=CycleStep.CURATE, started_at=now, finished_at=now, ok=True, outputs={"version": version}
        ),
        StepRecord(step=CycleStep.REVIEW, started_at=now, finished_at=now, ok=True),
        StepRecord(step=CycleStep.SELECT, started_at=now),
    ]
    cycle.dataset_version = version
    for step in (CycleStep.REVIEW, CycleStep.SELECT):
        cycle.move_to(step)
    store.save_cycle(settings.paths.cycles_dir, cycle)
    return cycle


def test_an_interrupted_cycle_resumes_at_its_step_or_is_abandoned_on_restart(
    tmp_path, monkeypatch, tiny
) -> None:
    settings = loop_env(monkeypatch, tmp_path / "home", tiny, min_rows=50)
    version = _sft_version(settings)
    crashed = _interrupted_at_select(settings, version)

    resumed = run_cycle(settings, TENANT)
    assert resumed.cycle_id == crashed.cycle_id and resumed.trigger == "cron"
    # curate and review are not run again; the interrupted select says so and is run again
    assert [s.step for s in resumed.steps] == ["curate", "review", "select", "select"]
    assert resumed.steps[2].error.startswith("interrupted") and not resumed.steps[2].ok
    select = resumed.steps[3]
    assert select.ok and select.outputs["rows"] == {"sft": 8} and select.outputs["method"] is None
    assert resumed.outcome == CycleOutcome.NO_DATA  # 8 reviewed rows < min_rows 50: nothing trained
    assert not (settings.paths.adapters_dir / TENANT).exists()

    again = _interrupted_at_select(settings, version)
    fresh = run_cycle(settings, TENANT, restart=True)
    old = store.load_cycle(settings.paths.cycles_dir, TENANT, again.cycle_id)
    assert old.outcome == CycleOutcome.ABANDONED and old.step == CycleStep.FAILED and "--restart" in old.error
    assert fresh.cycle_id != again.cycle_id and fresh.steps[0].step == CycleStep.CURATE
    assert fresh.counts["curation_ran"] is False  # no new episodes: the latest version is re-used
    assert fresh.dataset_version == version and fresh.outcome == CycleOutcome.NO_DATA
    assert [c.outcome for c in store.list_cycles(settings.paths.cycles_dir, TENANT)] == [
        "no_data",
        "abandoned",
        "no_data",
    ]


def test_a_gate_that_says_no_leaves_the_champion_serving(tmp_path, monkeypatch, tiny) -> None:
    settings = loop_env(monkeypatch, tmp_path / "home", tiny)
    version = _sft_version(settings)
    champion = _register(settings, tiny, _lora(tiny, tmp_path / "lora"), "champion")

    cycle = run_cycle(settings, TENANT)
    assert [s.step for s in cycle.steps] == ["curate", "review", "select", "train", "evaluate", "gate"]
    assert cycle.dataset_version == version and cycle.method == "sft"
    # the candidate continued the champion's LoRA weights, and the record says so
    assert cycle.init_from == "champion" and cycle.init_adapter == champion.adapter_id
    # no held-out examples: the gate cannot tell, so it does not promote
    assert cycle.gate["decision"] == "underpowered" and cycle.outcome == CycleOutcome.REJECTED
    assert cycle.eval_run and cycle.champion_before == cycle.champion_after == champion.adapter_id
    candidate = registry.get(settings.paths.adapters_dir, TENANT, cycle.candidate)
    assert candidate.status == "retired" and cycle.cycle_id in candidate.history[-1].reason
    assert registry.champion(settings.paths.adapters_dir, TENANT).adapter_id == champion.adapter_id


def test_a_running_canary_holds_new_cycles_until_it_ends(tmp_path, monkeypatch, tiny) -> None:
    settings = loop_env(monkeypatch, tmp_path / "home", tiny)
    _sft_version(settings)
    candidate = _register(settings, tiny, _lora(tiny, tmp_path / "lora"))
    # an earlier cycle that ended with its canary running
    earlier = Cycle.new(TENANT)
    earlier.candidate = candidate.adapter_id
    state = canary.start_canary(settings.paths, settings.serving, TENANT, candidate.adapter_id)
    earlier.canary = {"canary_id": state.canary_id, "candidate": candidate.adapter_id, "decision": "running"}
    for step in (
        CycleStep.REVIEW,
        CycleStep.SELECT,
        CycleStep.TRAIN,
        CycleStep.EVALUATE,
        CycleStep.GATE,
        CycleStep.CANARY,
    ):
        earlier.move_to(step)
    earlier.end(CycleOutcome.CANARY)
    store.save_cycle(settings.paths.cycles_dir, earlier)

    held = run_cycle(settings, TENANT)
    assert held.outcome == CycleOutcome.CANARY and held.candidate is None
    assert held.canary["pending"] and held.canary["canary_id"] == state.canary_id
    assert held.canary["evidence"]["decision"] == "still_collecting"
    assert "still deciding" in held.steps[0].outputs["reason"]
    assert registry.get(settings.paths.adapters_dir, TENANT, candidate.adapter_id).status == "canary"

    canary.promote(settings.paths, TENANT, candidate.adapter_id, "promoted by hand")
    (settled,) = settle_canaries(settings, TENANT)
    assert settled.cycle_id == earlier.cycle_id and settled.outcome == CycleOutcome.PROMOTED
    assert settled.canary["decision"] == "promoted" and settled.champion_after == candidate.adapter_id
    # the pending cycle started no canary: it keeps its own record
    assert store.load_cycle(settings.paths.cycles_dir, TENANT, held.cycle_id).outcome == CycleOutcome.CANARY


def test_a_cycle_resumed_at_its_canary_finds_that_canary_and_decides_it(tmp_path, monkeypatch, tiny) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "serving"))
    from _canary_fixtures import ServedTraffic

    monkeypatch.setenv("TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS", "0.1")
    monkeypatch.setenv("TRACEWHEEL_SERVING__CANARY_MIN_SAMPLES", "10")
    monkeypatch.setenv("TRACEWHEEL_LOOP__CANARY_WAIT_SECONDS", "20")  # over the config file's 0
    settings = loop_env(monkeypatch, tmp_path / "home", tiny, canary=True)
    lora = _lora(tiny, tmp_path / "lora")
    champion = _register(settings, tiny, lora, "champion")
    candidate = _register(settings, tiny, lora)
    state = canary.start_canary(settings.paths, settings.serving, TENANT, candidate.adapter_id)
    # the process died while waiting for the canary it started; users kept talking to both arms
    cycle = Cycle.new(TENANT)
    cycle.candidate, cycle.champion_before = candidate.adapter_id, champion.adapter_id
    cycle.canary = {"canary_id": state.canary_id, "candidate": candidate.adapter_id, "decision": "running"}
    for step in (
        CycleStep.REVIEW,
        CycleStep.SELECT,
        CycleStep.TRAIN,
        CycleStep.EVALUATE,
        CycleStep.GATE,
        CycleStep.CANARY,
    ):
        cycle.move_to(step)
    cycle.steps = [StepRecord(step=CycleStep.CANARY, started_at=datetime.now(UTC))]
    store.save_cycle(settings.paths.cycles_dir, cycle)
    traffic = ServedTraffic(settings.paths.traces_dir, TENANT)
    traffic.serve(candidate.adapter_id, 30, {"thumb": "up"})
    traffic.serve(champion.adapter_id, 30, {"thumb": "down"})

    done = run_cycle(settings, TENANT)
    assert done.cycle_id == cycle.cycle_id and [s.step for s in done.steps] == ["canary", "canary"]
    assert done.canary["canary_id"] == state.canary_id  # the same canary, not a second one
    assert done.canary["decision"] == "promoted" and done.canary["by"] == "monitor"
    assert done.canary["evidence"]["n_candidate"] >= 10
    assert done.outcome == CycleOutcome.PROMOTED and done.champion_after == candidate.adapter_id
    assert registry.champion(settings.paths.adapters_dir, TENANT).adapter_id == candidate.adapter_id
