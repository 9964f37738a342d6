"""deploy/otelcol/config.yaml, the OpenTelemetry Collector gateway: a well-formed collector config (every pipeline's
components are defined, every defined component is used) whose traces, logs and metrics reach tracewheel's collector
on its OTLP/HTTP port with a tenant key. (No otelcol binary here to run `otelcol validate`.)"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _deploy_files import OTELCOL, compose_env, load_yaml, settings_from

CONFIG = load_yaml(OTELCOL)
KINDS = ("receivers", "processors", "exporters")


@pytest.mark.parametrize("signal", ["traces", "logs", "metrics"])
def test_each_signal_has_a_pipeline_to_tracewheel(signal: str) -> None:
    pipeline = CONFIG["service"]["pipelines"][signal]
    for kind in KINDS:
        assert pipeline[kind], f"{signal} has no {kind}"
        for name in pipeline[kind]:
            assert name in CONFIG[kind], f"{signal} uses {kind[:-1]} {name}, which is not defined"
    assert pipeline["receivers"] == ["otlp"]
    assert "batch" in pipeline["processors"]
    # memory_limiter must come first, or the data it refuses has already been batched.
    assert pipeline["processors"][0] == "memory_limiter"
    assert [e.split("/")[0] for e in pipeline["exporters"]] == ["otlphttp"]


def test_every_defined_component_is_used() -> None:
    used = {kind: set() for kind in KINDS}
    for pipeline in CONFIG["service"]["pipelines"].values():
        for kind in KINDS:
            used[kind] |= set(pipeline[kind])
    for kind in KINDS:
        assert set(CONFIG[kind]) == used[kind]
    assert set(CONFIG["service"]["extensions"]) == set(CONFIG["extensions"])


def test_the_exporter_targets_the_collectors_otlp_http_port(tmp_path: Path) -> None:
    collector = settings_from(compose_env("collector"), tmp_path).collector
    exporter = CONFIG["exporters"]["otlphttp/tracewheel"]
    url = urlsplit(exporter["endpoint"])
    # otlphttp appends /v1/traces, /v1/logs, /v1/metrics: the base URL must carry no path.
    assert (url.scheme, url.hostname, url.port, url.path) == ("http", "collector", collector.http_port, "")
    assert exporter["headers"]["authorization"].startswith("Bearer ${env:")
    assert exporter["compression"] == "gzip"  # the collector takes gzip bodies
    assert exporter["retry_on_failure"]["enabled"]  # 503/429 + Retry-After from tracewheel are retried


def test_the_gateway_listens_on_the_standard_otlp_ports_on_all_interfaces() -> None:
    protocols = CONFIG["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert protocols["http"]["endpoint"] == "0.0.0.0:4318"
