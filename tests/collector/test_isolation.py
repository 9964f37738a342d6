"""Tenant isolation: a key reads and writes only its own tenant's data, whatever the spans claim."""

from __future__ import annotations

import grpc
import orjson
import pyarrow.parquet as pq
from _collector_harness import make_trace_request, span_ids
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc


def test_one_tenants_key_never_touches_another_tenants_data(collector):
    acme, globex = collector.keys["acme"], collector.keys["globex"]
    # acme's spans claim to be globex's; the credential decides.
    acme_req = make_trace_request(3, extra_attrs={"tracewheel.tenant": "globex"})
    assert collector.post("/v1/traces", acme_req.SerializeToString(), acme).status_code == 200
    globex_req = make_trace_request(2)
    channel = grpc.insecure_channel(collector.grpc_target)
    trace_service_pb2_grpc.TraceServiceStub(channel).Export(
        globex_req, metadata=(("authorization", f"Bearer {globex}"),), timeout=10
    )
    channel.close()

    acme_trace = acme_req.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()
    globex_trace = globex_req.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()

    # Feedback on the other tenant's trace is a 404 and stores nothing; on one's own it works.
    def feedback(trace_id, key):
        return collector.post(
            "/v1/feedback", orjson.dumps({"trace_id": trace_id, "thumb": "up"}), key, "application/json"
        )

    assert feedback(globex_trace, acme).status_code == 404
    assert feedback(acme_trace, globex).status_code == 404
    assert feedback(acme_trace, acme).status_code == 200
    assert feedback(globex_trace, globex).status_code == 200

    collector.stop()  # flush everything to Parquet, then look at the partitions on disk
    assert {r["span_id"] for r in collector.spans("acme")} == span_ids(acme_req)
    assert {r["span_id"] for r in collector.spans("globex")} == span_ids(globex_req)
    for tenant, expected in (("acme", span_ids(acme_req)), ("globex", span_ids(globex_req))):
        files = list((collector.traces_dir / "spans" / f"tenant={tenant}").glob("hour=*/*.parquet"))
        rows = [r for f in files for r in pq.ParquetFile(f).read().to_pylist()]
        assert {r["span_id"] for r in rows} == expected and {r["tenant"] for r in rows} == {tenant}
    feedback_rows = collector.table("feedback").to_pylist()
    assert sorted((r["tenant"], r["trace_id"]) for r in feedback_rows) == sorted(
        [("acme", acme_trace), ("globex", globex_trace)]
    )
    # The attribute is kept as data (the agent sent it), but it decided nothing.
    acme_rows = collector.spans("acme")
    assert all(orjson.loads(r["attributes"])["tracewheel.tenant"] == "globex" for r in acme_rows)
