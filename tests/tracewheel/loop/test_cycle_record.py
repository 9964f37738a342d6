"""The cycle record, its store, the per-tenant lock and the method choice (no model, no training)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tracewheel.curator.versions import DatasetRow, record_decision, write_version

from tracewheel.config import LoopSettings
from tracewheel.core.errors import TracewheelError
from tracewheel.loop import store
from tracewheel.loop.cycle import (
    TERMINAL_STEPS,
    TRANSITIONS,
    Cycle,
    CycleOutcome,
    CycleStep,
    IllegalTransition,
)
from tracewheel.loop.lock import CycleBusy, cycle_lock, is_locked
from tracewheel.loop.method import METHOD_KINDS, choose_method

HAPPY_PATH = [
    CycleStep.REVIEW,
    CycleStep.SAMPLE,
    CycleStep.SELECT,
    CycleStep.TRAIN,
    CycleStep.EVALUATE,
    CycleStep.GATE,
    CycleStep.CANARY,
]


def test_transition_table_covers_every_step_and_refuses_skips() -> None:
    assert set(TRANSITIONS) == set(CycleStep)
    assert all(not TRANSITIONS[s] for s in TERMINAL_STEPS)
    assert all(CycleStep.FAILED in TRANSITIONS[s] for s in CycleStep if s not in TERMINAL_STEPS)
    cycle = Cycle.new("acme")
    for step in HAPPY_PATH:
        cycle.move_to(step)
    cycle.end(CycleOutcome.PROMOTED)
    assert cycle.step == CycleStep.DONE and cycle.finished and cycle.finished_at is not None

    skipping = Cycle.new("acme")
    with pytest.raises(IllegalTransition, match="curate cannot lead to train"):
        skipping.move_to(CycleStep.TRAIN)  # never train on a version nobody curated or reviewed
    skipping.move_to(CycleStep.REVIEW)
    with pytest.raises(IllegalTransition):
        skipping.move_to(CycleStep.GATE)
    skipping.end(CycleOutcome.FAILED, error="boom")
    assert skipping.step == CycleStep.FAILED
    with pytest.raises(IllegalTransition):
        skipping.move_to(CycleStep.CURATE)  # a finished cycle stays finished
    with pytest.raises(IllegalTransition):
        Cycle.new("acme").end(CycleOutcome.RUNNING)


def test_store_round_trip_order_and_bad_ids(tmp_path: Path) -> None:
    assert store.list_cycles(tmp_path, "acme") == [] and store.last_cycle(tmp_path, "acme") is None
    first, second = Cycle.new("acme"), Cycle.new("acme", trigger="cron")
    second.started_at = first.started_at.replace(year=first.started_at.year + 1)
    for c in (second, first):
        store.save_cycle(tmp_path, c)
    assert [c.cycle_id for c in store.list_cycles(tmp_path, "acme")] == [first.cycle_id, second.cycle_id]
    assert store.last_cycle(tmp_path, "acme").trigger == "cron"
    assert store.load_cycle(tmp_path, "acme", first.cycle_id) == first
    assert not list((tmp_path / "acme").glob(".cyc-*"))  # no temporary file left behind
    with pytest.raises(TracewheelError, match="no cycle"):
        store.load_cycle(tmp_path, "acme", "cyc-20260101000000-abcdef")
    with pytest.raises(TracewheelError, match="invalid cycle id"):
        store.load_cycle(tmp_path, "acme", "../../etc/passwd")
    with pytest.raises(TracewheelError, match="invalid tenant"):
        store.list_cycles(tmp_path, "../acme")


_HOLDER = """
import sys, time
from pathlib import Path
from tracewheel.loop.lock import cycle_lock
with cycle_lock(Path(sys.argv[1]), "acme"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_lock_refuses_a_second_holder_and_a_killed_holder_frees_it(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert is_locked(tmp_path, "acme")
        with pytest.raises(CycleBusy, match=f"already running \\(pid {holder.pid}\\)"):
            with cycle_lock(tmp_path, "acme"):
                pass
        with cycle_lock(tmp_path, "other"):  # another tenant is not blocked
            pass
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 10
    while is_locked(tmp_path, "acme") and time.monotonic() < deadline:
        time.sleep(0.05)
    with cycle_lock(tmp_path, "acme"):  # the kernel released the dead holder's lock
        assert is_locked(tmp_path, "acme")
    assert not is_locked(tmp_path, "acme")


def _version(datasets_dir: Path, rows: dict[str, int], accepted: dict[str, int]) -> str:
    made = {
        "sft": lambda i: {
            "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]
        },
        "dpo": lambda i: {"prompt": [{"role": "user", "content": f"q{i}"}], "chosen": [], "rejected": []},
        "kto": lambda i: {"prompt": [{"role": "user", "content": f"q{i}"}], "completion": [], "label": True},
    }
    dataset_rows = {
        kind: [DatasetRow(kind, made[kind](i), {"trace_ids": [f"{kind}{i}"]}) for i in range(n)]  # type: ignore[arg-type]
        for kind, n in rows.items()
    }
    version = write_version(datasets_dir, "acme", [r for rs in dataset_rows.values() for r in rs])["version"]
    for kind, n in accepted.items():
        for row in dataset_rows[kind][:n]:
            record_decision(datasets_dir, "acme", version, row.row_id, "accept")
    return version


def test_method_choice_takes_the_first_method_with_enough_reviewed_rows(tmp_path: Path) -> None:
    version = _version(tmp_path, {"sft": 10, "dpo": 6, "kto": 3}, {"sft": 3, "dpo": 5, "kto": 3})
    loop = LoopSettings(methods=["sft", "dpo", "kto"], min_rows={"sft": 4, "dpo": 5, "kto": 1})
    choice = choose_method(loop, tmp_path, "acme", version)
    # sft has 10 rows but only 3 reviewed: unreviewed rows never count
    assert choice.method == "dpo" and choice.rows == {"sft": 3, "dpo": 5, "kto": 3}
    assert choice.reason() == "dpo: 5 reviewed rows (needs 5)"
    loop = LoopSettings(methods=["kto", "sft"], min_rows={"sft": 4, "dpo": 5, "kto": 1})
    assert choose_method(loop, tmp_path, "acme", version).method == "kto"
    none = choose_method(LoopSettings(methods=["sft"], min_rows={"sft": 50}), tmp_path, "acme", version)
    assert none.method is None and none.reason() == "no method has enough reviewed rows (sft 3/50)"


def test_method_kinds_match_the_trainer_modules() -> None:
    from tracewheel.trainer.runner import method_module

    assert {m: method_module(m).KIND for m in METHOD_KINDS} == METHOD_KINDS
