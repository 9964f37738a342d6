"""Object storage for collector replicas (collector/object_store.py, collector/shipper.py, collector/store.py)
against a real S3-compatible server on loopback (moto's server mode): two collector processes shipping at once,
one TraceStore and the curator reading both from the bucket, the bucket down for a while, compaction's outputs
replacing what was shipped, tenant isolation on the bucket."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from _collector_harness import SAMPLES, make_trace_request, running_collector, span_ids, wait_for
from _curation_fixtures import engines
from moto.server import ThreadedMotoServer
from tracewheel.collector import segments
from tracewheel.collector.object_store import ObjectStore
from tracewheel.collector.settings import CollectorSettings, ObjectStoreSettings
from tracewheel.collector.shipper import Shipper, local_segments
from tracewheel.collector.store import TraceStore
from tracewheel.collector.wal import Signal, WalRecord
from tracewheel.curator.pipeline import curate
from tracewheel.curator.settings import CuratorSettings

from tracewheel.config import load_settings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

BUCKET = "tracewheel-test"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "moto-test-key",
    "AWS_SECRET_ACCESS_KEY": "moto-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}
COLLECTOR = ("tracewheel.collector",)  # python -m tracewheel.collector: starts faster than the CLI


class MotoS3:
    """moto's S3 server on a loopback port; ``stop``/``start`` take it down and back on the same port. Its
    objects live in this process (moto's backends), so they survive the restart, as a real bucket would."""

    def __init__(self) -> None:
        self.port = 0
        self.start()
        client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        self._server.stop()

    def settings(self, prefix: str, replica_id: str = "reader") -> ObjectStoreSettings:
        return ObjectStoreSettings(
            url=f"s3://{BUCKET}/{prefix}",
            endpoint_url=self.endpoint,
            replica_id=replica_id,
            ship_interval_s=0.2,
            max_backoff_s=0.5,
            request_timeout_s=2,
        )

    def collector_env(self, prefix: str, replica_id: str) -> dict[str, str]:
        s = self.settings(prefix, replica_id)
        env = {
            f"TRACEWHEEL_COLLECTOR__OBJECT_STORE__{name.upper()}": str(getattr(s, name))
            for name in (
                "url",
                "endpoint_url",
                "replica_id",
                "ship_interval_s",
                "max_backoff_s",
                "request_timeout_s",
            )
        }
        return {**env, **CREDENTIALS}


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in CREDENTIALS.items():
            mp.setenv(name, value)
        server = MotoS3()
        yield server
        server.stop()


def _post_batches(collector, tenant: str, count: int) -> tuple[set[str], set[str]]:
    """Post ``count`` trace batches; returns (trace ids, span ids) acknowledged."""
    traces: set[str] = set()
    spans: set[str] = set()
    for _ in range(count):
        request = make_trace_request(3)
        response = collector.post("/v1/traces", request.SerializeToString(), key=collector.keys[tenant])
        assert response.status_code == 200, response.text
        traces.add(request.resource_spans[0].scope_spans[0].spans[0].trace_id.hex())
        spans |= span_ids(request)
    return traces, spans


def _episode_ids(store: TraceStore, tenant: str) -> set[str]:
    return {e.trace_id for e in store.episodes(tenant)}


def _all_shipped(*homes: Path) -> bool:
    return not any(True for home in homes for _ in local_segments(home / "traces"))


def test_settings_refuse_a_bad_url_and_replica_id():
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        ObjectStoreSettings(url="/tmp/segments")
    with pytest.raises(ValueError, match="replica_id"):
        ObjectStoreSettings(url="s3://bucket/p", replica_id="a/b")
    assert CollectorSettings().object_store.url is None  # off unless configured


def test_two_replicas_ship_at_once_and_one_store_reads_both(s3, tmp_path):
    with (
        running_collector(
            tmp_path / "a", ["acme"], env=s3.collector_env("two", "replica-a"), entry=COLLECTOR
        ) as a,
        running_collector(
            tmp_path / "b", ["acme", "globex"], env=s3.collector_env("two", "replica-b"), entry=COLLECTOR
        ) as b,
    ):
        with ThreadPoolExecutor(3) as pool:
            sent_a = pool.submit(_post_batches, a, "acme", 15)
            sent_b = pool.submit(_post_batches, b, "acme", 15)
            sent_g = pool.submit(_post_batches, b, "globex", 5)
            (acme_a, spans_a), (acme_b, spans_b), (globex, _) = (
                sent_a.result(),
                sent_b.result(),
                sent_g.result(),
            )
        # A reader with nothing local: everything it sees comes from the bucket.
        store = TraceStore(tmp_path / "reader" / "traces", object_store=s3.settings("two"))
        assert wait_for(
            lambda: _all_shipped(a.home, b.home) and _episode_ids(store, "acme") == acme_a | acme_b,
            timeout=60,
            interval=0.3,
        ), (a.read_log(), b.read_log())

    assert _episode_ids(store, "globex") == globex
    assert store.tenants() == ["acme", "globex"]
    some_a, some_b = sorted(acme_a)[0], sorted(acme_b)[0]
    assert {r["span_id"] for r in store.spans("acme", some_a)} <= spans_a
    assert {r["span_id"] for r in store.spans("acme", some_b)} <= spans_b and not store.spans(
        "globex", some_b
    )
    assert len(store.spans("acme", some_b)) == 3
    # Both replicas wrote the same partitions under their own names, with no coordination.
    listed = ObjectStore(s3.settings("two")).list_files("spans", "acme")
    names = [f.path.rsplit("/", 1)[1] for f in listed]
    assert {n.split("-", 2)[1] for n in names} == {"a", "b"}  # replica-a-<uuid>, replica-b-<uuid>
    assert all("/spans/tenant=acme/hour=" in f.path for f in listed)
    assert not store.skipped_segments


def test_tenant_names_never_become_keys(s3):
    store = ObjectStore(s3.settings("iso"))
    for bad in ("../globex", "acme/../globex", "ACME", ""):
        with pytest.raises(ValueError, match="invalid tenant"):
            store.list_files("spans", bad)
        with pytest.raises(ValueError):
            store.object_path("spans", bad, "2026-01-01T00", "x.parquet")
    # The reader answers "nothing" for a name no tenant can have, without listing anything.
    assert TraceStore(Path("/nonexistent"), object_store=store).spans("../globex", "ab" * 16) == []


def _trace_ids(lineage: str | dict) -> list[str]:
    return (json.loads(lineage) if isinstance(lineage, str) else lineage)["trace_ids"]


def _record(tenant: str, body: bytes, received: int) -> WalRecord:
    return WalRecord(Signal.TRACES, tenant, received, body)


def test_curator_curates_episodes_both_replicas_shipped(s3, tmp_path):
    """The recorded OTel samples (two instrumentation families) go through two collectors; the curator reads the
    episodes back from the bucket only."""
    bodies = {
        "a": (SAMPLES / "openinference_default.otlp.json").read_bytes(),
        "b": (SAMPLES / "traceloop_default.otlp.json").read_bytes(),
    }
    expected = {
        name: {
            s["traceId"]
            for rs in json.loads(body)["resourceSpans"]
            for ss in rs["scopeSpans"]
            for s in ss["spans"]
        }
        for name, body in bodies.items()
    }
    with (
        running_collector(tmp_path / "a", ["acme"], env=s3.collector_env("cur", "ra"), entry=COLLECTOR) as a,
        running_collector(tmp_path / "b", ["acme"], env=s3.collector_env("cur", "rb"), entry=COLLECTOR) as b,
    ):
        for name, collector in (("a", a), ("b", b)):
            response = collector.post(
                "/v1/traces", bodies[name], key=collector.keys["acme"], content_type="application/json"
            )
            assert response.status_code == 200, response.text
            for trace_id in expected[name]:  # the users' verdicts, shipped like the spans
                feedback = json.dumps({"trace_id": trace_id, "thumb": "up"}).encode()
                response = collector.post(
                    "/v1/feedback", feedback, key=collector.keys["acme"], content_type="application/json"
                )
                assert response.status_code in (200, 202), response.text
        reader_home = tmp_path / "reader"
        store = TraceStore(Paths(reader_home).traces_dir, object_store=s3.settings("cur"))
        everything = expected["a"] | expected["b"]
        assert wait_for(
            lambda: _all_shipped(a.home, b.home) and _episode_ids(store, "acme") == everything,
            timeout=60,
            interval=0.3,
        )

    (result,) = curate(CuratorSettings(), Paths(reader_home), store, engines(), tenant="acme")
    assert result.new_version and result.version
    # Every run of both replicas was read back from the bucket and went through the stages.
    assert result.counts["selected"] == len(everything)
    assert result.counts["labels"] == {"good": result.counts["curated"]}
    version_dir = Paths(reader_home).datasets_dir / "acme" / result.version
    sft = pq.read_table(version_dir / "sft.parquet").to_pylist()
    assert sft and len(sft) == result.counts["rows"]["sft"]
    lineage = {t for row in sft for t in _trace_ids(row["lineage"])}
    assert lineage and lineage <= everything


def test_bucket_down_loses_nothing_and_shipping_resumes(s3, tmp_path):
    home = tmp_path / "c"
    with running_collector(home, ["acme"], env=s3.collector_env("down", "rc"), entry=COLLECTOR) as c:
        before, _ = _post_batches(c, "acme", 3)
        remote = TraceStore(tmp_path / "reader" / "traces", object_store=s3.settings("down"))
        assert wait_for(
            lambda: _all_shipped(home) and _episode_ids(remote, "acme") == before, timeout=30, interval=0.3
        )

        s3.stop()
        try:
            during, _ = _post_batches(c, "acme", 5)  # acknowledged while the bucket is unreachable
            # Flushed to local segments, which stay (and are readable) on this machine.
            assert wait_for(lambda: not _all_shipped(home))
            local = TraceStore(home / "traces")
            assert wait_for(lambda: _episode_ids(local, "acme") >= during, timeout=30, interval=0.3)
            # The outage is noticed and logged, not silent (once the S3 client's own retries give up).
            assert wait_for(lambda: "failed" in c.read_log(), timeout=60, interval=0.3), c.read_log()
            assert not _all_shipped(home)
        finally:
            s3.start()
        assert wait_for(lambda: _all_shipped(home), timeout=30), c.read_log()
        assert _episode_ids(remote, "acme") == before | during


def test_compaction_output_replaces_shipped_sources(s3, tmp_path):
    """A segment shipped while compaction merged it: the merged object replaces its shipped source, so no row is
    stored twice and none is lost."""
    traces = tmp_path / "traces"
    settings = s3.settings("compact", "rx")
    store = ObjectStore(settings)
    now = time.time_ns()
    requests = [make_trace_request(2) for _ in range(3)]
    written = [
        segments.flush_segment(traces, seq, [_record("acme", r.SerializeToString(), now)])[0]
        for seq, r in enumerate(requests, start=1)
    ]
    hour = segments.hour_of(now)
    # The shipper uploaded the first file just as compaction read it.
    store.upload(written[0], store.object_path("spans", "acme", hour, written[0].name))
    merged = segments.compact_files(traces, "spans", written[0].parent, written)
    assert Shipper(traces, store, settings).ship_once() == 1

    listed = store.list_files("spans", "acme")
    assert [f.path.rsplit("/", 1)[1] for f in listed] == [f"rx-{merged.name}"]
    assert not list(local_segments(traces))
    reader = TraceStore(tmp_path / "empty", object_store=settings)
    expected = {s for r in requests for s in span_ids(r)}
    got = [
        row["span_id"]
        for r in requests
        for row in reader.spans("acme", r.resource_spans[0].scope_spans[0].spans[0].trace_id.hex())
    ]
    assert sorted(got) == sorted(expected)


def test_upload_failure_keeps_the_local_files_and_ends_the_pass(tmp_path, monkeypatch):
    """Nothing is deleted locally unless its upload succeeded, and a store that fails is not tried once per file
    in the same pass (a port nobody listens on)."""
    traces = tmp_path / "traces"
    paths = [
        segments.flush_segment(
            traces, seq, [_record("acme", make_trace_request(2).SerializeToString(), time.time_ns())]
        )[0]
        for seq in range(1, 13)
    ]
    settings = ObjectStoreSettings(
        url=f"s3://{BUCKET}/nowhere", endpoint_url="http://127.0.0.1:9", request_timeout_s=1, upload_workers=2
    )
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    attempts: list[Path] = []

    class Counted(ObjectStore):
        def upload(self, local: Path, path: str) -> None:
            attempts.append(local)
            super().upload(local, path)

    with pytest.raises(OSError):
        Shipper(traces, Counted(settings), settings).ship_once()
    assert all(p.exists() for p in paths)
    assert 1 <= len(attempts) < len(paths)


def test_segment_compacted_while_uploading_is_not_stored_twice(s3, tmp_path):
    """Compaction merges a segment the instant its upload finished (a real compaction, run from the upload):
    the fresh object is deleted again and the merged one ships on the next pass."""
    traces = tmp_path / "traces"
    settings = s3.settings("race", "ry").model_copy(update={"upload_workers": 1})
    now = time.time_ns()
    requests = [make_trace_request(2) for _ in range(2)]
    written = [
        segments.flush_segment(traces, seq, [_record("acme", r.SerializeToString(), now)])[0]
        for seq, r in enumerate(requests, start=1)
    ]
    merged: list[Path] = []

    class CompactedAfterUpload(ObjectStore):
        def upload(self, local: Path, path: str) -> None:
            super().upload(local, path)
            if not merged:
                merged.append(segments.compact_files(traces, "spans", written[0].parent, written))

    store = CompactedAfterUpload(settings)
    shipper = Shipper(traces, store, settings)
    assert shipper.ship_once() == 0  # the first went up and came down again; the second was gone
    assert shipper.ship_once() == 1  # the merged file
    assert [f.path.rsplit("/", 1)[1] for f in store.list_files("spans", "acme")] == [f"ry-{merged[0].name}"]
    reader = TraceStore(tmp_path / "empty", object_store=settings)
    for r in requests:
        trace_id = r.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()
        assert {row["span_id"] for row in reader.spans("acme", trace_id)} == span_ids(r)


def test_config_file_and_environment_set_the_object_store(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[collector.object_store]\nurl = "s3://segments-bucket/prod"\nendpoint_url = "http://127.0.0.1:9000"\n'
    )
    env = {"TRACEWHEEL_HOME": str(tmp_path), "TRACEWHEEL_COLLECTOR__OBJECT_STORE__REPLICA_ID": "collector-3"}
    store = load_settings(env).collector.object_store
    assert (store.url, store.endpoint_url, store.replica_id) == (
        "s3://segments-bucket/prod",
        "http://127.0.0.1:9000",
        "collector-3",
    )
    with pytest.raises(TracewheelError, match="secret_key"):
        load_settings(
            {**env, "TRACEWHEEL_COLLECTOR__OBJECT_STORE__SECRET_KEY": "x"}
        )  # credentials: AWS_* only


def test_forgetting_a_trace_and_a_tenant_in_the_bucket(s3, tmp_path):
    traces = tmp_path / "traces"
    settings = s3.settings("forget", "rf")
    store = ObjectStore(settings)
    now = time.time_ns()
    kept, gone, other = (make_trace_request(2) for _ in range(3))
    both = make_trace_request(1)
    both.MergeFrom(gone)  # one segment holding rows of the trace to forget and of another
    segments.flush_segment(traces, 1, [_record("acme", both.SerializeToString(), now)])
    segments.flush_segment(traces, 2, [_record("acme", kept.SerializeToString(), now)])
    segments.flush_segment(traces, 3, [_record("globex", other.SerializeToString(), now)])
    assert Shipper(traces, store, settings).ship_once() == 3
    reader = TraceStore(tmp_path / "empty", object_store=settings)

    def trace(r) -> str:
        return r.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()

    assert store.purge_trace("acme", trace(gone).upper()) == 2
    assert reader.spans("acme", trace(gone)) == []
    assert len(reader.spans("acme", trace(both))) == 1 and len(reader.spans("acme", trace(kept))) == 2
    assert store.purge_tenant("acme") == 2
    assert reader.tenants() == ["globex"] and len(reader.spans("globex", trace(other))) == 2
    with pytest.raises(TracewheelError, match="invalid trace id"):
        store.purge_trace("globex", "not-a-trace-id")


def test_cli_lists_episodes_from_the_bucket_and_deletes_a_trace_there(s3, tmp_path, monkeypatch):
    """``tracewheel episodes list`` on a home with nothing local reads the replicas' segments from the bucket, and
    ``tracewheel traces delete`` removes the trace's rows from the bucket too."""
    from typer.testing import CliRunner

    from tracewheel.cli.main import app

    traces = tmp_path / "replica" / "traces"
    settings = s3.settings("cli", "rc")
    kept, gone = make_trace_request(2), make_trace_request(2)
    now = time.time_ns()
    segments.flush_segment(traces, 1, [_record("acme", kept.SerializeToString(), now)])
    segments.flush_segment(traces, 2, [_record("acme", gone.SerializeToString(), now)])
    assert Shipper(traces, ObjectStore(settings), settings).ship_once() == 2

    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path / "reader"))
    for name, value in s3.collector_env("cli", "reader").items():
        monkeypatch.setenv(name, value)

    def cli(*args: str) -> object:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output + str(result.exception)
        return json.loads(result.stdout)

    def trace(r) -> str:
        return r.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()

    listed = cli("episodes", "list", "--tenant", "acme", "--json")
    assert {e["episode_id"] for e in listed} == {trace(kept), trace(gone)}
    cli("traces", "delete", trace(gone), "--tenant", "acme", "--yes", "--json")
    assert {e["episode_id"] for e in cli("episodes", "list", "--tenant", "acme", "--json")} == {trace(kept)}
    assert TraceStore(tmp_path / "empty", object_store=settings).spans("acme", trace(gone)) == []
