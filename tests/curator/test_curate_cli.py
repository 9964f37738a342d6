"""``tracewheel curate`` end to end through the real TraceStore (recorded OTel samples written as the collector's
Parquet segments, feedback, a corrupt segment), and the ``datasets`` commands on the versions it made."""

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from _episode_fixtures import engines
from tracewheel.collector import segments
from tracewheel.collector.otlp import parse_trace_request
from tracewheel.collector.store import TraceStore
from tracewheel.collector.wal import Signal, WalRecord
from tracewheel.curator import versions
from tracewheel.curator.pipeline import curate
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import load_settings

SAMPLES = Path("/work/shared/otel-samples")
T0 = 1_795_388_603_000_000_000  # the samples' capture time (ns)
TRACEWHEEL = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "tracewheel")
WEATHER_OK = "5940924a519c837dfebd220dcea4efc9"  # openinference: tool call round trip with the final answer
WEATHER_CUT = "ee55c34096a06b6a16a648839d31f9f1"  # the same question, run stopped at the tool call
WEATHER_OK_COPY = "53f8737547b6b36f4fc13e1651034a35"  # the same run captured by another instrumentation
STREAMED = "d2d370236d43ee82a0bc10a81d791537"  # "Stream me the answer." (also an eval-suite prompt)
EMAIL_RUN = "eb5732cb36520628e64be9743e3e07c5"  # "My email is jane.doe@example.com"


def _traces(label: str, tenant: str, received: int) -> WalRecord:
    body = (SAMPLES / f"{label}.otlp.json").read_bytes()
    return WalRecord(
        Signal.TRACES, tenant, received, parse_trace_request(body, "application/json").SerializeToString()
    )


def _feedback(tenant: str, received: int, trace_id: str, **item) -> WalRecord:
    doc = {
        "trace_id": trace_id,
        "score": None,
        "thumb": None,
        "comment": None,
        "corrected_answer": None,
        **item,
    }
    return WalRecord(Signal.FEEDBACK, tenant, received, json.dumps(doc).encode())


def cli(home: Path, *args: str) -> str:
    """A command run in-process (Typer's runner): its stdout."""
    result = CliRunner().invoke(app, list(args), env={"TRACEWHEEL_HOME": str(home), "NO_COLOR": "1"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """A command run as a user runs it (a subprocess of the installed entry point)."""
    # Module-scoped fixtures run before the autouse fixture that turns the held-out split off, so say it here:
    # these counts are about every run becoming rows (tests/evals/test_split.py covers the split).
    env = {
        **os.environ,
        "TRACEWHEEL_HOME": str(home),
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "TRACEWHEEL_CURATOR__HELDOUT_FRACTION": "0",
        "TRACEWHEEL_CURATOR__HELDOUT_MIN_PER_TASK": "0",
    }
    proc = subprocess.run([TRACEWHEEL, *args], env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    traces = home / "traces"
    records = [
        _traces(label, "acme", T0 + i)
        for i, label in enumerate(
            ["openinference_default", "traceloop_default", "otel-v2_latest_span_and_event"]
        )
    ]
    records += [
        _feedback("acme", T0 + 10, WEATHER_OK, thumb="up", score=1.0),
        _feedback("acme", T0 + 11, WEATHER_CUT, thumb="down"),
        _feedback("acme", T0 + 12, EMAIL_RUN, corrected_answer="Paris. (Contact: jane.doe@example.com)"),
        _feedback("acme", T0 + 13, STREAMED, score=0.8),
        _feedback("acme", T0 + 14, WEATHER_OK_COPY, thumb="up", score=1.0),
        _traces("traceloop_default", "globex", T0 + 20),
    ]
    written = segments.flush_segment(traces, 1, records)
    # a segment truncated by a dying disk: the store skips it, the curator says so and goes on
    bad = written[0].with_name("00000000-dead-beef-0000-000000000000.parquet")
    bad.write_bytes(b"PAR1 this is not a parquet file")
    evals = home / "evals" / "acme"
    evals.mkdir(parents=True)
    (evals / "suite.jsonl").write_text(json.dumps({"prompt": "Stream me the answer."}) + "\n")
    return home


@pytest.fixture(scope="module")
def curated(home):
    proc = run(home, "curate", "--json")
    return json.loads(proc.stdout), proc.stderr


def test_curate_reads_the_store_and_reports_counts(curated):
    results, stderr = curated
    assert [r["tenant"] for r in results] == ["acme", "globex"]
    acme = results[0]
    c = acme["counts"]
    assert acme["version"].startswith("ds-") and acme["new_version"] and acme["parent"] is None
    assert c["selected"] == 12
    assert c["skipped"] == {"corrupt segment": 1}
    assert c["redacted"]["EMAIL_ADDRESS"] >= 3
    assert c["decontaminated"] == 1  # the scored "Stream me the answer." run's SFT row
    assert c["deduplicated"]["exact"] == 2  # the copy's SFT and KTO rows
    # the run stopped at its tool call (and its copies from the other instrumentations) is held back: its thumb
    # down gives no KTO row (curator/integrity.py)
    assert c["held_back"] == {"tool call without result": 3}
    assert WEATHER_CUT in {h["trace_id"] for h in acme["held_back"]}
    assert c["new_rows"]["sft"] >= 1 and c["new_rows"]["kto"] == 1 and c["new_rows"]["dpo"] >= 1
    assert set(c) >= {
        "quarantined",
        "labels",
        "new_rows",
        "deduplicated",
        "decontaminated",
        "skipped",
        "redacted",
    }
    assert "Traceback" not in stderr
    globex = results[1]
    assert globex["version"] is None and globex["counts"]["selected"] > 0
    assert globex["counts"]["labels"] == {"unknown": globex["counts"]["curated"]}


def test_curated_rows_are_redacted_with_lineage(home, curated):
    acme = curated[0][0]
    d = home / "datasets"
    text = "".join(json.dumps([r.data, r.lineage]) for r in versions.all_rows(d, "acme", acme["version"]))
    assert "jane.doe@example.com" not in text and "<EMAIL_ADDRESS_1>" in text
    (kto_up,) = [r for r in versions.read_rows(d, "acme", acme["version"], "kto") if r.data["label"]]
    assert kto_up.lineage["trace_ids"] in ([WEATHER_OK], [WEATHER_OK_COPY])  # one kept, its copy deduplicated
    call = kto_up.data["completion"][0]["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "get_weather"
    assert call["function"]["arguments"]["city"] == "Paris"  # parsed into a dict for the chat template
    tool = kto_up.data["completion"][1]
    assert set(tool) == {"role", "tool_call_id", "name", "content"} and tool["name"] == "get_weather"
    assert tool["tool_call_id"] == call["id"] == "call_abc123"  # the run's own call id, on call and result
    assert json.loads(tool["content"])["temp_c"] == 21
    assert kto_up.data["tools"][0]["function"]["name"] == "get_weather"


def test_datasets_list_show_export(home, curated):
    version = curated[0][0]["version"]
    listed = json.loads(cli(home, "datasets", "list", "--json"))
    assert [(v["tenant"], v["version"]) for v in listed] == [("acme", version)]
    # globex's runs carry no outcome signal yet: nothing to train on, so no version
    assert json.loads(cli(home, "datasets", "list", "--tenant", "globex", "--json")) == []
    shown = json.loads(cli(home, "datasets", "show", version, "--json"))
    assert shown["version"] == version and shown["tenant"] == "acme"
    assert shown["selection"]["watermark"] and shown["counts"]["selected"] == 12
    assert shown["review"]["decided"] == 0 and shown["review"]["undecided"] == sum(shown["rows"].values())

    kto = [
        json.loads(line) for line in cli(home, "datasets", "export", version, "--kind", "kto").splitlines()
    ]
    assert sorted(r["label"] for r in kto) == [True] and set(kto[0]) == {
        "prompt",
        "completion",
        "label",
        "tools",
    }
    everything = [json.loads(line) for line in cli(home, "datasets", "export", version).splitlines()]
    assert {r["kind"] for r in everything} >= {"sft", "kto", "dpo"}
    assert all(r["lineage"]["trace_ids"] for r in everything)
    out = home / "sft.parquet"
    cli(home, "datasets", "export", version, "--format", "parquet", "--kind", "sft", "-o", str(out))
    table = pq.read_table(out)
    assert table.num_rows == shown["rows"]["sft"] and "messages" in table.column_names
    # what training takes: nothing until reviewed
    assert cli(home, "datasets", "export", version, "--kind", "sft", "--reviewed") == ""


def test_datasets_diff_after_late_feedback(home, curated, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    settings = load_settings()
    old = curated[0][0]["version"]
    late = datetime.now(UTC) + timedelta(minutes=1)
    at = int(late.timestamp() * 1e9)
    segments.flush_segment(
        settings.paths.traces_dir,
        2,
        [
            _feedback("acme", at, WEATHER_OK, thumb="down"),
            _feedback("acme", at + 1, WEATHER_OK_COPY, thumb="down"),
        ],
    )
    (result,) = curate(
        settings.curator, settings.paths, TraceStore(settings.paths.traces_dir), engines(), tenant="acme"
    )
    assert result.counts["selected"] == 2 and result.parent == old
    diff = json.loads(cli(home, "datasets", "diff", old, result.version, "--json"))
    assert diff["summary"]["kto"] == {"added": 1, "removed": 1}  # the thumb flipped
    assert diff["rows"]["kto"]["removed"][0] not in diff["rows"]["kto"]["added"]


def test_bad_input_is_one_clear_line(home):
    for args, message in [
        (("curate", "--since", "last tuesday"), "--since 'last tuesday' is not an ISO 8601 time"),
        (("datasets", "show", "ds-000000000000"), "dataset version 'ds-000000000000' not found"),
    ]:
        proc = run(home, *args, check=False)
        assert proc.returncode == 1
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
