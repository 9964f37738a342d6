"""``tracewheel episodes list|show`` and ``tracewheel traces show``: through CliRunner on a prepared store, and as
real subprocesses while a real collector (conftest's ``collector``) is running and receiving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _trace_fixtures import (
    AGENT_FINAL,
    AGENT_ROLES,
    AGENT_TRACE,
    JSON,
    T0,
    agent_batches,
    feedback_record,
    flush,
    leave_in_wal,
    sample_body,
    span,
    trace_body,
    trace_record,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tracewheel.collector import semconv as sc
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    traces = tmp_path / "traces"
    flush(traces, 1, [trace_record(b, "acme", T0 + i) for i, b in enumerate(agent_batches(2))])
    flush(traces, 2, [trace_record(sample_body("openinference_default"), "globex", T0 + 50)])
    leave_in_wal(
        traces, 3, [feedback_record("acme", T0 + 99, trace_id=AGENT_TRACE, thumb="up", comment="great")]
    )
    return tmp_path


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    return result


def test_list_json_all_tenants_and_one(home: Path) -> None:
    result = _invoke("episodes", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and {r["tenant"] for r in rows} == {"acme", "globex"}
    assert rows[0]["episode_id"] == AGENT_TRACE  # most recently active first (its feedback came last)
    assert rows[0]["feedback"] == 1 and rows[0]["tool_calls"] == 2 and rows[0]["turns"] == 3
    acme = json.loads(_invoke("episodes", "list", "--tenant", "acme", "--json").stdout)
    assert [r["episode_id"] for r in acme] == [AGENT_TRACE]
    assert json.loads(_invoke("episodes", "list", "--limit", "2", "--json").stdout)[1]["tenant"] == "globex"
    assert (
        json.loads(_invoke("episodes", "list", "--since", "1h", "--json").stdout) == []
    )  # all from T0, long ago
    assert (
        len(json.loads(_invoke("episodes", "list", "--since", "2026-11-22T22:00:00Z", "--json").stdout)) == 5
    )


def test_list_table(home: Path) -> None:
    result = _invoke("episodes", "list")
    assert result.exit_code == 0
    assert "5 episode(s)" in result.output and AGENT_TRACE in result.output and "globex" in result.output


def test_show_json_and_rendered(home: Path) -> None:
    result = _invoke("episodes", "show", AGENT_TRACE, "--json")
    episode = json.loads(result.stdout)
    assert episode["final_answer"] == AGENT_FINAL and len(episode["messages"]) == 7
    assert episode["feedback"][0]["comment"] == "great"
    shown = _invoke("episodes", "show", AGENT_TRACE, "--tenant", "acme")
    assert shown.exit_code == 0
    for text in (
        "weather-bot",
        "You are a weather bot.",
        "get_weather",
        "call_1",
        AGENT_FINAL,
        "thumb=up",
        "tool local_time: timed out",
    ):
        assert text in shown.output
    assert shown.output.index("get_weather") < shown.output.index(AGENT_FINAL)


def test_traces_show_tree_and_json(home: Path) -> None:
    rows = json.loads(_invoke("traces", "show", AGENT_TRACE, "--json").stdout)
    assert len(rows) == 6 and rows[0]["attributes"]["gen_ai.operation.name"] == "invoke_agent"
    tree = _invoke("traces", "show", AGENT_TRACE).output
    assert tree.index("invoke_agent weather-bot") < tree.index("execute_tool get_weather")
    assert "llm-proxy" in tree and "error timed out" in tree


def test_unknown_ids_and_bad_options_are_errors(home: Path) -> None:
    missing = _invoke("episodes", "show", "ff" * 16, "--tenant", "acme")
    assert isinstance(missing.exception, TracewheelError) and "no episode" in str(missing.exception)
    other_tenant = _invoke("traces", "show", AGENT_TRACE, "--tenant", "globex")
    assert isinstance(other_tenant.exception, TracewheelError)
    bad_since = _invoke("episodes", "list", "--since", "soon")
    assert isinstance(bad_since.exception, TracewheelError)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACEWHEEL_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tracewheel", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_cli_reads_while_the_collector_runs(collector: Any) -> None:
    key = collector.keys["acme"]
    for body in agent_batches(7):
        assert collector.post("/v1/traces", body, key=key, content_type=JSON).status_code == 200
    # A second run through the real SDK and OTLP/HTTP exporter, as an agent would send it.
    provider = TracerProvider(resource=Resource.create({"service.name": "sdk-agent"}))
    provider.add_span_processor(
        SimpleSpanProcessor(
            OTLPSpanExporter(
                endpoint=f"{collector.http_url}/v1/traces", headers={"authorization": f"Bearer {key}"}
            )
        )
    )
    tracer = provider.get_tracer("tests.sdk")
    with tracer.start_as_current_span(
        "chat tiny",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "tiny",
            sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Hi?"}]}]
            ),
            sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": "Hello."}],
                        "finish_reason": "stop",
                    }
                ]
            ),
        },
    ) as sdk_span:
        sdk_trace = format(sdk_span.get_span_context().trace_id, "032x")
    provider.shutdown()
    feedback = json.dumps({"trace_id": AGENT_TRACE, "score": 1.0}).encode()
    assert collector.post("/v1/feedback", feedback, key=key, content_type=JSON).status_code == 200

    # Right away (rows may still be only in the WAL) and while the collector keeps running and flushing.
    listed = _cli(collector.home, "episodes", "list", "--tenant", "acme", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {r["episode_id"] for r in json.loads(listed.stdout)} == {AGENT_TRACE, sdk_trace}
    # In-process too (the collector fixture points TRACEWHEEL_HOME at its home).
    shown = json.loads(_invoke("episodes", "show", AGENT_TRACE, "--json").stdout)
    assert [m["role"] for m in shown["messages"]] == AGENT_ROLES
    assert shown["services"] == ["agent-api", "llm-proxy"] and shown["feedback"][0]["score"] == 1.0
    sdk = json.loads(_invoke("episodes", "show", sdk_trace, "--tenant", "acme", "--json").stdout)
    assert sdk["final_answer"] == "Hello." and sdk["services"] == ["sdk-agent"]
    assert _until(lambda: list((collector.traces_dir / "spans").glob("tenant=acme/hour=*/*.parquet")))
    tree = _invoke("traces", "show", AGENT_TRACE, "--tenant", "acme")
    assert tree.exit_code == 0 and "invoke_agent weather-bot" in tree.output
    assert json.loads(_invoke("episodes", "list", "--tenant", "globex", "--json").stdout) == []
    missing = _cli(collector.home, "episodes", "show", "ab" * 16)
    assert missing.returncode == 1 and missing.stderr.strip().splitlines() == [
        f"error: no episode {'ab' * 16}"
    ]
    assert collector.proc.poll() is None


LONG_TRACE = "0123456789abcdef" * 2
LONG_TENANT = "tenant-with-a-name-as-long-as-tenant-names-may-be-0123456789abcd"[:63]
LONG_MODEL = "organisation-name/a-rather-long-model-name-that-would-not-fit-24-columns"
LONG_TASK = "summarise-the-quarterly-report-for-the-board"
LONG_QUESTION = (
    "Please read the attached quarterly report and write a summary for the board that covers revenue, "
    "costs, headcount and the three biggest risks, in no more than two hundred words, plain English only."
)
LONG_ANSWER = "Revenue grew; costs grew faster. " * 6


@pytest.fixture
def long_values_home(tmp_path: Path) -> Path:
    """A store holding one episode whose every shown value is longer than an 80-column table cell."""
    chat = span(
        LONG_TRACE,
        "00000000000000a1",
        f"chat {LONG_MODEL}",
        T0,
        T0 + 5_000_000,
        {
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: LONG_MODEL,
            "tracewheel.task": LONG_TASK,
            sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": LONG_QUESTION}]}]
            ),
            sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": LONG_ANSWER}],
                        "finish_reason": "stop",
                    }
                ]
            ),
        },
    )
    flush(tmp_path / "traces", 1, [trace_record(trace_body("report-agent", [chat]), LONG_TENANT, T0)])
    return tmp_path


def _piped(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI with stdout a pipe and no COLUMNS hint: what ``| grep`` and ``| less`` see."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["TRACEWHEEL_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "tracewheel", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", "human output must go to stdout, diagnostics only to stderr"
    return proc


def test_episodes_list_piped_prints_every_value_whole(long_values_home: Path) -> None:
    out = _piped(long_values_home, "episodes", "list").stdout
    assert "…" not in out
    row = next(line for line in out.splitlines() if LONG_TRACE in line)
    for value in (LONG_TENANT, LONG_MODEL, LONG_TASK, LONG_QUESTION):
        assert value in row, value


def test_episodes_show_piped_prints_the_conversation_whole(long_values_home: Path) -> None:
    out = _piped(long_values_home, "episodes", "show", LONG_TRACE).stdout
    for value in (LONG_TRACE, LONG_TENANT, LONG_MODEL, LONG_TASK, LONG_QUESTION, LONG_ANSWER.strip()):
        assert value in out, value


def test_traces_show_piped_prints_the_span_tree_whole(long_values_home: Path) -> None:
    out = _piped(long_values_home, "traces", "show", LONG_TRACE).stdout
    assert f"trace {LONG_TRACE} (1 spans)" in out
    line = next(line for line in out.splitlines() if "00000000000000a1" in line)
    assert f"chat {LONG_MODEL}" in line and "report-agent" in line and f"request.model={LONG_MODEL}" in line
