"""Attacks on the verifiers: trace data that tries to become code, patterns that burn CPU, rewards that can be gamed.

* ``tracewheel.expected`` used to be run as any verifier spec, so a tenant's agent could put a custom command (or a
  regex) on a span and ``curate`` ran it as the operator: now only declarative checks are taken from trace data,
  the rest is refused with the reason on the label, and it never reaches a verifier or a reward row;
* a regex verifier ran on Python's backtracking engine (``(a+)+$`` stalled curation): now RE2, linear time;
* ``verify --probe`` missed lenient specs (a format regex, a tolerance wider than the answer, a schema without
  types) and only probed 8 specs: now caught, every distinct spec;
* the numeric check refused natural answers and the regex check paid hedges: now one whole answer is judged.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "curator"))

from _collector_harness import CollectorProcess, wait_for  # noqa: E402
from _episode_fixtures import ListSource, engines, math_run, thumb  # noqa: E402
from tracewheel.collector.store import TraceStore  # noqa: E402
from tracewheel.curator import versions  # noqa: E402
from tracewheel.curator.label import label_episode  # noqa: E402
from tracewheel.curator.pipeline import Engines, curate  # noqa: E402
from tracewheel.curator.settings import CuratorSettings, TaskRule  # noqa: E402
from tracewheel.trainer.verifier_probes import assert_verifiers_sound, probe_verifiers  # noqa: E402

from tracewheel.config import load_settings  # noqa: E402
from tracewheel.core.errors import TracewheelError  # noqa: E402
from tracewheel.core.verifiers import verify  # noqa: E402


class SpyVerify:
    """The real verifier, recording every spec it is asked to run."""

    def __init__(self) -> None:
        self.specs: list[dict[str, Any]] = []

    def __call__(self, completion: Any, spec: dict[str, Any]) -> Any:
        self.specs.append(spec)
        return verify(completion, spec)


def _attacks(marker: Path) -> list[dict[str, Any]]:
    """Specs a tenant's agent puts in tracewheel.expected; each would create ``marker`` or burn CPU if run."""
    return [
        {"type": "custom", "command": ["sh", "-c", f"touch {marker}; cat /proc/self/environ"]},
        {"type": "custom", "command": f"open({str(marker)!r}, 'w').write('pwned')"},
        {"type": "regex", "pattern": "(a+)+$"},
        {"type": "json_schema", "schema": {"type": "string", "pattern": "^(a+)+$"}},
    ]


# --- trace data never becomes code ----------------------------------------------------------------------------------


def test_operator_only_specs_in_expected_are_refused_with_a_reason(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for spec in _attacks(marker):
        spy = SpyVerify()
        episode = math_run().model_copy(update={"expected": json.dumps(spec)})
        label = label_episode(episode, CuratorSettings(), spy)
        assert spy.specs == [], spec  # nothing was run, not even a built-in in its place
        assert label.verifier is None and label.verifier_reward is None
        assert label.refused_verifier and f"a {spec['type']} verifier" in label.refused_verifier
        assert label.refused_verifier in label.reasons
    assert not marker.exists()


def test_a_declarative_spec_from_trace_data_keeps_only_its_own_fields() -> None:
    spy = SpyVerify()
    smuggled = {"type": "exact", "answer": "391", "command": ["sh", "-c", "id"], "max_chars": 10**12}
    episode = math_run().model_copy(update={"expected": json.dumps(smuggled)})
    label = label_episode(episode, CuratorSettings(), spy)
    assert spy.specs == [{"type": "exact", "answer": "391"}] and label.verdict == "good"


def test_curate_never_runs_a_custom_verifier_from_span_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))
    settings = load_settings()
    marker = tmp_path / "pwned"
    runs = [
        math_run(trace_id=f"{i:02d}" * 16, minutes=i).model_copy(
            update={"expected": json.dumps(spec), "feedback": [thumb("up", minutes=10 + i)]}
        )
        for i, spec in enumerate(_attacks(marker))
    ]
    spy = SpyVerify()
    real = engines()
    (result,) = curate(
        settings.curator, settings.paths, ListSource(runs), Engines(real.redactor, real.screener, spy)
    )
    assert not marker.exists()
    assert not any(s.get("type") in ("custom", "regex", "json_schema") for s in spy.specs)
    assert result.counts["verifiers_refused"] == len(runs)
    assert sum("tracewheel.expected refused" in d for d in result.skipped_details) == len(runs)
    rows = versions.all_rows(settings.paths.datasets_dir, "acme", result.version)
    assert not [r for r in rows if r.kind == "rewards"]  # no reward row carries the attacker's spec
    # The thumbs made KTO rows (near-duplicates of each other are dropped); each says why the span's verifier was
    # not run.
    kto = [r for r in rows if r.kind == "kto"]
    assert kto
    for row in kto:
        for label in row.lineage["labels"].values():
            assert any(reason.startswith("tracewheel.expected refused") for reason in label["reasons"])


def _chat_request(expected: str) -> ExportTraceServiceRequest:
    messages_in = [{"role": "user", "parts": [{"type": "text", "content": "What is 17 * 23?"}]}]
    messages_out = [
        {"role": "assistant", "parts": [{"type": "text", "content": "Answer: 391"}], "finish_reason": "stop"}
    ]
    request = ExportTraceServiceRequest()
    rs = request.resource_spans.add()
    rs.resource.attributes.add(key="service.name", value=AnyValue(string_value="attacker"))
    ss = rs.scope_spans.add()
    ss.scope.name = "tests.security"
    span = ss.spans.add(
        trace_id=os.urandom(16),
        span_id=os.urandom(8),
        name="chat tiny",
        kind=3,
        start_time_unix_nano=1_800_000_000_000_000_000,
        end_time_unix_nano=1_800_000_000_001_000_000,
    )
    for key, value in {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "tiny",
        "gen_ai.input.messages": json.dumps(messages_in),
        "gen_ai.output.messages": json.dumps(messages_out),
        "tracewheel.task": "arithmetic",
        "tracewheel.expected": expected,
    }.items():
        span.attributes.append(KeyValue(key=key, value=AnyValue(string_value=value)))
    return request


def test_a_custom_command_posted_through_the_collector_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    home = tmp_path / "home"
    home.mkdir()
    collector = CollectorProcess(home, entry=("tracewheel.collector",))
    key = collector.add_tenant("acme")
    collector.start()
    try:
        attack = json.dumps({"type": "custom", "command": ["sh", "-c", f"touch {marker}"]})
        response = collector.post("/v1/traces", _chat_request(attack).SerializeToString(), key)
        assert response.status_code == 200, response.text
        assert wait_for(lambda: len(collector.spans("acme")) == 1, timeout=30)
    finally:
        collector.stop()
    (episode,) = TraceStore(home / "traces").episodes("acme")
    assert episode.expected == attack  # the collector stores it as data
    spy = SpyVerify()
    label = label_episode(episode, CuratorSettings(), spy)
    assert spy.specs == [] and not marker.exists()
    assert label.refused_verifier and "custom" in label.refused_verifier


# --- regexes run in linear time -----------------------------------------------------------------------------------


def test_catastrophic_regex_in_the_operators_config_completes() -> None:
    # (a+)+$ takes exponential time on a backtracking engine; RE2 answers at once (no timing assertion).
    text = "a" * 50_000 + "b"
    rule = TaskRule(verifier={"type": "regex", "pattern": "(a+)+$", "max_chars": 100_000})
    episode = math_run(answer=text).model_copy(update={"expected": None})
    label = label_episode(episode, CuratorSettings(tasks={"arithmetic": rule}), verify)
    assert label.verifier_reward == 0.0
    schema = {"type": "json_schema", "schema": {"type": "string", "pattern": "^(a+)+$"}, "max_chars": 100_000}
    assert verify(json.dumps(text), schema).reward == 0.0


def test_patterns_a_linear_engine_cannot_run_are_refused_at_config_load() -> None:
    for pattern in (r"(a)\1", r"(?=a)a", r"(?<!x)y"):
        with pytest.raises(ValueError, match="RE2"):
            TaskRule(verifier={"type": "regex", "pattern": pattern})
    with pytest.raises(ValueError, match="timeout_s"):
        TaskRule(verifier={"type": "custom", "command": "print(1)", "timeout_s": 3600})
    with pytest.raises(ValueError, match="memory_mb"):
        TaskRule(verifier={"type": "custom", "command": "print(1)", "memory_mb": 1 << 20})


# --- lenient specs are caught before GRPO ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "regex", "pattern": "[0-9]{2}"},
        {"type": "regex", "pattern": "(?i)(yes|no)"},
        {"type": "numeric", "answer": 42, "tolerance": 100},
        {"type": "json_schema", "schema": {"properties": {"answer": {"type": "string"}}}},
    ],
)
def test_lenient_specs_are_caught_by_the_probe(spec: dict[str, Any]) -> None:
    failures = probe_verifiers([spec])
    assert failures and all(f.reward > 0 for f in failures)
    with pytest.raises(TracewheelError, match="gameable"):
        assert_verifiers_sound([spec])


def test_the_probe_checks_every_distinct_spec() -> None:
    sound = [{"type": "exact", "answer": f"city-{i}"} for i in range(30)]
    lenient = {"type": "regex", "pattern": "[0-9]{2}"}
    failures = probe_verifiers([*sound, lenient])  # the 31st spec is probed too
    assert {f.verifier for f in failures} == {"#30 regex(pattern=[0-9]{2})"}


# --- right answers paid, hedges refused -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "spec", "reward"),
    [
        ("It takes 3 hours.", {"type": "numeric", "answer": 3}, 1.0),
        ("3 * 60 = 180", {"type": "numeric", "answer": 180}, 1.0),
        ("So the total is \\boxed{180}.", {"type": "numeric", "answer": 180}, 1.0),
        ("It takes 2 or 3 hours.", {"type": "numeric", "answer": 3}, 0.0),
        ("\\boxed{2} \\boxed{3}", {"type": "numeric", "answer": 3}, 0.0),
        ("A\nB", {"type": "regex", "pattern": "[A-D]"}, 0.0),
        ("Paris\nLondon", {"type": "regex", "pattern": "(?i)paris|london"}, 0.0),
        ("Answer: Paris or London", {"type": "normalized", "answer": "Paris"}, 0.0),
        ("London\nParis", {"type": "exact", "answer": "Paris"}, 0.0),
    ],
)
def test_right_answers_are_paid_and_hedges_are_not(
    completion: str, spec: dict[str, Any], reward: float
) -> None:
    assert verify(completion, spec).reward == reward


def test_training_never_takes_a_code_running_spec_that_trace_data_put_in_a_version(tmp_path: Path) -> None:
    # A version written before the rule (or by hand) may hold a custom spec that came from a span: the trainer sees
    # only row data, so the rows it is given must already be clean.
    marker = tmp_path / "pwned"
    custom = {"type": "custom", "command": [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]}
    prompt = [{"role": "user", "content": "What is 2 + 2?"}]
    rows = [
        versions.DatasetRow("rewards", {"prompt": prompt, "verifier": custom}, {"verifier_source": "trace"}),
        versions.DatasetRow(
            "rewards", {"prompt": prompt, "verifier": custom}, {"reason": "no source recorded"}
        ),
        versions.DatasetRow(
            "rewards",
            {"prompt": prompt, "verifier": {"type": "regex", "pattern": "4"}},
            {"verifier_source": "operator"},
        ),
        versions.DatasetRow("rewards", {"prompt": prompt, "verifier": {"type": "numeric", "answer": 4}}, {}),
    ]
    manifest = versions.write_version(tmp_path, "acme", rows)
    taken = versions.training_rows(tmp_path, "acme", manifest["version"], "rewards", reviewed_only=False)
    assert sorted(r["verifier"]["type"] for r in taken) == ["numeric", "regex"]
    assert not marker.exists()
