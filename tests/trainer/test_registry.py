"""trainer/registry.py: atomic registration, listing, and the status transition table."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tracewheel.trainer import registry
from tracewheel.trainer.registry import ALLOWED_TRANSITIONS, AdapterRecord, AdapterStatus

from tracewheel.core.errors import TracewheelError


def _record(tenant: str = "acme", method: str = "sft") -> AdapterRecord:
    return AdapterRecord(
        adapter_id=registry.new_adapter_id(method),
        tenant=tenant,
        base_model="embedded:smollm2-135m-instruct",
        method=method,
        dataset_versions=["ds-abc"],
        hyperparameters={"lora_r": 8},
        metrics={"final_loss": 1.5},
        created_at=datetime.now(UTC),
    )


def _add(adapters_dir: Path, tenant: str = "acme") -> AdapterRecord:
    return registry.register(
        adapters_dir, _record(tenant), lambda d: (d / "adapter_model.safetensors").write_bytes(b"w")
    )


def test_register_writes_weights_and_record_and_lists(tmp_path: Path) -> None:
    first, second = _add(tmp_path), _add(tmp_path)
    assert (Path(first.path) / "adapter_model.safetensors").read_bytes() == b"w"
    assert [r.adapter_id for r in registry.list_adapters(tmp_path, "acme")] == [
        first.adapter_id,
        second.adapter_id,
    ]
    assert registry.get(tmp_path, "acme", first.adapter_id) == first
    assert registry.find(tmp_path, second.adapter_id) == second
    assert first.status == AdapterStatus.CANDIDATE and registry.champion(tmp_path, "acme") is None
    assert registry.list_adapters(tmp_path, "other") == []


def test_failed_write_leaves_no_adapter_and_no_temp_dir(tmp_path: Path) -> None:
    def boom(directory: Path) -> None:
        (directory / "adapter_model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        registry.register(tmp_path, _record(), boom)
    assert registry.list_adapters(tmp_path, "acme") == []
    assert [p.name for p in (tmp_path / "acme").iterdir() if not p.name.startswith(".lock")] == []


@pytest.mark.parametrize(("start", "target"), list(itertools.product(AdapterStatus, AdapterStatus)))
def test_transitions_follow_the_table(tmp_path: Path, start: AdapterStatus, target: AdapterStatus) -> None:
    record = _add(tmp_path)
    if start != AdapterStatus.CANDIDATE:
        registry.transition(tmp_path, "acme", record.adapter_id, start)
    if target in ALLOWED_TRANSITIONS[start]:
        moved = registry.transition(tmp_path, "acme", record.adapter_id, target, reason="test")
        assert moved.status == target and moved.history[-1].reason == "test"
        assert registry.get(tmp_path, "acme", record.adapter_id).status == target
    else:
        with pytest.raises(TracewheelError, match=f"cannot go from {start} to {target}"):
            registry.transition(tmp_path, "acme", record.adapter_id, target)
        assert registry.get(tmp_path, "acme", record.adapter_id).status == start


def test_promotion_retires_the_champion_and_rollback_restores_it(tmp_path: Path) -> None:
    old, new = _add(tmp_path), _add(tmp_path)
    registry.transition(tmp_path, "acme", old.adapter_id, "champion")
    registry.transition(tmp_path, "acme", new.adapter_id, "champion", reason="gate passed")
    assert registry.champion(tmp_path, "acme").adapter_id == new.adapter_id
    assert registry.get(tmp_path, "acme", old.adapter_id).status == AdapterStatus.RETIRED
    registry.transition(tmp_path, "acme", old.adapter_id, "champion", reason="canary rolled back")
    assert registry.champion(tmp_path, "acme").adapter_id == old.adapter_id
    assert registry.get(tmp_path, "acme", new.adapter_id).status == AdapterStatus.RETIRED
    assert sum(r.status == AdapterStatus.CHAMPION for r in registry.list_adapters(tmp_path, "acme")) == 1


def test_bad_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TracewheelError, match="invalid tenant"):
        registry.list_adapters(tmp_path, "../etc")
    with pytest.raises(TracewheelError, match="invalid adapter id"):
        registry.get(tmp_path, "acme", "../../x")
    with pytest.raises(TracewheelError, match="not found"):
        registry.find(tmp_path, "ad-missing")


def test_one_canary_per_tenant_and_its_outcomes(tmp_path: Path) -> None:
    champ, first, second = _add(tmp_path), _add(tmp_path), _add(tmp_path)
    registry.transition(tmp_path, "acme", champ.adapter_id, "champion")
    registry.transition(tmp_path, "acme", first.adapter_id, "canary", reason="canary started")
    with pytest.raises(TracewheelError, match=f"already has a canary: {first.adapter_id}"):
        registry.transition(tmp_path, "acme", second.adapter_id, "canary")
    assert registry.canary(tmp_path, "acme").adapter_id == first.adapter_id
    # Rolled back: retired, the champion untouched; the second candidate may then start its canary.
    registry.transition(tmp_path, "acme", first.adapter_id, "retired", reason="rolled back", evidence="d-1")
    assert registry.champion(tmp_path, "acme").adapter_id == champ.adapter_id
    registry.transition(tmp_path, "acme", second.adapter_id, "canary")
    promoted = registry.transition(tmp_path, "acme", second.adapter_id, "champion", evidence="d-2")
    assert promoted.history[-1].previous_champion == champ.adapter_id
    assert promoted.history[-1].evidence == "d-2"
    old = registry.get(tmp_path, "acme", champ.adapter_id)
    assert (
        old.status == AdapterStatus.RETIRED and old.history[-1].reason == f"replaced by {second.adapter_id}"
    )
    assert [c.status for c in registry.get(tmp_path, "acme", first.adapter_id).history] == [
        "canary",
        "retired",
    ]
    assert registry.get(tmp_path, "acme", first.adapter_id).history[-1].evidence == "d-1"


def test_rollbacks_stack_back_to_the_base_model(tmp_path: Path) -> None:
    a, b, c = _add(tmp_path), _add(tmp_path), _add(tmp_path)
    for record in (a, b, c):
        registry.transition(tmp_path, "acme", record.adapter_id, "champion")
    retired, restored = registry.rollback(tmp_path, "acme", reason="by hand", evidence="cli")
    assert (retired.adapter_id, restored.adapter_id) == (c.adapter_id, b.adapter_id)
    assert retired.status == AdapterStatus.RETIRED and retired.history[-1].reason == "by hand"
    # The second rollback goes one further back (to a), not back to c.
    retired, restored = registry.rollback(tmp_path, "acme", reason="again")
    assert (retired.adapter_id, restored.adapter_id) == (b.adapter_id, a.adapter_id)
    retired, restored = registry.rollback(tmp_path, "acme", reason="to base")
    assert retired.adapter_id == a.adapter_id and restored is None
    assert registry.champion(tmp_path, "acme") is None
    with pytest.raises(TracewheelError, match="no champion to roll back"):
        registry.rollback(tmp_path, "acme", reason="nothing left")
