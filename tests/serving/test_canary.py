"""serving/canary.py + serving/canary_monitor.py: canary lifecycle, sticky routing, outcomes from the trace store,
the monitor promoting and rolling back, every decision logged with its evidence."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _canary_fixtures import ServedTraffic, add_adapter
from tracewheel.collector.episode import Episode, Feedback
from tracewheel.curator.label import default_verify_fn, label_episode
from tracewheel.curator.settings import CuratorSettings
from tracewheel.serving import canary
from tracewheel.serving.canary import CanaryStatus, RouteDecision, route_main_model
from tracewheel.serving.canary_monitor import check_canary, evaluate, monitor_canaries, outcome_of
from tracewheel.serving.sequential import Decision
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterStatus

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

SERVING = ServingSettings(canary_min_samples=10, canary_share=0.5)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path)


def _decisions(paths: Paths, tenant: str = "acme") -> list[dict]:
    return canary.read_jsonl(canary.decisions_path(paths, tenant))


def test_start_and_stop_follow_the_state_machines_and_are_logged(paths: Paths) -> None:
    champ = add_adapter(paths.adapters_dir, status="champion")
    cand, other = add_adapter(paths.adapters_dir), add_adapter(paths.adapters_dir)
    state = canary.start_canary(paths, SERVING, "acme", cand.adapter_id, share=0.2)
    assert (state.champion, state.share, state.status) == (champ.adapter_id, 0.2, CanaryStatus.RUNNING)
    assert registry.get(paths.adapters_dir, "acme", cand.adapter_id).status == AdapterStatus.CANARY
    with pytest.raises(TracewheelError, match="already runs a canary"):
        canary.start_canary(paths, SERVING, "acme", other.adapter_id)
    canary.stop_canary(paths, "acme")
    with pytest.raises(TracewheelError, match="not a candidate"):
        canary.start_canary(paths, SERVING, "acme", champ.adapter_id)
    assert canary.read_state(paths, "acme").status == CanaryStatus.STOPPED
    assert registry.get(paths.adapters_dir, "acme", cand.adapter_id).status == AdapterStatus.CANDIDATE
    history = registry.get(paths.adapters_dir, "acme", cand.adapter_id).history
    assert [c.status for c in history] == ["canary", "candidate"]
    assert all(c.evidence.startswith(str(canary.decisions_path(paths, "acme")) + "#dc-") for c in history)
    assert [(d["event"], d["by"]) for d in _decisions(paths)] == [("start", "operator"), ("stop", "operator")]
    with pytest.raises(TracewheelError, match="between 0 and 1"):
        canary.start_canary(paths, SERVING, "acme", cand.adapter_id, share=1.5)


def test_routing_is_sticky_in_proportion_and_follows_changes_at_once(paths: Paths) -> None:
    champ = add_adapter(paths.adapters_dir, status="champion")
    cand = add_adapter(paths.adapters_dir)
    assert route_main_model(paths, "acme", "u1") == RouteDecision(champ.adapter_id, False)
    assert route_main_model(paths, "nobody", None) == RouteDecision(
        None, False
    )  # no champion: the base model
    canary.start_canary(paths, SERVING, "acme", cand.adapter_id, share=0.2)
    users = [f"user-{i}" for i in range(5000)]
    first = [route_main_model(paths, "acme", u) for u in users]
    assert first == [route_main_model(paths, "acme", u) for u in users]  # sticky
    share = sum(r.canary for r in first) / len(users)
    assert 0.18 < share < 0.22
    assert {r.adapter for r in first} == {cand.adapter_id, champ.adapter_id}
    assert all(r.canary == (r.adapter == cand.adapter_id) for r in first)
    drawn = sum(route_main_model(paths, "acme", None).canary for _ in range(5000)) / 5000
    assert 0.17 < drawn < 0.23
    # A rollback by the monitor closes canary.json first: the very next request goes to the champion.
    state = canary.read_state(paths, "acme")
    canary.close_canary(paths, state, CanaryStatus.ROLLED_BACK, "monitor", "test", None)
    assert {route_main_model(paths, "acme", u) for u in users[:200]} == {
        RouteDecision(champ.adapter_id, False)
    }


def test_promotion_by_hand_routes_everyone_to_the_new_champion(paths: Paths) -> None:
    champ = add_adapter(paths.adapters_dir, status="champion")
    cand = add_adapter(paths.adapters_dir)
    canary.start_canary(paths, SERVING, "acme", cand.adapter_id, share=0.5)
    assert any(route_main_model(paths, "acme", f"u{i}").canary for i in range(50))
    with pytest.raises(TracewheelError, match="runs a canary of .* stop it first"):
        canary.rollback(paths, "acme")
    with pytest.raises(TracewheelError, match="runs a canary of .* to promote " + champ.adapter_id):
        canary.promote(paths, "acme", champ.adapter_id)
    canary.promote(paths, "acme", cand.adapter_id, reason="looks good")
    assert {route_main_model(paths, "acme", f"u{i}") for i in range(50)} == {
        RouteDecision(cand.adapter_id, False)
    }
    assert canary.read_state(paths, "acme").status == CanaryStatus.PROMOTED
    retired, restored = canary.rollback(paths, "acme", reason="users complain")
    assert (retired.adapter_id, restored.adapter_id) == (cand.adapter_id, champ.adapter_id)
    assert route_main_model(paths, "acme", "u1") == RouteDecision(champ.adapter_id, False)
    assert [d["event"] for d in _decisions(paths)] == ["start", "promote", "rollback"]


def test_an_adapter_left_marked_canary_is_put_back_by_stop(paths: Paths) -> None:
    # A process died between the registry change and canary.json: the adapter is canary, no canary runs.
    cand = add_adapter(paths.adapters_dir, status="canary")
    other = add_adapter(paths.adapters_dir)
    with pytest.raises(TracewheelError, match="still marked canary"):
        canary.start_canary(paths, SERVING, "acme", other.adapter_id)
    with pytest.raises(TracewheelError, match="it is a candidate again"):
        canary.stop_canary(paths, "acme")
    assert registry.get(paths.adapters_dir, "acme", cand.adapter_id).status == AdapterStatus.CANDIDATE
    assert canary.start_canary(paths, SERVING, "acme", other.adapter_id).status == CanaryStatus.RUNNING


def _episode(**fields) -> Episode:
    now = datetime.now(UTC)
    return Episode(
        episode_id="a" * 32, tenant="acme", trace_id="a" * 32, started_at=now, ended_at=now, **fields
    )


def _fb(**fields) -> Feedback:
    return Feedback(received_at=datetime.now(UTC), **fields)


@pytest.mark.parametrize(
    ("episode", "expected"),
    [
        (_episode(feedback=[_fb(thumb="up"), _fb(corrected_answer="5")]), (0.0, "corrected")),
        (_episode(feedback=[_fb(score=0.7), _fb(thumb="down")]), (0.7, "score")),
        (
            _episode(feedback=[_fb(score=7.0), _fb(thumb="up")]),
            (1.0, "thumb"),
        ),  # a 0-10 score is not guessed at
        (_episode(feedback=[_fb(thumb="down")]), (0.0, "thumb")),
        (_episode(task="math", expected="4", final_answer="4"), (1.0, "verifier")),
        (_episode(task="math", expected="4", final_answer="5"), (0.0, "verifier")),
        (_episode(final_answer="4"), None),
    ],
)
def test_outcomes_come_from_the_curators_labels(episode: Episode, expected) -> None:
    assert outcome_of(label_episode(episode, CuratorSettings(), default_verify_fn())) == expected


def _running(paths: Paths, share: float = 0.5, **settings) -> tuple[str, str]:
    champ = add_adapter(paths.adapters_dir, status="champion")
    cand = add_adapter(paths.adapters_dir)
    serving = SERVING.model_copy(update=settings)
    canary.start_canary(paths, serving, "acme", cand.adapter_id, share=share)
    return champ.adapter_id, cand.adapter_id


def test_monitor_promotes_a_better_candidate_with_its_evidence(paths: Paths) -> None:
    champ, cand = _running(paths)
    traffic = ServedTraffic(paths.traces_dir)
    traffic.serve(cand, 5, {"thumb": "up"})
    traffic.serve(champ, 5, {"thumb": "down"})
    report = check_canary(paths, "acme")
    assert report.evidence.decision == Decision.STILL_COLLECTING and report.new_outcomes == 10
    traffic.serve(cand, 25, {"thumb": "up"})
    traffic.serve(champ, 25, {"thumb": "down"})
    traffic.serve("ad-someone-else", 5, {"thumb": "down"})  # another adapter's traffic is not counted
    traffic.serve(cand, 5)  # no outcome yet: not counted
    report = check_canary(paths, "acme")
    assert report.evidence.decision == Decision.PROMOTE and report.state.status == CanaryStatus.PROMOTED
    assert (report.evidence.n_candidate, report.evidence.n_champion) == (30, 30)
    assert report.evidence.mean_candidate == 1.0 and report.evidence.lower > 0
    assert registry.champion(paths.adapters_dir, "acme").adapter_id == cand
    assert registry.get(paths.adapters_dir, "acme", champ).status == AdapterStatus.RETIRED
    last = _decisions(paths)[-1]
    assert (last["event"], last["by"]) == ("promote", "monitor")
    assert last["evidence"]["n_candidate"] == 30 and last["evidence"]["lower"] == report.evidence.lower
    change = registry.get(paths.adapters_dir, "acme", cand).history[-1]
    assert change.evidence.endswith("#" + last["id"]) and change.previous_champion == champ
    assert check_canary(paths, "acme") is None  # nothing running any more
    assert route_main_model(paths, "acme", "anyone") == RouteDecision(cand, False)


def test_monitor_rolls_back_a_worse_candidate_and_keeps_the_champion(paths: Paths) -> None:
    champ, cand = _running(paths)
    traffic = ServedTraffic(paths.traces_dir)
    # The candidate's answers fail the task's verifier; the champion's users are happy.
    traffic.serve(cand, 30, None, **{"tracewheel.task": "math", "tracewheel.expected": "5"})
    traffic.serve(champ, 30, {"score": 0.9})
    report = check_canary(paths, "acme")
    assert report.evidence.decision == Decision.ROLLBACK and report.evidence.upper < 0
    assert registry.get(paths.adapters_dir, "acme", cand).status == AdapterStatus.RETIRED
    assert registry.champion(paths.adapters_dir, "acme").adapter_id == champ
    assert route_main_model(paths, "acme", "anyone") == RouteDecision(champ, False)
    assert canary.read_state(paths, "acme").evidence.n_candidate == 30
    rows = canary.read_jsonl(canary.outcomes_path(paths, canary.read_state(paths, "acme")))
    assert {r["signal"] for r in rows} == {"verifier", "score"}


def test_feedback_arriving_after_a_check_is_counted_once(paths: Paths) -> None:
    champ, cand = _running(paths)
    traffic = ServedTraffic(paths.traces_dir)
    silent = traffic.serve(cand, 3)
    assert check_canary(paths, "acme").new_outcomes == 0  # no outcome yet: looked at again next time
    traffic.feedback(silent, thumb="up")
    traffic.serve(champ, 2, {"score": 0.25})
    report = check_canary(paths, "acme")
    assert report.new_outcomes == 5 and (report.evidence.n_candidate, report.evidence.n_champion) == (3, 2)
    traffic.feedback(silent, thumb="down")  # a later change of mind: the recorded outcome stays frozen
    report = check_canary(paths, "acme")
    assert report.new_outcomes == 0 and report.evidence.mean_candidate == 1.0


def test_a_champion_changed_by_hand_stops_the_canary(paths: Paths) -> None:
    champ, cand = _running(paths)
    registry.rollback(paths.adapters_dir, "acme", reason="outside the canary")
    assert route_main_model(paths, "acme", "u1") == RouteDecision(None, False)  # the control arm is gone
    assert check_canary(paths, "acme") is None
    state = canary.read_state(paths, "acme")
    assert state.status == CanaryStatus.STOPPED and "champion changed" in state.reason
    assert registry.get(paths.adapters_dir, "acme", cand).status == AdapterStatus.CANDIDATE


def test_the_time_cap_decides_with_the_non_inferiority_rule(paths: Paths) -> None:
    champ, cand = _running(paths, canary_max_duration_hours=1.0)
    ServedTraffic(paths.traces_dir).serve(cand, 3, {"thumb": "up"})
    state = canary.read_state(paths, "acme")
    later = state.started_at + timedelta(hours=2)
    assert evaluate(paths, state).evidence.decision == Decision.STILL_COLLECTING
    report = check_canary(paths, "acme", now=later)
    # Too few outcomes to show the candidate is not worse: rolled back, the safe default.
    assert report.evidence.decision == Decision.ROLLBACK and report.evidence.capped
    assert registry.champion(paths.adapters_dir, "acme").adapter_id == champ


def test_a_stopped_canary_is_judged_as_of_its_end(paths: Paths) -> None:
    _running(paths, canary_max_duration_hours=1.0)
    state = canary.stop_canary(paths, "acme")
    report = evaluate(paths, state, now=state.started_at + timedelta(days=30))
    assert report.evidence.decision == Decision.STILL_COLLECTING and not report.evidence.capped


def test_monitor_task_acts_and_stops(paths: Paths) -> None:
    champ, cand = _running(paths)
    traffic = ServedTraffic(paths.traces_dir)
    traffic.serve(cand, 30, {"thumb": "down"})
    traffic.serve(champ, 30, {"thumb": "up"})

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(
            monitor_canaries(SERVING.model_copy(update={"canary_check_seconds": 0.05}), paths, stop)
        )
        for _ in range(200):
            if canary.active_state(paths, "acme") is None:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run())
    assert canary.read_state(paths, "acme").status == CanaryStatus.ROLLED_BACK
    decision = _decisions(paths)[-1]
    assert decision["event"] == "rollback" and decision["evidence"]["decision"] == "rollback"
    assert json.loads(json.dumps(decision))["evidence"]["upper"] < 0
