"""collector/feedback.py and ``POST /v1/feedback``."""

from __future__ import annotations

import orjson
import pytest
from _collector_harness import CollectorProcess, make_trace_request, running_collector
from tracewheel.collector.feedback import FeedbackError, TraceIndex, validate_feedback


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "JSON object"),
        ({"thumb": "up"}, "trace_id"),
        ({"trace_id": "abc", "thumb": "up"}, "trace_id"),
        ({"trace_id": "0" * 32, "thumb": "up"}, "trace_id"),
        ({"trace_id": "a" * 32}, "at least one"),
        ({"trace_id": "a" * 32, "thumb": "sideways"}, "thumb"),
        ({"trace_id": "a" * 32, "score": "high"}, "score"),
        ({"trace_id": "a" * 32, "score": True}, "score"),
        ({"trace_id": "a" * 32, "comment": 5}, "comment"),
        ({"trace_id": "a" * 32, "thumb": "up", "tenant": "globex"}, "unknown field"),
    ],
)
def test_validation_errors_name_the_field(doc, message):
    with pytest.raises(FeedbackError, match=message) as info:
        validate_feedback(doc)
    assert info.value.status == 422


def test_valid_feedback_is_normalized():
    item = validate_feedback({"trace_id": "AB" * 16, "score": 1, "corrected_answer": "Paris"})
    assert item == {
        "trace_id": "ab" * 16,
        "score": 1.0,
        "thumb": None,
        "comment": None,
        "corrected_answer": "Paris",
    }


def test_trace_index_is_bounded_and_forgets_the_oldest_first(tmp_path):
    index = TraceIndex(tmp_path, max_recent=100)
    ids = [i.to_bytes(16, "big") for i in range(1, 151)]
    for i in range(0, 150, 10):
        index.add("acme", ids[i : i + 10])
    assert sum(index.known_recent("acme", t.hex()) for t in ids) <= 100
    assert index.known_recent("acme", ids[-1].hex()) and not index.known_recent("acme", ids[0].hex())
    assert not index.known_recent("globex", ids[-1].hex())


def test_feedback_round_trip_and_after_restart(tmp_path):
    home = tmp_path / "home"
    with running_collector(home, ("acme",)) as col:  # stopped gracefully: everything lands in Parquet
        key = col.keys["acme"]
        request = make_trace_request(2)
        trace_id = request.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()
        assert col.post("/v1/traces", request.SerializeToString(), key).status_code == 200
        # Right after the ack (before any flush) the trace is known.
        r = col.post(
            "/v1/feedback",
            orjson.dumps({"trace_id": trace_id, "thumb": "down", "comment": "wrong city"}),
            key,
            "application/json",
        )
        assert r.status_code == 200, r.text

        assert (
            col.post(
                "/v1/feedback", orjson.dumps({"trace_id": "ab" * 16, "thumb": "up"}), key, "application/json"
            ).status_code
            == 404
        )
        assert col.post("/v1/feedback", b"{nope", key, "application/json").status_code == 400
        r = col.post(
            "/v1/feedback", orjson.dumps({"trace_id": trace_id, "thumb": "meh"}), key, "application/json"
        )
        assert r.status_code == 422 and "thumb" in r.json()["message"]
        assert col.post("/v1/feedback", b"x", key, "application/x-protobuf").status_code == 415
        assert (
            col.post(
                "/v1/feedback", orjson.dumps({"trace_id": trace_id, "score": 1}), None, "application/json"
            ).status_code
            == 401
        )
    col = CollectorProcess(home)
    col.keys["acme"] = key
    col.start()
    try:
        # A fresh process knows the trace only from its Parquet segments.
        r = col.post(
            "/v1/feedback", orjson.dumps({"trace_id": trace_id, "score": 0.25}), key, "application/json"
        )
        assert r.status_code == 200, r.text
        rows = sorted(col.table("feedback").to_pylist(), key=lambda r: r["received_at_unix_nano"])
        assert [(r["tenant"], r["trace_id"], r["thumb"], r["comment"], r["score"]) for r in rows] == [
            ("acme", trace_id, "down", "wrong city", None),
            ("acme", trace_id, None, None, 0.25),
        ]
    finally:
        col.stop()
