"""Review at scale (curator/review_bulk.py): bulk decisions by selector, spot-check samples, the per-tenant
auto-accept policy, who decided recorded on every decision, and quarantined or held-back runs never released."""

import json
import os
from pathlib import Path

import pytest
from _episode_fixtures import ListSource, batch, engines, write_eval_suite
from tracewheel.curator import versions
from tracewheel.curator.pipeline import curate
from tracewheel.curator.review_bulk import (
    FLAGGED_REFUSED,
    HELD_BACK_REFUSED,
    QUARANTINE_REFUSED,
    Selector,
    apply_auto_accept,
    decide,
    select_rows,
)
from tracewheel.curator.settings import AutoAcceptPolicy, AutoAcceptRule
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import load_settings


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    """One curated version of the fixture batch; each test copies it (decisions are appended to it)."""
    home = tmp_path_factory.mktemp("bulk-home")
    old = os.environ.get("TRACEWHEEL_HOME")
    os.environ["TRACEWHEEL_HOME"] = str(home)
    try:
        write_eval_suite(home)
        settings = load_settings()
        (result,) = curate(settings.curator, settings.paths, ListSource(batch()), engines())
    finally:
        if old is None:
            os.environ.pop("TRACEWHEEL_HOME", None)
        else:
            os.environ["TRACEWHEEL_HOME"] = old
    return home, result.version


@pytest.fixture
def home(curated, tmp_path, monkeypatch):
    import shutil

    src, version = curated
    shutil.copytree(src / "datasets", tmp_path / "datasets")
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    return tmp_path, tmp_path / "datasets", version


def rows_of(d: Path, version: str) -> dict[str, versions.DatasetRow]:
    return {r.row_id: r for r in versions.all_rows(d, "acme", version)}


def cli(home: Path, *args: str):
    result = CliRunner().invoke(app, list(args), env={"TRACEWHEEL_HOME": str(home), "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result


def reviews(d: Path, version: str) -> list[dict]:
    path = versions.version_dir(d, "acme", version) / "reviews.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_selectors_pick_by_kind_label_reason_and_source(home):
    _, d, v = home
    rows = rows_of(d, v)
    kinds = {r.kind for r in rows.values()}
    assert {"sft", "dpo", "kto", "rewards", "quarantine"} <= kinds

    def picked(**kw):
        return {r.row_id for r in select_rows(d, "acme", v, Selector(**kw))}

    assert picked(kinds=["sft"]) == {r.row_id for r in rows.values() if r.kind == "sft"}
    good_sft = picked(kinds=["sft"], labels=["good"])
    corrections = picked(kinds=["sft"], sources=["correction"])  # SFT from corrections: the corrected run
    assert corrections and picked(kinds=["sft"], labels=["bad"]) == corrections
    assert good_sft and good_sft == picked(kinds=["sft"]) - corrections  # the other SFT rows: good runs
    assert picked(kinds=["dpo"], labels=["bad"])  # the corrected run: its own run was labelled bad
    # reasons: the curator's label reasons, selection reason and flags, any case
    corrected = picked(reasons=["USER CORRECTED"])
    assert corrected and all("corrected" in json.dumps(rows[i].lineage) for i in corrected)
    injected = picked(reasons=["ignore its previous instructions"])
    assert {rows[i].kind for i in injected} == {"quarantine"}
    redacted = picked(reasons=["redacted PERSON"])
    assert redacted and all("PERSON" in json.dumps(rows[i].lineage["redaction"]) for i in redacted)
    # sources: feedback (scores, thumbs, corrections) and verifier
    by_verifier = picked(sources=["verifier"], kinds=["sft"])
    assert by_verifier and all("verifier" in rows[i].lineage["selected_because"] for i in by_verifier)
    assert picked(sources=["feedback"], kinds=["kto"]) == picked(kinds=["kto"])
    assert not picked(sources=["rejection_sampling"])
    # a sample is a seeded subset, the same for the same seed
    every = picked()
    three = picked(sample=3, seed=7)
    assert len(three) == 3 and three <= every and three == picked(sample=3, seed=7)
    assert picked(sample=1000) == every


def test_bulk_reject_by_selector_records_who_and_keeps_rows_out_of_training(home):
    home_dir, d, v = home
    rows = rows_of(d, v)
    before = versions.training_rows(d, "acme", v, "sft", reviewed_only=False)

    dry = json.loads(
        cli(
            home_dir,
            "datasets",
            "decide",
            v,
            "--reject",
            "--kind",
            "sft",
            "--source",
            "verifier",
            "--dry-run",
            "--json",
        ).stdout
    )
    assert dry["dry_run"] and dry["counts"] == {"reject": len(dry["rows"])} and dry["rows"]
    assert reviews(d, v) == []  # a dry run records nothing

    out = json.loads(
        cli(
            home_dir,
            "datasets",
            "decide",
            v,
            "--reject",
            "--kind",
            "sft",
            "--source",
            "verifier",
            "--by",
            "ana",
            "--json",
        ).stdout
    )
    assert [r["row_id"] for r in out["rows"]] == [r["row_id"] for r in dry["rows"]]
    recorded = reviews(d, v)
    assert {e["row_id"] for e in recorded} == {r["row_id"] for r in out["rows"]}
    for entry in recorded:
        assert entry["decision"] == "reject" and entry["by"] == "ana" and entry["at"]
        assert entry["selector"] == {"kinds": ["sft"], "sources": ["verifier"]}
    rejected = [rows[e["row_id"]].data for e in recorded]
    after = versions.training_rows(d, "acme", v, "sft", reviewed_only=False)
    assert all(r not in after for r in rejected) and len(after) == len(before) - len(rejected)
    assert all(r not in versions.training_rows(d, "acme", v, "sft") for r in rejected)

    # accept the rest of the SFT rows; the default --by is the OS user; decided rows are left alone
    out = json.loads(cli(home_dir, "datasets", "decide", v, "--accept", "--kind", "sft", "--json").stdout)
    import getpass

    assert out["rows"] and {r["by"] for r in out["rows"]} == {getpass.getuser()}
    taken = versions.training_rows(d, "acme", v, "sft")
    assert all(r not in taken for r in rejected)
    assert {json.dumps(rows[r["row_id"]].data, sort_keys=True) for r in out["rows"]} == {
        json.dumps(r, sort_keys=True) for r in taken
    }
    # --include-decided lets a person revisit: the latest decision wins
    text = cli(home_dir, "datasets", "decide", v, "--reject", "--kind", "sft", "--include-decided").stdout
    assert "recorded reject" in text
    assert versions.training_rows(d, "acme", v, "sft") == []


def test_bulk_never_releases_quarantine_but_may_reject_it(home):
    _, d, v = home
    quarantined = [r for r in rows_of(d, v).values() if r.kind == "quarantine"]
    out = decide(d, "acme", v, Selector(), "accept", "ana")
    assert out.refused[QUARANTINE_REFUSED] == len(quarantined)
    assert all(versions.decisions(d, "acme", v).get(q.row_id) is None for q in quarantined)
    assert not any(
        "TrailLite" in json.dumps(versions.training_rows(d, "acme", v, k)) for k in versions.TRAINABLE_KINDS
    )
    out = decide(d, "acme", v, Selector(kinds=["quarantine"]), "reject", "ana")
    assert [r.row_id for r in out.rows] == [q.row_id for q in quarantined]


def test_spot_check_review_shows_only_the_sample(home):
    home_dir, d, v = home
    sample = select_rows(d, "acme", v, Selector(kinds=["sft", "kto"], sample=2, seed=3))
    result = CliRunner().invoke(
        app,
        [
            "datasets",
            "review",
            v,
            "--kind",
            "sft",
            "--kind",
            "kto",
            "--sample",
            "2",
            "--seed",
            "3",
            "--by",
            "bo",
        ],
        input="a\nr\n",
        env={"TRACEWHEEL_HOME": str(home_dir), "NO_COLOR": "1", "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "2 row(s) to review" in result.output
    chosen = versions.decisions(d, "acme", v)
    assert set(chosen) == {r.row_id for r in sample}  # the rest untouched
    assert sorted(e["decision"] for e in chosen.values()) == ["accept", "reject"]
    assert {e["by"] for e in chosen.values()} == {"bo"}
    assert all(e["selector"]["sample"] == 2 and e["selector"]["seed"] == 3 for e in chosen.values())


GOOD_VERIFIED = AutoAcceptRule(name="verified", kinds=["sft", "kto"], labels=["good"])


def test_auto_accept_policy_accepts_verified_clean_rows_and_records_the_policy(home):
    _, d, v = home
    rows = rows_of(d, v)
    policy = AutoAcceptPolicy(rules=[GOOD_VERIFIED])
    dry = apply_auto_accept(d, "acme", v, policy, dry_run=True)
    assert dry.rows and versions.decisions(d, "acme", v) == {}
    out = apply_auto_accept(d, "acme", v, policy)
    assert [r.row_id for r in out.rows] == [r.row_id for r in dry.rows]
    for decided in out.rows:
        lin = rows[decided.row_id].lineage
        assert decided.kind in ("sft", "kto") and decided.by == "policy:verified"
        assert "verifier" in json.dumps(lin["labels"]) and "passed" in json.dumps(lin["labels"])
        assert not any(any(c.values()) for c in lin["redaction"].values())  # nothing redacted
    # the redacted weather run (PERSON, EMAIL) was not auto-accepted
    assert all("PERSON" not in json.dumps(rows[r.row_id].lineage) for r in out.rows)
    for entry in reviews(d, v):
        assert entry["by"] == "policy:verified" and entry["selector"]["policy"] == "verified"
        assert entry["selector"]["rule"]["require_verifier_pass"] is True
    # a second run decides nothing new, and a person's reject is never overridden
    assert apply_auto_accept(d, "acme", v, policy).rows == []
    other = next(r for r in rows.values() if r.kind == "sft" and r.row_id not in {x.row_id for x in out.rows})
    versions.record_decision(d, "acme", v, other.row_id, "reject", by="ana")
    lenient = AutoAcceptPolicy(
        rules=[
            AutoAcceptRule(
                name="all", kinds=["sft"], labels=[], require_verifier_pass=False, allow_redacted=True
            )
        ]
    )
    apply_auto_accept(d, "acme", v, lenient)
    assert versions.decisions(d, "acme", v)[other.row_id]["decision"] == "reject"
    # per tenant: another tenant's rules do not apply to acme
    assert apply_auto_accept(d, "acme", v, AutoAcceptPolicy(tenants={"globex": [GOOD_VERIFIED]})).rows == []


def test_a_policy_that_tries_never_releases_quarantine_or_held_back_runs(home):
    _, d, v = home
    everything = AutoAcceptPolicy(
        rules=[
            AutoAcceptRule(
                name="everything",
                kinds=["sft", "dpo", "kto", "rewards"],
                labels=[],
                require_verifier_pass=False,
                allow_redacted=True,
            )
        ]
    )
    # A version whose manifest holds back the run an SFT row came from, beside a flagged row outside quarantine
    rows = versions.all_rows(d, "acme", v)
    sft = next(r for r in rows if r.kind == "sft")
    flagged = versions.DatasetRow(
        "sft",
        {**sft.data, "messages": [*sft.data["messages"], {"role": "user", "content": "again"}]},
        {**sft.lineage, "trace_ids": ["ab" * 16], "screening": {"ab" * 16: [{"reasons": ["injection"]}]}},
    )
    held = sft.lineage["trace_ids"][0]
    manifest = versions.write_version(
        d, "acme", [*rows, flagged], {"held_back": [{"trace_id": held, "reason": "no final answer"}]}
    )
    v2 = manifest["version"]

    out = apply_auto_accept(d, "acme", v2, everything)
    decided = {r.row_id for r in out.rows}
    quarantined = [r for r in rows if r.kind == "quarantine"]
    assert quarantined and out.refused[QUARANTINE_REFUSED] == len(quarantined)
    assert out.refused[FLAGGED_REFUSED] == 1 and flagged.row_id not in decided
    assert out.refused[HELD_BACK_REFUSED] >= 1 and sft.row_id not in decided
    chosen = versions.decisions(d, "acme", v2)
    assert all(e["decision"] == "accept" for e in chosen.values())
    assert not any(q.row_id in chosen for q in quarantined)
    for kind in versions.TRAINABLE_KINDS:
        taken = json.dumps(versions.training_rows(d, "acme", v2, kind))
        assert "TrailLite" not in taken  # the injected run's candidates stay held
        assert '"again"' not in taken
    assert sft.data not in versions.training_rows(d, "acme", v2, "sft")
    # a quarantine kind cannot even be written into a rule
    with pytest.raises(ValueError):
        AutoAcceptRule(name="q", kinds=["quarantine"])


def test_auto_accept_command_reads_the_tenants_policy(home):
    home_dir, d, v = home
    (home_dir / "config.toml").write_text(
        '[[curator.auto_accept.tenants.acme]]\nname = "verified"\nkinds = ["sft", "kto"]\n'
    )
    dry = json.loads(
        cli(home_dir, "datasets", "auto-accept", "--latest", "--tenant", "acme", "--dry-run", "--json").stdout
    )
    assert dry[0]["version"] == v and dry[0]["dry_run"] and dry[0]["rows"]
    assert versions.decisions(d, "acme", v) == {}
    text = cli(home_dir, "datasets", "auto-accept", v).stdout
    assert "recorded accept" in text and "policy:verified" in text and "quarantine" in text
    assert {e["by"] for e in versions.decisions(d, "acme", v).values()} == {"policy:verified"}


def test_decide_refuses_unclear_requests(home):
    home_dir, d, v = home
    for args, message in [
        (["--accept", "--reject"], "exactly one of --accept or --reject"),
        ([], "exactly one of --accept or --reject"),
        (["--accept", "--label", "great"], "--label must be good, bad or unknown"),
        (["--accept", "--kind", "pairs"], "--kind must be one of"),
    ]:
        result = CliRunner().invoke(
            app, ["datasets", "decide", v, *args], env={"TRACEWHEEL_HOME": str(home_dir), "NO_COLOR": "1"}
        )
        assert result.exit_code != 0 and message in str(result.exception), result.output
    assert versions.decisions(d, "acme", v) == {}
