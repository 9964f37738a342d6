"""Attacks on the data lifecycle and on ids (issue 10): path traversal through ids, a revoked key that still works,
files other users can read, a trace or tenant that cannot be forgotten, two tenants' spans merged into one view,
two curations racing. Everything goes through the real CLI (installed entry point as a subprocess, or Typer's
runner) against a real collector (``tests/collector/_collector_harness.py``)."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collector"))

from _collector_harness import CollectorProcess, running_collector, wait_for  # noqa: E402
from _trace_fixtures import JSON, T0, feedback_record, flush, leave_in_wal, span, trace_body, trace_record  # noqa: E402
from tracewheel.collector import segments, wal  # noqa: E402
from tracewheel.collector.settings import CollectorSettings  # noqa: E402
from tracewheel.curator import versions  # noqa: E402
from tracewheel.trainer import registry  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from tracewheel.cli.main import app  # noqa: E402
from tracewheel.core import ids  # noqa: E402
from tracewheel.core.errors import TracewheelError  # noqa: E402

TRACEWHEEL = str(Path(sys.executable).parent / "tracewheel")
FORGET_TRACE = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
KEEP_TRACE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BETA_TRACE = "1234567890abcdef1234567890abcdef"
FORGET_MARKER = "quokkaflumpet"
KEEP_MARKER = "wombatgrizzle"
BETA_MARKER = "platypuswhistle"


def tw(home: Path, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``tracewheel ARGS`` as a user runs it."""
    env = {**os.environ, "TRACEWHEEL_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [TRACEWHEEL, *args], env=env, capture_output=True, text=True, timeout=600, input=stdin or ""
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    return lines[0]


def chat_trace(trace_id: str, marker: str, span_id: str = "00000000000000a1") -> bytes:
    """One successful chat turn whose question and answer carry ``marker``."""
    user = {"role": "user", "parts": [{"type": "text", "content": f"What is the code word for {marker}?"}]}
    answer = {
        "role": "assistant",
        "parts": [{"type": "text", "content": f"The code word is {marker}."}],
        "finish_reason": "stop",
    }
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "qwen-tiny",
        "gen_ai.provider.name": "openai",
        "gen_ai.input.messages": json.dumps([user]),
        "gen_ai.output.messages": json.dumps([answer]),
        "gen_ai.response.finish_reasons": ["stop"],
    }
    now = time.time_ns()
    return trace_body("agent", [span(trace_id, span_id, "chat qwen-tiny", now, now + 1_000_000, attrs)])


def feedback(trace_id: str, marker: str) -> bytes:
    return json.dumps(
        {"trace_id": trace_id, "thumb": "up", "comment": f"great answer about {marker}"}
    ).encode()


# --- searching a whole home ---------------------------------------------------------------------------------------


def harness_file(home: Path, path: Path) -> bool:
    # The harness captures the collector's stdout into home/collector-*.log: test output, not a file tracewheel wrote.
    return path.parent == home and path.name.startswith("collector-") and path.suffix == ".log"


def find_in_home(home: Path, needles: list[str | bytes]) -> list[str]:
    """Every file under ``home`` holding a needle: raw bytes of every file (WAL records are raw protobuf), plus the
    decoded rows of every Parquet file (their pages are compressed, so raw bytes would hide a match)."""
    hits = []
    for path in sorted(p for p in home.rglob("*") if p.is_file() and not harness_file(home, p)):
        blobs = [path.read_bytes()]
        if path.suffix == ".parquet":
            blobs.append(json.dumps(pq.read_table(path).to_pylist(), default=str).encode())
        for needle in needles:
            # Text in any case (trace ids are hex); raw bytes exactly.
            found = (
                any(needle in blob for blob in blobs)
                if isinstance(needle, bytes)
                else any(needle.lower().encode() in blob.lower() for blob in blobs)
            )
            if found:
                hits.append(f"{path.relative_to(home)}: {needle!r}")
    return hits


def trace_needles(trace_id: str, marker: str) -> list[str | bytes]:
    return [trace_id, bytes.fromhex(trace_id), marker]


# --- ids ------------------------------------------------------------------------------------------------------------

BAD_TENANTS = ["../alpha", "/etc", "..", ".", "a/b", "", "-rf", "x" * 129, "a\0b", "a\nb", "ac me"]


@pytest.mark.parametrize("value", BAD_TENANTS)
def test_a_tenant_that_is_not_one_path_component_is_refused(value: str) -> None:
    with pytest.raises(TracewheelError, match="invalid tenant"):
        ids.tenant_name(value)
    with pytest.raises(TracewheelError, match="invalid tenant"):
        versions.list_versions(Path("/nonexistent"), value)
    with pytest.raises(TracewheelError, match="invalid tenant"):
        registry.list_adapters(Path("/nonexistent"), value)


@pytest.mark.parametrize(
    "value", ["../alpha/ds-0123456789ab", "ds-../x", "/abs/ds-1", "ds-" + "a" * 126, "ad-1"]
)
def test_a_dataset_version_with_a_path_in_it_is_refused(value: str) -> None:
    with pytest.raises(TracewheelError, match="invalid dataset version"):
        ids.dataset_version(value)


@pytest.mark.parametrize("value", ["../ad-x", "ad-../../x", "ad-a/b", "ad-" + "1" * 126])
def test_an_adapter_id_with_a_path_in_it_is_refused(value: str) -> None:
    with pytest.raises(TracewheelError, match="invalid adapter id"):
        registry.get(Path("/nonexistent"), "acme", value)


@pytest.mark.parametrize("value", ["../" + "a" * 29, "g" * 32, "a" * 31, "a" * 33, "a" * 5000])
def test_a_trace_id_that_is_not_32_hex_digits_is_refused(value: str) -> None:
    with pytest.raises(TracewheelError, match="invalid trace id"):
        ids.trace_id(value)
    assert ids.trace_id("AB" * 16) == "ab" * 16


@pytest.fixture
def two_tenant_datasets(tmp_path: Path) -> Path:
    """alpha and beta each with one dataset version (beta's name must never reach alpha's rows)."""
    home = tmp_path / "home"
    for tenant, text in (("alpha", "alpha secret row"), ("beta", "beta row")):
        row = versions.DatasetRow("sft", {"messages": [{"role": "user", "content": text}]})
        versions.write_version(home / "datasets", tenant, [row])
    return home


def test_dataset_ids_from_the_cli_cannot_leave_the_tenant(two_tenant_datasets: Path) -> None:
    home = two_tenant_datasets
    alpha_version = versions.list_versions(home / "datasets", "alpha")[0]["version"]
    escape = f"../alpha/{alpha_version}"
    for args in (
        ("datasets", "export", escape, "--tenant", "beta"),
        ("datasets", "export", alpha_version, "--tenant", "../alpha"),
        ("datasets", "export", alpha_version, "--tenant", str(home / "datasets" / "alpha")),
        ("datasets", "show", escape, "--tenant", "beta"),
        ("datasets", "diff", escape, alpha_version, "--tenant", "beta"),
        ("datasets", "list", "--tenant", "../alpha"),
        ("train", "sft", "--tenant", "beta", "--dataset", escape),
        ("train", "sft", "--tenant", "../alpha", "--dataset", alpha_version),
        ("episodes", "list", "--tenant", "/etc"),
        ("episodes", "show", "../" + "a" * 29),
        ("traces", "show", "a" * 32, "--tenant", "../alpha"),
        ("curate", "--tenant", "../alpha"),
        ("adapters", "list", "--tenant", "../alpha"),
    ):
        result = CliRunner().invoke(app, list(args), env={"TRACEWHEEL_HOME": str(home)})
        assert isinstance(result.exception, TracewheelError), (args, result.output, result.exception)
        assert "invalid" in str(result.exception), (args, result.exception)
        assert "alpha secret row" not in result.stdout
    # As a user sees it: one line on stderr, exit 1, nothing on stdout.
    for args in (
        ("datasets", "export", escape, "--tenant", "beta"),
        ("episodes", "list", "--tenant", "../alpha"),
    ):
        proc = tw(home, *args, check=False)
        assert "invalid" in one_line_error(proc) and proc.stdout == ""


# --- keys -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    with running_collector(tmp_path / "home", ("alpha", "beta")) as proc:
        yield proc


def test_a_revoked_key_is_refused_at_once_by_a_running_collector(collector: CollectorProcess) -> None:
    old = collector.keys["alpha"]
    assert collector.post("/v1/traces", chat_trace(KEEP_TRACE, KEEP_MARKER), old, JSON).status_code == 200
    new = json.loads(tw(collector.home, "tenants", "revoke-key", "alpha", "--json").stdout)["api_key"]
    # The very next request, with no pause for a reload interval.
    assert collector.post("/v1/traces", chat_trace(KEEP_TRACE, KEEP_MARKER), old, JSON).status_code == 401
    assert collector.post("/v1/traces", chat_trace(KEEP_TRACE, KEEP_MARKER), new, JSON).status_code == 200
    assert (
        collector.post(
            "/v1/traces", chat_trace(BETA_TRACE, BETA_MARKER), collector.keys["beta"], JSON
        ).status_code
        == 200
    )
    assert new != old and new.startswith("tw_")
    one_line_error(tw(collector.home, "tenants", "revoke-key", "nobody", check=False))


# --- file modes -----------------------------------------------------------------------------------------------------


def test_everything_written_under_the_home_is_owner_only(collector: CollectorProcess) -> None:
    home = collector.home
    for i in range(3):
        body = chat_trace(f"{i + 1:032x}", KEEP_MARKER)
        assert collector.post("/v1/traces", body, collector.keys["alpha"], JSON).status_code == 200
    assert wait_for(lambda: any((home / "traces" / "spans").rglob("*.parquet")), timeout=20)
    tw(home, "tenants", "create", "gamma")
    collector.kill()  # leaves the open WAL segment and the lock files as a crash would
    written = [p for p in home.rglob("*") if not harness_file(home, p)]
    kinds = {p.suffix for p in written if p.is_file()}
    assert {".parquet", ".wal", ".json", ".lock"} <= kinds, kinds
    loose = [
        f"{p.relative_to(home)} {stat.filemode(p.stat().st_mode)}"
        for p in written
        if p.stat().st_mode & 0o077
    ]
    assert not loose


def test_raw_traces_are_kept_thirty_days_by_default(tmp_path: Path) -> None:
    hours = CollectorSettings().retention_hours
    assert 0 < hours <= 24 * 90
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    for when in (now - timedelta(hours=hours + 2), now - timedelta(hours=1)):
        part = segments.partition_dir(tmp_path, "spans", "acme", when.strftime("%Y-%m-%dT%H"))
        part.mkdir(parents=True)
        (part / "x.parquet").write_bytes(b"")
    assert segments.apply_retention(tmp_path, hours, now) == 1
    assert len(list((tmp_path / "spans" / "tenant=acme").iterdir())) == 1


# --- forgetting -------------------------------------------------------------------------------------------------------


def _curated_home(collector: CollectorProcess) -> Path:
    """alpha: a trace to forget and one to keep, each with thumbs-up feedback; beta: one trace. All curated."""
    home = collector.home
    sends = [
        ("alpha", FORGET_TRACE, FORGET_MARKER),
        ("alpha", KEEP_TRACE, KEEP_MARKER),
        ("beta", BETA_TRACE, BETA_MARKER),
    ]
    for tenant, trace_id, marker in sends:
        key = collector.keys[tenant]
        assert collector.post("/v1/traces", chat_trace(trace_id, marker), key, JSON).status_code == 200
        assert collector.post("/v1/feedback", feedback(trace_id, marker), key, JSON).status_code in (200, 202)
    assert collector.stop() == 0
    tw(home, "curate")
    # Datasets, the watermark, the classifier and redaction caches, locks: owner-only like the raw store.
    loose = [p for p in home.rglob("*") if not harness_file(home, p) and p.stat().st_mode & 0o077]
    assert not loose and any((home / "datasets").rglob("*.parquet"))
    for tenant, trace_id, marker in sends:
        exported = tw(home, "datasets", "export", _latest(home, tenant), "--tenant", tenant).stdout
        assert marker in exported and trace_id in exported, (tenant, exported)
    return home


def _lock_free(path: Path) -> bool:
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def _latest(home: Path, tenant: str) -> str:
    return versions.list_versions(home / "datasets", tenant)[-1]["version"]


@pytest.mark.slow  # a real curate (redaction and screening engines) and three collector starts
def test_a_deleted_trace_is_nowhere_under_the_home(collector: CollectorProcess) -> None:
    home = _curated_home(collector)
    versions_before = {v["version"] for v in versions.list_versions(home / "datasets", "alpha")}
    # A late span of the trace, acknowledged and left in the WAL by a crash: the delete must reach it too.
    collector.start()
    late = chat_trace(FORGET_TRACE, FORGET_MARKER, span_id="00000000000000b2")
    assert collector.post("/v1/traces", late, collector.keys["alpha"], JSON).status_code == 200
    running = tw(home, "traces", "delete", FORGET_TRACE, "--tenant", "alpha", "--yes", check=False)
    assert "collector is running" in one_line_error(running)
    collector.kill()
    # Its orphaned flusher finishes its pass and exits; then one more acknowledged request sits in the WAL only,
    # as a crash between the fsync and the flush leaves it.
    assert wait_for(lambda: _lock_free(home / "traces" / "_wal" / "flusher.lock"), timeout=30)
    directory = wal.wal_dir(home / "traces")
    seq = max([wal.read_checkpoint(directory), *wal.list_segments(directory)]) + 1
    late = chat_trace(FORGET_TRACE, FORGET_MARKER, span_id="00000000000000b3")
    leave_in_wal(home / "traces", seq, [trace_record(late, "alpha", time.time_ns())])
    assert find_in_home(home, trace_needles(FORGET_TRACE, FORGET_MARKER))

    # Without --yes and without a "y" it asks and does nothing.
    refused = tw(home, "traces", "delete", FORGET_TRACE, "--tenant", "alpha", check=False, stdin="n\n")
    assert refused.returncode == 1
    assert find_in_home(home, [FORGET_MARKER])

    out = json.loads(
        tw(home, "traces", "delete", FORGET_TRACE, "--tenant", "alpha", "--yes", "--json").stdout
    )
    assert out["raw_rows"] >= 3 and out["dataset_versions"]

    assert find_in_home(home, trace_needles(FORGET_TRACE, FORGET_MARKER)) == []
    # The search does find what was not deleted (the same files, the same ways of looking).
    assert find_in_home(home, [KEEP_MARKER]) and find_in_home(home, trace_needles(BETA_TRACE, BETA_MARKER))
    # Every version still exports, without the trace's rows and with the kept trace's.
    assert {v["version"] for v in versions.list_versions(home / "datasets", "alpha")} == versions_before
    for version in versions_before:
        exported = tw(home, "datasets", "export", version, "--tenant", "alpha").stdout
        assert FORGET_MARKER not in exported and FORGET_TRACE not in exported
    assert KEEP_MARKER in tw(home, "datasets", "export", _latest(home, "alpha"), "--tenant", "alpha").stdout
    one_line_error(tw(home, "traces", "show", FORGET_TRACE, "--tenant", "alpha", check=False))
    assert KEEP_MARKER in tw(home, "episodes", "show", KEEP_TRACE, "--tenant", "alpha", "--json").stdout

    # Deleting the whole tenant: key, raw data, datasets; beta untouched.
    key = collector.keys["alpha"]
    tw(home, "tenants", "delete", "alpha", "--yes")
    assert find_in_home(home, [KEEP_MARKER, KEEP_TRACE, bytes.fromhex(KEEP_TRACE), "tenant=alpha"]) == []
    assert [p for p in home.rglob("*alpha*") if not harness_file(home, p)] == []
    assert not (home / "datasets" / "alpha").exists()
    assert "alpha" not in tw(home, "tenants", "list").stdout
    assert BETA_MARKER in tw(home, "datasets", "export", _latest(home, "beta"), "--tenant", "beta").stdout
    collector.start()
    assert collector.post("/v1/traces", chat_trace(KEEP_TRACE, KEEP_MARKER), key, JSON).status_code == 401
    collector.stop()
    assert "nothing to delete" in one_line_error(tw(home, "tenants", "delete", "alpha", "--yes", check=False))


def test_deleting_a_tenant_removes_adapters_and_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for tenant in ("alpha", "beta"):
        adapter = registry.AdapterRecord(
            adapter_id=f"ad-20260101-000000-sft-{tenant}",
            tenant=tenant,
            base_model="embedded:tiny",
            method="sft",
            dataset_versions=["ds-0123456789ab"],
            hyperparameters={},
            created_at=datetime.now(UTC),
        )
        registry.register(
            home / "adapters", adapter, lambda d: (d / "adapter_model.safetensors").write_bytes(b"w")
        )
        run = home / "runs" / tenant / "sft-ds-0123456789ab-abc"
        run.mkdir(parents=True)
        (run / "rows.json").write_text(f"{tenant} rows")
    tw(home, "tenants", "delete", "alpha", "--yes")
    assert not (home / "adapters" / "alpha").exists() and not (home / "runs" / "alpha").exists()
    assert registry.list_adapters(home / "adapters", "beta") and (home / "runs" / "beta").exists()


# --- one trace id, two tenants --------------------------------------------------------------------------------------


def test_traces_show_never_merges_two_tenants_spans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    shared = "ab" * 16
    flush(
        tmp_path / "traces",
        1,
        [
            trace_record(chat_trace(shared, KEEP_MARKER, "00000000000000c1"), "alpha", T0),
            trace_record(chat_trace(shared, BETA_MARKER, "00000000000000c2"), "beta", T0 + 1),
        ],
    )
    runner = CliRunner()
    for command in ("traces", "episodes"):
        merged = runner.invoke(app, [command, "show", shared])
        assert merged.exit_code != 0 and isinstance(merged.exception, TracewheelError)
        assert "alpha" in str(merged.exception) and "beta" in str(merged.exception)
    alone = runner.invoke(app, ["traces", "show", shared, "--tenant", "beta", "--json"])
    rows = json.loads(alone.stdout)
    assert {r["tenant"] for r in rows} == {"beta"} and KEEP_MARKER not in alone.stdout
    tree = runner.invoke(app, ["traces", "show", shared, "--tenant", "alpha"]).stdout
    assert "tenant alpha" in tree and BETA_MARKER not in tree


# --- two curations at once ------------------------------------------------------------------------------------------


@pytest.mark.slow  # two real curate runs
def test_a_second_curation_of_a_tenant_is_refused_while_one_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    flush(
        home / "traces",
        1,
        [
            trace_record(chat_trace(KEEP_TRACE, KEEP_MARKER), "alpha", T0),
            feedback_record("alpha", T0 + 1, trace_id=KEEP_TRACE, thumb="up"),
        ],
    )
    # Another process holds alpha's curation lock (a curate in progress).
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from tracewheel.curator import versions\n"
            "with versions.tenant_lock(Path(sys.argv[1]), 'alpha'):\n"
            "    print('held', flush=True); time.sleep(600)",
            str(home / "datasets"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        line = one_line_error(tw(home, "curate", "--tenant", "alpha", check=False))
        assert "already running" in line and "alpha" in line
        assert versions.list_versions(home / "datasets", "alpha") == []
        assert not (home / "datasets" / "alpha" / ".watermark.json").exists()
    finally:
        # A crashed curation (SIGKILL) leaves no stale lock behind.
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    tw(home, "curate", "--tenant", "alpha")
    assert versions.list_versions(home / "datasets", "alpha")
