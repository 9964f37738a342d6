"""Curation with redaction and screening on Ray Data (curator/ray_curate.py) against the single-process curator:
the same input (Parquet segments read through the real TraceStore, plus the realistic in-memory batch with PII,
an injected tool result and bad inputs) must give the same dataset versions, counts, skips and held-back runs.

Runs on a local Ray of two CPUs; each actor builds the real Presidio redactor and injection screener once."""

import json
from pathlib import Path

import pytest
from _episode_fixtures import ListSource, batch, engines, write_eval_suite
from tracewheel.collector import segments
from tracewheel.collector.episode import Episode
from tracewheel.collector.otlp import parse_trace_request
from tracewheel.collector.store import TraceStore
from tracewheel.collector.wal import Signal, WalRecord
from tracewheel.curator import versions
from tracewheel.curator.pipeline import curate
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.config import load_settings

ray = pytest.importorskip("ray")
from tracewheel.curator.ray_curate import curate_on_ray  # noqa: E402

SAMPLES = Path("/work/shared/otel-samples")
T0 = 1_795_388_603_000_000_000  # the samples' capture time (ns)
EMAIL_RUN = "eb5732cb36520628e64be9743e3e07c5"  # "My email is jane.doe@example.com"
WEATHER_OK = "5940924a519c837dfebd220dcea4efc9"


def _record(signal: Signal, tenant: str, at: int, body: bytes) -> WalRecord:
    return WalRecord(signal, tenant, at, body)


def _write_segments(traces: Path) -> None:
    """The recorded OTel samples of three instrumentations for tenant initech, feedback, a corrupt segment."""
    records = [
        _record(
            Signal.TRACES,
            "initech",
            T0 + i,
            parse_trace_request(
                (SAMPLES / f"{label}.otlp.json").read_bytes(), "application/json"
            ).SerializeToString(),
        )
        for i, label in enumerate(
            ["openinference_default", "traceloop_default", "otel-v2_latest_span_and_event"]
        )
    ]
    feedback = [
        {"trace_id": WEATHER_OK, "thumb": "up", "score": 1.0},
        {"trace_id": EMAIL_RUN, "corrected_answer": "Paris. (Contact: jane.doe@example.com)"},
    ]
    for i, item in enumerate(feedback):
        doc = {"score": None, "thumb": None, "comment": None, "corrected_answer": None, **item}
        records.append(_record(Signal.FEEDBACK, "initech", T0 + 10 + i, json.dumps(doc).encode()))
    written = segments.flush_segment(traces, 1, records)
    written[0].with_name("00000000-dead-beef-0000-000000000000.parquet").write_bytes(b"PAR1 truncated")


class _TwoSources:
    """The trace store and an in-memory tenant side by side (a test helper: one curation run over both)."""

    def __init__(self, store: TraceStore, extra: ListSource) -> None:
        self.store, self.extra = store, extra

    @property
    def skipped_segments(self) -> list[Path]:
        return self.store.skipped_segments

    def tenants(self) -> list[str]:
        return sorted(set(self.store.tenants()) | set(self.extra.tenants()))

    def episodes(self, tenant: str, since=None, until=None) -> list[Episode]:
        return self.store.episodes(tenant, since, until) + self.extra.episodes(tenant, since, until)


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> Path:
    traces = tmp_path_factory.mktemp("shared") / "traces"
    _write_segments(traces)
    return traces


@pytest.fixture(scope="module")
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=200 * 2**20, logging_level="WARNING")
    yield
    ray.shutdown()


def _settings(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    # A held-out split too, so the split's books are compared as well.
    monkeypatch.setenv("TRACEWHEEL_CURATOR__HELDOUT_FRACTION", "0.3")
    write_eval_suite(home)
    return load_settings()


def _rows(settings, tenant: str, version: str) -> list:
    return [
        (r.kind, r.row_id, r.data, r.lineage)
        for r in versions.all_rows(settings.paths.datasets_dir, tenant, version)
    ]


def _manifest(settings, tenant: str, version: str) -> str:
    manifest = versions.read_manifest(settings.paths.datasets_dir, tenant, version)
    manifest.pop("created_at")
    return _homeless(manifest, settings)


def _homeless(doc: dict, settings) -> str:
    """``doc`` as JSON with the home directory out (counts name the eval-suite files read)."""
    return json.dumps(doc, sort_keys=True).replace(str(settings.paths.home), "HOME")


def _splits(settings) -> dict[str, list[dict]]:
    """The held-out split's records per file, less when each was written."""
    root = settings.paths.splits_dir
    out = {}
    for path in sorted(root.rglob("*.jsonl")):
        records = [json.loads(line) for line in path.read_text().splitlines()]
        out[str(path.relative_to(root))] = [
            {k: v for k, v in r.items() if k not in ("assigned_at", "recorded_at")} for r in records
        ]
    return out


@pytest.mark.slow
def test_ray_curation_writes_the_versions_the_single_process_curator_writes(
    tmp_path, traces, ray_session, monkeypatch
):
    source = _TwoSources(TraceStore(traces), ListSource(batch()))

    single = _settings(tmp_path / "single", monkeypatch)
    expected = curate(single.curator, single.paths, source, engines())

    on_ray = _settings(tmp_path / "ray", monkeypatch)
    run = curate_on_ray(on_ray.curator, on_ray.paths, source, batch_size=4)

    assert [r.tenant for r in run.results] == [r.tenant for r in expected] == ["acme", "initech"]
    for want, got in zip(expected, run.results, strict=True):
        assert got.version == want.version and got.version is not None
        assert _homeless(got.counts, on_ray) == _homeless(want.counts, single)
        assert got.skipped_details == want.skipped_details
        assert got.held_back == want.held_back
        assert _rows(on_ray, got.tenant, got.version) == _rows(single, want.tenant, want.version) != []
        assert _manifest(on_ray, got.tenant, got.version) == _manifest(single, want.tenant, want.version)
        for name in (".watermark.json",):
            assert (on_ray.paths.datasets_dir / got.tenant / name).read_text() == (
                single.paths.datasets_dir / want.tenant / name
            ).read_text()
    assert _splits(on_ray) == _splits(single) != {}

    # The comparison is not vacuous: PII was redacted, the injected run quarantined, bad inputs skipped.
    acme, initech = run.results
    assert acme.counts["quarantined"] >= 1 and acme.counts["skipped"]
    assert initech.counts["redacted"].get("EMAIL_ADDRESS", 0) >= 1
    assert initech.counts["skipped"] == {"corrupt segment": 1}
    text = json.dumps(
        [
            [r.data, r.lineage]
            for r in versions.all_rows(on_ray.paths.datasets_dir, "initech", initech.version)
        ]
    )
    assert "jane.doe@example.com" not in text and "<EMAIL_ADDRESS_1>" in text

    # Redaction and screening ran on the actors, each building its models once and serving several batches.
    selected = acme.counts["selected"] + initech.counts["selected"]
    assert acme.counts["curated"] + initech.counts["curated"] <= run.episodes < selected
    assert 1 <= run.workers <= 2 and run.batches > run.workers


def test_bad_pool_arguments_are_refused(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch)
    with pytest.raises(ValueError, match="batch_size"):
        curate_on_ray(settings.curator, settings.paths, ListSource([]), batch_size=0)
    with pytest.raises(ValueError, match="workers"):
        curate_on_ray(settings.curator, settings.paths, ListSource([]), workers=0)


def test_a_tenant_being_curated_is_refused_before_ray_starts(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch)
    with versions.tenant_lock(settings.paths.datasets_dir, "acme"):
        with pytest.raises(versions.TenantBusy):
            curate_on_ray(
                settings.curator, settings.paths, ListSource(batch()), address="ray://unreachable:1"
            )


def test_curate_command_on_ray_with_nothing_to_curate(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["curate", "--ray", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [] and "Ray: 0 episodes, 0 batches, 0 workers" in result.stderr
    refused = runner.invoke(app, ["curate", "--ray-workers", "0"])
    assert refused.exit_code != 0 and "ray-workers" in refused.output
