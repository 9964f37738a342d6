"""``tracewheel usage``: JSON and table output over a metrics store written by the collector's writer, and the
errors a user can make (a bad --by, --since, or a tenant without metrics)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import encode_metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.util.genai.instruments import create_duration_histogram, create_token_histogram
from tracewheel.collector.metrics import extract
from tracewheel.collector.metrics_store import MetricsLog
from typer.testing import CliRunner

from tracewheel.cli.main import app
from tracewheel.core.errors import TracewheelError


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    reader = InMemoryMetricReader()
    meter = MeterProvider([reader]).get_meter("t")
    tokens, durations = create_token_histogram(meter), create_duration_histogram(meter)
    for seconds in (0.1, 0.2):
        durations.record(seconds, {"gen_ai.request.model": "small"})
        tokens.record(40, {"gen_ai.request.model": "small", "gen_ai.token.type": "input"})
    meter.create_counter("process.cpu.time").add(3)
    log = MetricsLog(tmp_path / "metrics")
    log.append("acme", time.time_ns(), extract(encode_metrics(reader.get_metrics_data())))
    log.close()
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    """Exit code and output; a ``TracewheelError`` (which the entry point prints as ``error: ...``) as exit 1
    and its message."""
    result = CliRunner().invoke(app, ["usage", *args])
    if isinstance(result.exception, TracewheelError):
        return 1, str(result.exception)
    return result.exit_code, result.output


def test_json_and_table(home: Path) -> None:
    code, out = _run("--json")
    assert code == 0
    (acme,) = json.loads(out)["tenants"]
    assert acme["tenant"] == "acme" and acme["by"] == "model"
    (small,) = acme["groups"]
    assert (small["key"], small["input_tokens"], small["calls"]) == ("small", 80, 2)
    assert 0.08 <= small["duration_p50_s"] <= 0.16
    assert acme["dropped_by_metric"] == {"process.cpu.time": 1}
    code, out = _run("--tenant", "acme", "--by", "day")
    assert code == 0
    assert "acme: 1 data point(s) of other metrics dropped" in out
    assert time.strftime("%Y-%m-%d", time.gmtime()) in out and "total" in out


def test_user_errors(home: Path) -> None:
    code, out = _run("--by", "week")
    assert code != 0 and "model" in out
    code, out = _run("--since", "yesterdayish")
    assert code == 1 and "--since" in out
    code, out = _run("--tenant", "globex")
    assert code == 1 and "no metrics for tenant 'globex'" in out
    code, out = _run("--tenant", "../etc")
    assert code == 1 and "--tenant" in out


def test_tenants_delete_removes_its_metrics(home: Path) -> None:
    result = CliRunner().invoke(app, ["tenants", "delete", "acme", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["metrics"] is True
    assert not (home / "metrics" / "tenant=acme").exists()
    assert _run("--json") == (0, '{\n  "tenants": []\n}\n')


def test_model_names_cannot_style_or_control_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    reader = InMemoryMetricReader()
    tokens = create_token_histogram(MeterProvider([reader]).get_meter("t"))
    tokens.record(5, {"gen_ai.request.model": "[red]evil[/red]\x1b[2J", "gen_ai.token.type": "input"})
    log = MetricsLog(tmp_path / "metrics")
    log.append("acme", time.time_ns(), extract(encode_metrics(reader.get_metrics_data())))
    log.close()
    code, out = _run()
    assert code == 0 and "[red]evil[/red]?[2J" in out and "\x1b" not in out
