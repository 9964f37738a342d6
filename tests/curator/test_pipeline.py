"""The whole curation run on realistic episodes, with the real Presidio redactor and injection screener
(curator/pipeline.py)."""

import json
from datetime import timedelta

import pytest
from _episode_fixtures import (
    INJECTION,
    ListSource,
    batch,
    corrected_run,
    engines,
    injected_run,
    math_run,
    thumb,
    weather_bad,
    weather_good,
    weather_run,
    write_eval_suite,
)
from tracewheel.collector.episode import Feedback
from tracewheel.curator import versions
from tracewheel.curator.pipeline import Engines, curate, curate_tenant

from tracewheel.config import load_settings


@pytest.fixture(scope="module")
def real_engines():
    return engines()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    write_eval_suite(tmp_path)
    return load_settings()


def all_text(settings, tenant, version):
    root = settings.paths.datasets_dir / tenant / version
    return (
        " ".join(
            json.dumps([r.data, r.lineage])
            for r in versions.all_rows(settings.paths.datasets_dir, tenant, version)
        )
        + (root / "manifest.json").read_text()
    )


def test_first_run_curates_a_realistic_batch(settings, real_engines):
    (result,) = curate(settings.curator, settings.paths, ListSource(batch()), real_engines)
    c = result.counts
    assert result.new_version and result.parent is None
    assert c["selected"] == 12 and c["curated"] == 8
    assert c["skipped"] == {
        "binary tool result": 1,
        "tool result too large": 1,
        "invalid tool-call arguments": 1,
    }
    assert c["held_back"] == {"no user message": 1}  # the integrity check (curator/integrity.py)
    assert [(h["trace_id"], h["reason"]) for h in result.held_back] == [("b8" * 16, "no user message")]
    assert any("5200000 bytes" in d for d in result.skipped_details)
    assert c["redacted"].get("PERSON", 0) >= 2 and c["redacted"].get("EMAIL_ADDRESS", 0) >= 2
    assert c["quarantined"] == 1
    assert c["deduplicated"]["exact"] == 2  # the repeated arithmetic run: its SFT and rewards rows
    assert c["decontaminated"] == 2  # the eval-suite prompt's SFT and KTO rows
    assert c["labels"] == {"good": 5, "bad": 3}
    # sft: two good runs and the corrected run with its correction as the answer
    assert c["new_rows"] == {"sft": 3, "dpo": 2, "kto": 2, "rewards": 1, "quarantine": 1}

    v, d = result.version, settings.paths.datasets_dir
    text = all_text(settings, "acme", v)
    assert "John Smith" not in text and "john.smith@example.com" not in text
    assert "<PERSON_1>" in text and "<EMAIL_ADDRESS_1>" in text

    manifest = versions.read_manifest(d, "acme", v)
    assert manifest["parent"] is None
    assert manifest["selection"]["mode"] == "watermark" and manifest["selection"]["watermark"]
    assert manifest["counts"]["selected"] == 12
    assert manifest["config"]["near_duplicate_threshold"] == settings.curator.near_duplicate_threshold

    injected = injected_run().trace_id
    for kind in versions.TRAINABLE_KINDS:
        for row in versions.read_rows(d, "acme", v, kind):
            assert injected not in row.lineage["trace_ids"]
            assert set(row.lineage) >= {"trace_ids", "selected_because", "redaction", "screening", "labels"}
            assert INJECTION[:30] not in json.dumps(row.data)
    (q,) = versions.read_rows(d, "acme", v, "quarantine")
    (flag,) = q.data["flags"]
    assert q.data["trace_id"] == injected and flag["tool"] == "fetch_url" and flag["message_index"] == 3
    assert flag["span_id"] == "span-fetch" and "IGNORE ALL PREVIOUS" in flag["excerpt"]
    assert sorted(cand["kind"] for cand in q.data["candidates"]) == ["kto", "sft"]

    # nothing trains on the injected run until a reviewer releases it
    assert all(
        injected not in json.dumps(r)
        for r in versions.training_rows(d, "acme", v, "sft", reviewed_only=False)
    )
    versions.record_decision(d, "acme", v, q.row_id, "release")
    released = versions.training_rows(d, "acme", v, "sft")
    assert len(released) == 1 and "TrailLite" in json.dumps(released[0])


def test_rerun_without_new_data_changes_nothing(settings, real_engines):
    (first,) = curate(settings.curator, settings.paths, ListSource(batch()), real_engines)
    wm = (settings.paths.datasets_dir / "acme" / ".watermark.json").read_text()
    (second,) = curate(settings.curator, settings.paths, ListSource(batch()), real_engines)
    assert second.counts["selected"] == 0
    assert second.version == first.version and not second.new_version
    assert (settings.paths.datasets_dir / "acme" / ".watermark.json").read_text() == wm
    assert len(versions.list_versions(settings.paths.datasets_dir, "acme")) == 1


def test_incremental_run_keeps_rows_replaces_updated_runs_and_carries_reviews(settings, real_engines):
    episodes = batch()
    source = ListSource(episodes)
    (v1,) = curate(settings.curator, settings.paths, source, real_engines)
    d = settings.paths.datasets_dir
    for row in versions.read_rows(d, "acme", v1.version, "sft"):
        versions.record_decision(d, "acme", v1.version, row.row_id, "accept")

    # late feedback on an old run (a thumb down on the arithmetic run), and a new day's run
    late = next(e for e in episodes if e.trace_id == math_run().trace_id)
    late.feedback.append(Feedback(thumb="down", received_at=late.ended_at + timedelta(hours=3)))
    late.last_received_at = late.ended_at + timedelta(hours=3)
    source.items.append(
        weather_run(
            "99" * 16,
            "Paris, France",
            json.dumps(
                {
                    "city": "Paris, France",
                    "date": "2026-11-21",
                    "sky": "showers",
                    "high_c": 11,
                    "wind": "gusty",
                }
            ),
            "Showers all day in Paris tomorrow with gusty wind, 11°C at best: take an umbrella and a windproof jacket.",
            thumb("up", 0.8, minutes=200),
            minutes=200,
        )
    )
    (v2,) = curate(settings.curator, settings.paths, source, real_engines)
    assert v2.new_version and v2.parent == v1.version
    assert v2.counts["selected"] == 2
    assert v2.counts["replaced_from_parent"] == 2  # the arithmetic run's SFT and rewards rows
    diff = versions.diff_versions(d, "acme", v1.version, v2.version)
    assert len(diff["sft"]["removed"]) == 1  # thumbs down: no longer a good run
    assert len(diff["sft"]["added"]) == 1 and len(diff["kto"]["added"]) == 2
    assert diff["quarantine"] == {"added": [], "removed": []}
    # the new good weather run pairs with the bad one curated yesterday (read back from v1's rows)
    (pair_id,) = diff["dpo"]["added"]
    (pair,) = [r for r in versions.read_rows(d, "acme", v2.version, "dpo") if r.row_id == pair_id]
    assert pair.lineage["trace_ids"] == ["99" * 16, weather_bad().trace_id]
    assert "earlier version" in pair.lineage["selected_because"]
    assert pair.lineage["redaction"][weather_bad().trace_id]["PERSON"] >= 1
    assert pair.data["chosen"][0]["tool_calls"][0]["function"]["arguments"]["city"] == "Paris, France"
    # the weather SFT row and the corrected run's SFT row were accepted in v1 and stay accepted in v2
    kept = [
        r for r in versions.read_rows(d, "acme", v2.version, "sft") if r.row_id not in diff["sft"]["added"]
    ]
    decided = versions.decisions(d, "acme", v2.version)
    assert len(kept) == 2 and all(decided[r.row_id]["decision"] == "accept" for r in kept)
    assert v2.counts["review_decisions_carried"] == 2


def test_a_crash_mid_run_leaves_no_version_and_no_moved_watermark(settings, real_engines):
    class Crash:
        def stage(self, name, total):
            if "deduplicating" in name:
                raise KeyboardInterrupt

        def advance(self, n=1):
            pass

    with pytest.raises(KeyboardInterrupt):
        curate(settings.curator, settings.paths, ListSource(batch()), real_engines, progress=Crash())
    assert versions.list_versions(settings.paths.datasets_dir, "acme") == []
    assert not (settings.paths.datasets_dir / "acme" / ".watermark.json").exists()
    (result,) = curate(settings.curator, settings.paths, ListSource(batch()), real_engines)
    assert result.counts["selected"] == 12


def test_engine_failures_skip_only_the_failing_episode(settings, real_engines):
    class PickyRedactor:
        def redact_episodes(self, episodes):
            if any(e.trace_id == corrected_run().trace_id for e in episodes):
                raise RuntimeError("analyzer blew up")
            return real_engines.redactor.redact_episodes(episodes)

    class PickyScreener:
        def screen_episode(self, episode):
            if episode.trace_id == math_run().trace_id:
                raise RuntimeError("model file vanished")
            return real_engines.screener.screen_episode(episode)

    eng = Engines(PickyRedactor(), PickyScreener(), real_engines.verify)
    result = curate_tenant(
        settings.curator,
        settings.paths,
        ListSource([weather_good(), corrected_run(), math_run()]),
        "acme",
        eng,
    )
    assert result.counts["skipped"] == {"redaction failed": 1, "screening failed": 1}
    assert result.counts["curated"] == 1
    assert any("analyzer blew up" in d for d in result.skipped_details)


def test_tenants_are_curated_separately(settings, real_engines):
    other = weather_good("77" * 16).model_copy(update={"tenant": "globex"})
    results = curate(settings.curator, settings.paths, ListSource([weather_good(), other]), real_engines)
    assert [r.tenant for r in results] == ["acme", "globex"]
    assert versions.list_tenants(settings.paths.datasets_dir) == ["acme", "globex"]
    (only,) = curate(
        settings.curator,
        settings.paths,
        ListSource([weather_good(), other, math_run()]),
        real_engines,
        tenant="globex",
    )
    assert only.tenant == "globex" and only.counts["selected"] == 0
