"""Rejection sampling (tracewheel/loop/rejection_sampling.py): the tiny random-init model samples verifiable prompts
of a curated version through the real PEFT engine; only verified samples become SFT rows, in a derived version that
keeps the parent's rows and decisions; untrusted, flagged, quarantined, held-out and unreviewed prompts are never
sampled; the curator's auto-accept policy accepts the new rows."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from _tool_specs import function_tool
from rich.console import Console
from tracewheel.collector.episode import Episode, Message
from tracewheel.curator import versions
from tracewheel.curator.derive import Labelled, chat_messages, derive_rows, substance
from tracewheel.curator.label import label_episode
from tracewheel.curator.review_bulk import FLAGGED_REFUSED, apply_auto_accept
from tracewheel.curator.settings import AutoAcceptPolicy, AutoAcceptRule, CuratorSettings, TaskRule
from tracewheel.curator.versions import DatasetRow
from tracewheel.serving.engine import Choice, PeftEngine
from tracewheel.serving.random_adapter import save_random_adapter
from tracewheel.trainer.model import build_tiny_model, load_model, load_tokenizer

from tracewheel.config import RejectionSamplingSettings
from tracewheel.core.paths import Paths
from tracewheel.core.verifiers import verify
from tracewheel.loop.rejection_sampling import (
    Sample,
    SamplingResult,
    draw_samples,
    judge,
    sample_wins,
    sft_row,
    write_derived,
)
from tracewheel.loop.sampling_prompts import SOURCE, Prompt, select_prompts

TENANT = "acme"
WEATHER = function_tool("get_weather", "Forecast for a city.", "city")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Random tokens contain an "a" about half the time: a check the tiny model sometimes passes and sometimes fails.
PATTERN = "(?s).*a.*"
# The tiny model never stops by itself: this task counts a cut-off answer (the default rule would not).
CURATOR = CuratorSettings(
    tasks={"letters": TaskRule(verifier={"type": "regex", "pattern": PATTERN}, bad_finish_reasons=[])}
)
SAMPLING = RejectionSamplingSettings(
    samples_per_prompt=6,
    temperature=1.0,
    top_p=1.0,
    max_tokens=4,
    max_kept_per_prompt=2,
    max_prompts=8,
    seed=3,
)


@pytest.fixture(scope="module")
def tiny_model() -> Path:
    cache = os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")
    return build_tiny_model(Path(cache).expanduser())


@pytest.fixture(scope="module")
def engine(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PeftEngine]:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 2-core machine shared with other test processes
    engine = PeftEngine(load_model(tiny_model), load_tokenizer(tiny_model), "tiny-llama")
    adapter = save_random_adapter(tiny_model, tmp_path_factory.mktemp("champ") / "champ", seed=1, rank=4)
    engine.load_adapter("champ", adapter)
    yield engine
    engine.close()
    torch.set_num_threads(threads)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path)


def run(
    trace: str, question: str, answer: str, *, task: str = "letters", expected: str | None = None
) -> Episode:
    start = T0 + timedelta(minutes=int(trace[:2], 16))
    messages = [
        Message(role="system", content="Answer in a few words."),
        Message(role="user", content=question),
        Message(role="assistant", content=answer, finish_reason="stop"),
    ]
    return Episode(
        episode_id=trace,
        tenant=TENANT,
        trace_id=trace,
        started_at=start,
        ended_at=start + timedelta(seconds=5),
        last_received_at=start + timedelta(seconds=6),
        user_task=question,
        messages=messages,
        final_answer=answer,
        task=task,
        expected=expected,
        finish_reasons=["stop"],
    )


def curated(
    episodes: list[Episode], redaction: dict | None = None, screening: dict | None = None
) -> list[DatasetRow]:
    """The rows the curator derives from these runs (real labelling and derivation; redaction and screening
    results given, as the pipeline records them in lineage)."""
    items = [Labelled(e, label_episode(e, CURATOR, verify), chat_messages(e)) for e in episodes]
    rows = derive_rows(items)
    for row in rows:
        row.lineage["redaction"] = {t: (redaction or {}).get(t, {}) for t in row.lineage["trace_ids"]}
        row.lineage["screening"] = {t: (screening or {}).get(t, []) for t in row.lineage["trace_ids"]}
    return rows


def write(paths: Paths, rows: list[DatasetRow], accept: bool = True) -> str:
    version = versions.write_version(paths.datasets_dir, TENANT, rows, {"parent": None})["version"]
    if accept:
        entries = [(r.row_id, "accept", None) for r in rows if r.kind in ("sft", "rewards")]
        versions.record_decisions(paths.datasets_dir, TENANT, version, entries, by="reviewer")
    return version


def trace(n: int) -> str:
    return f"{n:02x}" * 16


def test_kept_rows_are_the_verified_samples_in_a_derived_version(engine, paths):
    rows = curated(
        [
            run(trace(1), "Name a fruit.", "banana"),
            run(trace(2), "Name a color.", "black"),
            # A declarative check from the trace data: the tiny model never answers "Paris".
            run(
                trace(3),
                "Capital of France?",
                "Paris",
                task="geo",
                expected='{"type": "exact", "answer": "Paris"}',
            ),
        ]
    )
    parent = write(paths, rows)
    parent_decisions = versions.decisions(paths.datasets_dir, TENANT, parent)

    result = sample_wins(SAMPLING, CURATOR, paths, engine, TENANT, parent, "champ")

    assert isinstance(result, SamplingResult)
    assert result.prompts == 3 and result.samples == 3 * SAMPLING.samples_per_prompt
    assert 0 < result.tokens <= result.samples * SAMPLING.max_tokens
    # The same prompts sampled again give the same completions (seeded per prompt): count the wins by hand.
    prompts = select_prompts(
        CURATOR, paths.datasets_dir, paths.splits_dir, TENANT, parent, max_prompts=8, max_kept=2
    ).prompts
    samples = draw_samples(engine, prompts, SAMPLING, "champ")
    expected_kept = 0
    verified = 0
    for prompt, judged in zip(prompts, samples, strict=True):
        wins = [s for s in judged if verify(s.message, prompt.verifier).reward == 1.0]
        verified += len(wins)
        distinct = {json.dumps(substance([s.message])) for s in wins}
        expected_kept += min(SAMPLING.max_kept_per_prompt, len(distinct))
    assert 0 < verified < result.samples, "the check should pass some samples and fail others"
    assert result.pass_rate == pytest.approx(verified / result.samples)
    assert result.kept == expected_kept > 0

    # The derived version: every parent row, the kept rows as SFT rows, the parent's decisions carried.
    assert result.version != parent
    manifest = versions.read_manifest(paths.datasets_dir, TENANT, result.version)
    assert manifest["parent"] == parent and manifest["derived_by"] == SOURCE
    child = {r.row_id: r for r in versions.all_rows(paths.datasets_dir, TENANT, result.version)}
    assert {r.row_id for r in rows} <= set(child)
    new = [r for r in child.values() if r.lineage.get("source") == SOURCE]
    assert len(new) == result.kept == len(child) - len(rows)
    carried = versions.decisions(paths.datasets_dir, TENANT, result.version)
    assert {k: v["decision"] for k, v in carried.items()} == {
        k: v["decision"] for k, v in parent_decisions.items()
    }

    specs = {r.lineage["trace_ids"][0]: r.data["verifier"] for r in rows if r.kind == "rewards"}
    per_prompt: dict[str, int] = {}
    for row in new:
        assert row.kind == "sft"
        *prompt, answer = row.data["messages"]
        assert answer["role"] == "assistant" and prompt[-1]["role"] == "user"
        (source_trace,) = row.lineage["trace_ids"]
        assert source_trace in (trace(1), trace(2))  # never the prompt nobody could answer
        assert verify(answer, specs[source_trace]).reward == 1.0
        assert row.data["tools"] == []
        info = row.lineage[SOURCE]
        assert info["adapter"] == "champ" and info["verifier"] == "regex" and info["reward"] == 1.0
        assert row.lineage["labels"][source_trace]["verdict"] == "good"
        per_prompt[source_trace] = per_prompt.get(source_trace, 0) + 1
    assert max(per_prompt.values()) <= SAMPLING.max_kept_per_prompt

    # Sampling the derived version again: prompts that already have their wins are not sampled.
    again = sample_wins(SAMPLING, CURATOR, paths, engine, TENANT, result.version, "champ")
    full = [t for t, n in per_prompt.items() if n == SAMPLING.max_kept_per_prompt]
    assert again.prompts == 3 - len(full)

    # Forgetting the prompt's run forgets the rows sampled from it.
    versions.purge_trace(paths.datasets_dir, TENANT, trace(1))
    left = versions.all_rows(paths.datasets_dir, TENANT, result.version)
    assert not any(trace(1) in json.dumps(r.lineage) for r in left)


def test_untrusted_flagged_quarantined_heldout_and_unreviewed_prompts_are_never_sampled(
    engine, paths, tmp_path
):
    good = curated([run(trace(10), "Name an animal.", "cat")])
    too_long = curated([run(trace(15), "Name an animal. " + "Think hard. " * 1500, "cat")])
    flagged = curated(
        [run(trace(11), "Name a tool.", "hammer")],
        screening={trace(11): [{"reasons": ["tool result asks to ignore instructions"]}]},
    )
    heldout = curated([run(trace(12), "Name a city.", "Rome")])
    unreviewed = curated([run(trace(13), "Name a river.", "Nile")])
    rejected = curated([run(trace(14), "Name a planet.", "Mars")])
    # A version written by hand (or before the trust rule): code- and pattern-running specs claiming the trace set
    # them. The custom one would leave a mark if it ever ran outside the sandbox.
    mark = tmp_path / "ran"
    untrusted = [
        DatasetRow(
            "rewards",
            {
                "prompt": [{"role": "user", "content": f"Say hi {n}."}],
                "verifier": spec,
                "tools": [],
            },
            {"trace_ids": [trace(20 + n)], "task": "letters", "verifier_source": "trace"},
        )
        for n, spec in enumerate(
            [
                {"type": "custom", "command": f"open({str(mark)!r}, 'w').write('x'); print(1)"},
                {"type": "regex", "pattern": PATTERN},
            ]
        )
    ]
    quarantined_candidates = curated([run(trace(30), "Name a sea.", "Adriatic")])
    quarantine = versions.quarantine_row(
        trace(30), [{"reasons": ["injection"]}], quarantined_candidates, {"trace_ids": [trace(30)]}
    )
    rows = good + too_long + flagged + heldout + unreviewed + rejected + untrusted + [quarantine]
    version = versions.write_version(paths.datasets_dir, TENANT, rows, {"parent": None})["version"]
    d = paths.datasets_dir
    accepted = [r for r in good + too_long + flagged + heldout + untrusted if r.kind in ("sft", "rewards")]
    versions.record_decisions(
        d, TENANT, version, [(r.row_id, "accept", None) for r in accepted], by="reviewer"
    )
    versions.record_decisions(
        d, TENANT, version, [(r.row_id, "reject", None) for r in rejected], by="reviewer"
    )
    versions.record_decision(d, TENANT, version, quarantine.row_id, "release", by="reviewer")
    split = paths.splits_dir / TENANT
    split.mkdir(parents=True)
    (split / "assignments.jsonl").write_text(
        json.dumps(
            {"episode_id": trace(12), "group": f"episode:{trace(12)}", "side": "heldout", "task": "letters"}
        )
        + "\n"
    )

    settings = SAMPLING.model_copy(update={"samples_per_prompt": 2, "max_tokens": 2})
    result = sample_wins(settings, CURATOR, paths, engine, TENANT, version, None)

    assert result.prompts == 1 and result.samples == 2
    assert result.skipped == {
        "flagged by the injection screener": 1,
        "held out for evaluation": 1,
        "not reviewed": 1,
        "rejected in review": 1,
        "verifier not from the operator's config": 2,
        "not generated: context_length_exceeded": 1,  # longer than the model's context: the others still run
    }
    assert not mark.exists()
    for row in versions.all_rows(d, TENANT, result.version):
        if row.lineage.get("source") == SOURCE:
            assert row.lineage["trace_ids"] == [trace(10)]
            assert row.lineage[SOURCE]["adapter"] is None


def test_auto_accept_rule_accepts_the_sampled_rows_but_not_redacted_ones(engine, paths):
    rows = curated(
        [
            run(trace(40), "Name a fruit.", "banana"),
            run(trace(41), "Hi, I'm <PERSON>. Name a color.", "black"),
        ],
        redaction={trace(41): {"PERSON": 1}},
    )
    parent = write(paths, rows)
    shown = io.StringIO()
    result = sample_wins(
        SAMPLING, CURATOR, paths, engine, TENANT, parent, "champ", Console(file=shown, width=120)
    )
    assert result.kept > 0
    assert f"kept {result.kept} -> {result.version}" in shown.getvalue()
    new = {
        r.row_id: r
        for r in versions.read_rows(paths.datasets_dir, TENANT, result.version, "sft")
        if r.lineage.get("source") == SOURCE
    }
    clean = {i for i, r in new.items() if r.lineage["trace_ids"] == [trace(40)]}
    assert clean and clean != set(new), "both prompts should have kept rows"

    rule = AutoAcceptRule(
        name="wins", kinds=["sft"], sources=["rejection_sampling"], require_verifier_pass=True
    )
    decided = apply_auto_accept(paths.datasets_dir, TENANT, result.version, AutoAcceptPolicy(rules=[rule]))

    assert {d.row_id for d in decided.rows} == clean
    assert all(d.by == "policy:wins" for d in decided.rows)
    training = versions.training_rows(paths.datasets_dir, TENANT, result.version, "sft")
    assert all(new[i].data in training for i in clean)
    assert not any(new[i].data in training for i in set(new) - clean)  # redacted prompt: left for a person
    assert FLAGGED_REFUSED not in decided.refused


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
def test_an_operator_custom_verifier_runs_in_the_sandbox_and_decides(engine, paths):
    parity = "import json, sys; print(1 if len(json.load(sys.stdin)['text']) % 2 == 0 else 0)"
    curator = CuratorSettings(
        tasks={"parity": TaskRule(verifier={"type": "custom", "command": parity}, bad_finish_reasons=[])}
    )
    episode = run(trace(50), "Write an even number of characters.", "ab", task="parity")
    items = [Labelled(episode, label_episode(episode, curator, verify), chat_messages(episode))]
    rows = derive_rows(items)
    parent = write(paths, rows)
    settings = SAMPLING.model_copy(update={"samples_per_prompt": 4, "max_kept_per_prompt": 4})

    result = sample_wins(settings, curator, paths, engine, TENANT, parent, "champ")

    new = [
        r
        for r in versions.read_rows(paths.datasets_dir, TENANT, result.version, "sft")
        if r.lineage.get("source") == SOURCE
    ]
    assert result.samples == 4 and len(new) == result.kept > 0
    assert result.pass_rate is not None and result.kept <= round(result.pass_rate * 4)
    assert all(len(r.data["messages"][-1]["content"]) % 2 == 0 for r in new)
    assert all(r.lineage[SOURCE]["verifier"] == "custom" for r in new)


def tool_prompt(bad_finish_reasons: list[str] = ()) -> Prompt:
    messages = [
        {"role": "user", "content": "Weather in Paris, and then in Rome?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "type": "function",
                    "id": "call_1",
                    "function": {"name": "get_weather", "arguments": {"city": "Paris"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "sunny"},
        {"role": "user", "content": "And Rome?"},
    ]
    return Prompt(
        row_id="r1",
        messages=messages,
        tools=[WEATHER],
        verifier={"type": "tool_call", "name": "get_weather", "arguments": {"city": "Rome"}},
        lineage={"trace_ids": [trace(60)], "task": "weather", "verifier_source": "trace"},
        pass_reward=1.0,
        bad_finish_reasons=list(bad_finish_reasons),
    )


def choice(arguments: str, text: str = "", finish: str = "tool_calls") -> Choice:
    calls = [{"id": "x", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}]
    return Choice(
        text=text, tool_calls=calls, tool_call_parse_error=False, finish_reason=finish, raw_text=text
    )


def test_tool_calls_are_verified_as_calls_and_become_the_curators_messages():
    prompt = tool_prompt(bad_finish_reasons=["length"])

    win = judge(prompt, choice('{"city": "Rome"}'))
    assert win.passed and win.reward == 1.0
    # Arguments parsed into an object and an id no call of the prompt uses, as the curator writes calls.
    assert win.message == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "type": "function",
                "id": "call_2",
                "function": {"name": "get_weather", "arguments": {"city": "Rome"}},
            }
        ],
    }
    assert not judge(prompt, choice('{"city": "Paris"}')).passed
    broken = judge(prompt, choice("{city: Rome"))
    assert not broken.passed and broken.code == "bad_tool_call"
    cut = judge(prompt, choice('{"city": "Rome"}', finish="length"))
    assert cut.reward == 1.0 and not cut.passed and cut.why_not == "finish reason length"

    row = sft_row(prompt, win, adapter=None, base_model="tiny", parent="ds-000000000000", settings=SAMPLING)
    assert row.data == {"messages": [*prompt.messages, win.message], "tools": [WEATHER]}
    assert row.lineage["source"] == SOURCE and row.lineage["trace_ids"] == [trace(60)]


def test_prompts_without_an_answer_come_first_then_the_newest_each_prompt_once(paths):
    d = paths.datasets_dir
    old = curated([run(trace(70), "Name a tree.", "elm")])  # failed its check: no SFT row
    first = write(paths, old)
    solved = curated(
        [run(trace(71), "Name a fruit.", "banana")]
    )  # a good run: its SFT row answers the prompt
    new = curated([run(trace(72), "Name a bird.", "wren"), run(trace(73), "Name a bird.", "owl")])
    rows = old + solved + new
    assert [r.kind for r in old] == ["rewards"] and {r.kind for r in solved} == {"sft", "rewards"}
    second = versions.write_version(d, TENANT, rows, {"parent": first})["version"]
    # The rule docs/13 suggests for the loop: every verifiable prompt, whatever its run's outcome.
    prompts_rule = AutoAcceptRule(name="prompts", kinds=["rewards"], labels=[], require_verifier_pass=False)
    accepted = apply_auto_accept(d, TENANT, second, AutoAcceptPolicy(rules=[prompts_rule]))
    assert {a.row_id for a in accepted.rows} == {r.row_id for r in rows if r.kind == "rewards"}

    picked = select_prompts(CURATOR, d, paths.splits_dir, TENANT, second, max_prompts=8, max_kept=1)

    questions = [p.messages[-1]["content"] for p in picked.prompts]
    assert questions == ["Name a bird.", "Name a tree.", "Name a fruit."]
    assert picked.skipped == {"same prompt and verifier as a newer row": 1}
    capped = select_prompts(CURATOR, d, paths.splits_dir, TENANT, second, max_prompts=1, max_kept=1)
    assert [p.messages[-1]["content"] for p in capped.prompts] == ["Name a bird."]
    assert capped.skipped["over max_prompts"] == 2


def test_kept_rows_go_onto_a_version_curated_while_sampling_and_never_revive_a_purged_prompt(paths):
    d = paths.datasets_dir
    fruit = curated([run(trace(80), "Name a fruit.", "banana")])
    sampled = write(paths, fruit)
    (prompt,) = select_prompts(
        CURATOR, d, paths.splits_dir, TENANT, sampled, max_prompts=8, max_kept=1
    ).prompts
    win = Sample({"role": "assistant", "content": "papaya"}, 1.0, "match", True)
    row = sft_row(prompt, win, adapter="champ", base_model="tiny", parent=sampled, settings=SAMPLING)
    # A curation ran while the model sampled: a newer version with another run's rows.
    color = curated([run(trace(81), "Name a color.", "black")])
    curated_meanwhile = versions.write_version(d, TENANT, fruit + color, {"parent": sampled})["version"]
    versions.record_decision(d, TENANT, curated_meanwhile, color[0].row_id, "reject", by="reviewer")

    version, added = write_derived(d, TENANT, sampled, [row], {"prompts": 1})

    assert added == 1
    manifest = versions.read_manifest(d, TENANT, version)
    assert manifest["parent"] == curated_meanwhile and manifest[SOURCE]["sampled_version"] == sampled
    assert {r.row_id for r in versions.all_rows(d, TENANT, version)} == {
        r.row_id for r in fruit + color + [row]
    }
    assert versions.decisions(d, TENANT, version)[color[0].row_id]["decision"] == "reject"

    # The prompt's run forgotten before the rows are written: nothing is written.
    versions.purge_trace(d, TENANT, trace(80))
    assert write_derived(d, TENANT, version, [row], {"prompts": 1}) == (version, 0)
