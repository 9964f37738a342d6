"""End to end through the CLI: held-out runs recorded by the curator's split, two random-init LoRA adapters
registered on the tiny model, ``evals run`` (candidate vs base), ``evals show``, ``gate`` (candidate vs the
champion, then reused), the HTML page with the interval drawn."""

import json
from pathlib import Path

import pytest
from _evals_fixtures import arithmetic_episode, random_lora, register_adapter
from tracewheel.curator.derive import Labelled, chat_messages
from tracewheel.curator.label import label_episode
from tracewheel.curator.split import assign_split, load_heldout_examples, load_split, record_heldout_examples
from tracewheel.trainer import registry
from tracewheel.trainer.model import build_tiny_model
from typer.testing import CliRunner

from tracewheel.cli.forget import forget_trace
from tracewheel.cli.main import app
from tracewheel.config import load_settings
from tracewheel.core.verifiers import verify


@pytest.fixture
def home(tmp_path, monkeypatch):
    import os

    cache = Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TRACEWHEEL_TRAINER__CACHE_DIR", str(cache))
    monkeypatch.setenv("TRACEWHEEL_SERVING__NUM_THREADS", "1")
    monkeypatch.setenv("TRACEWHEEL_EVALS__MAX_TOKENS", "8")
    monkeypatch.setenv("TRACEWHEEL_EVALS__BATCH_SIZE", "32")
    monkeypatch.setenv("TRACEWHEEL_EVALS__BOOTSTRAP_RESAMPLES", "200")
    settings = load_settings()
    tiny = build_tiny_model(cache)
    # Held-out runs as the curator records them (its split and labelling; redaction has nothing to do here).
    episodes = [arithmetic_episode(i, wrong=i % 3 == 0) for i in range(30)]
    split = assign_split(settings.paths.splits_dir, "acme", episodes, 0.3, 2)
    held = [e for e in episodes if e.episode_id in split.heldout_episodes()]
    items = [Labelled(e, label_episode(e, settings.curator, verify), chat_messages(e)) for e in held]
    record_heldout_examples(settings.paths.splits_dir, "acme", items, {})
    name = str(tiny.resolve())
    adapters = []
    for seed in (1, 2):
        path = random_lora(tiny, tmp_path / f"lora{seed}", seed)
        adapters.append(register_adapter(settings, "acme", path, name).adapter_id)
    return settings, adapters, len(held)


def _cli(*args):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output + str(result.exception)
    return json.loads(result.stdout)


def test_evals_run_show_and_gate(home):
    settings, (champ, cand), n_held = home
    run = _cli("evals", "run", "--adapter", cand, "--against", "base", "--tenant", "acme", "--json")
    assert run["baseline"] is None and run["candidate"] == cand
    assert run["decision"] in ("promote", "reject", "underpowered") and run["reasons"]
    ev = run["evidence"]
    assert ev["examples"] == n_held > 0 and ev["interval"]["method"] == "cluster bootstrap"
    assert run["suites"]["acme/arithmetic"] == n_held and run["suites"]["probes"] == 46
    assert {c["name"] for c in ev["checks"]} == {
        "probe pass rate",
        "reference perplexity",
        "unparseable tool-call rate",
    }
    assert set(run["perplexity"]) == {"candidate", "baseline"}
    report = Path(run["report"]).read_text()
    assert "<svg" in report and "min_lift" in report and "cluster bootstrap" in report
    # self-contained: no script, stylesheet or image is fetched from anywhere
    assert "<script" not in report and "<link" not in report and 'src="' not in report
    assert "http" not in report.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )

    shown = _cli("evals", "show", run["run_id"], "--json")
    assert shown["decision"] == run["decision"] and len(shown["examples"]) == n_held + 46
    example = shown["examples"][0]
    assert {"candidate", "baseline", "candidate_score", "baseline_score"} <= example.keys()

    # the gate compares against the champion; a second call reuses the run and logs another decision
    registry.transition(settings.paths.adapters_dir, "acme", champ, "champion", "test")
    first = _cli("gate", cand, "--tenant", "acme", "--json")
    assert first["baseline"] == champ and first["reused_run"] is False
    again = _cli("gate", cand, "--tenant", "acme", "--json")
    assert again["reused_run"] is True and again["run_id"] == first["run_id"]
    assert again["decision"] == first["decision"]
    decisions = (Path(first["path"]) / "decisions.jsonl").read_text().splitlines()
    assert len(decisions) == 2 and json.loads(decisions[0])["interval"] is not None
    # the gate never changes adapter status
    assert registry.get(settings.paths.adapters_dir, "acme", cand).status == "candidate"

    # forgetting a held-out trace removes it from the split and every eval run that quoted it
    trace = shown["examples"][0]["example_id"]
    out = forget_trace(settings, "acme", trace)
    assert out.heldout_records == 2 and set(out.eval_runs) == {run["run_id"], first["run_id"]}
    assert trace not in {e["episode_id"] for e in load_heldout_examples(settings.paths.splits_dir, "acme")}
    assert trace not in load_split(settings.paths.splits_dir, "acme").episodes
    assert not Path(first["path"]).exists()


def test_outputs_and_perplexity_reused_from_earlier_runs(home, monkeypatch):
    """The champion was an earlier run's candidate: its greedy outputs and perplexity are read back, not generated
    again, and they are the ones that run stored; other generation settings generate everything."""
    settings, (champ, cand), n_held = home
    first = _cli("evals", "run", "--adapter", champ, "--against", "base", "--tenant", "acme", "--json")
    assert first["reused_outputs"] == 0
    registry.transition(settings.paths.adapters_dir, "acme", champ, "champion", "test")

    second = _cli("evals", "run", "--adapter", cand, "--against", "champion", "--tenant", "acme", "--json")
    assert second["baseline"] == champ
    assert second["reused_outputs"] == n_held + 46  # every champion output, none of the candidate's
    assert second["perplexity"]["baseline"] == first["perplexity"]["candidate"]
    before = {
        e["example_id"]: e["candidate"] for e in _cli("evals", "show", first["run_id"], "--json")["examples"]
    }
    after = {
        e["example_id"]: e["baseline"] for e in _cli("evals", "show", second["run_id"], "--json")["examples"]
    }
    assert after == before

    # the base's outputs come from the first run too; the candidate's from the second
    third = _cli("evals", "run", "--adapter", cand, "--against", "base", "--tenant", "acme", "--json")
    assert third["reused_outputs"] == 2 * (n_held + 46)

    monkeypatch.setenv("TRACEWHEEL_EVALS__MAX_TOKENS", "6")
    other = _cli("evals", "run", "--adapter", cand, "--against", "base", "--tenant", "acme", "--json")
    assert other["reused_outputs"] == 0
    monkeypatch.setenv("TRACEWHEEL_EVALS__MAX_TOKENS", "8")
    monkeypatch.setenv("TRACEWHEEL_EVALS__REUSE_RUNS", "0")
    off = _cli("evals", "run", "--adapter", cand, "--against", "base", "--tenant", "acme", "--json")
    assert off["reused_outputs"] == 0
