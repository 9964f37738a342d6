"""deploy/compose.yaml: valid against the Compose specification's schema, and in agreement with the code (the
commands are tracewheel's, every TRACEWHEEL_* variable is a setting, the ports, URLs and healthchecks are the
ones those settings give)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from _deploy_files import (
    COMPOSE,
    DEPLOY,
    REPO,
    TRACEWHEEL_SERVICES,
    compose,
    compose_env,
    load_yaml,
    parse_cli,
    settings_from,
)


def test_compose_validates_against_the_compose_spec_schema() -> None:
    # check-jsonschema ships the compose-spec schema; no network, no Docker engine.
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_rejects_a_broken_file(tmp_path: Path) -> None:
    broken = compose()
    broken["services"]["collector"]["healthcheck"]["retry"] = 5  # a misspelled key
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(broken))
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "retry" in proc.stdout


@pytest.mark.parametrize("service", TRACEWHEEL_SERVICES)
def test_tracewheel_services_run_tracewheel_commands_on_the_image(service: str) -> None:
    spec = compose()["services"][service]
    names, _params = parse_cli(spec["command"])
    assert names == [spec["command"][0]]
    assert spec["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert (DEPLOY / spec["build"]["context"]).resolve() == REPO
    assert any(v.endswith(":/data") for v in spec["volumes"])


@pytest.mark.parametrize("service", TRACEWHEEL_SERVICES)
def test_every_tracewheel_variable_is_a_setting(service: str, tmp_path: Path) -> None:
    env = compose_env(service)
    assert any(k.startswith("TRACEWHEEL_") for k in env)
    settings_from(env, tmp_path)  # raises on an unknown TRACEWHEEL_<SECTION>__<FIELD>


def _healthcheck_url(service: str) -> str:
    test = compose()["services"][service]["healthcheck"]["test"]
    (url,) = [word.split("'")[1] for word in test if "urlopen(" in word]
    return url


def test_collector_ports_and_healthcheck_follow_its_settings(tmp_path: Path) -> None:
    settings = settings_from(compose_env("collector"), tmp_path).collector
    assert settings.host == "0.0.0.0"  # reachable from the other containers
    published = {int(p.rsplit(":", 1)[1]) for p in compose()["services"]["collector"]["ports"]}
    assert published <= {settings.http_port, settings.grpc_port}
    url = urlsplit(_healthcheck_url("collector"))
    assert (url.port, url.path) == (settings.http_port, "/healthz")


def test_serve_port_healthcheck_and_trace_export_follow_the_settings(tmp_path: Path) -> None:
    serving = settings_from(compose_env("serve"), tmp_path).serving
    collector = settings_from(compose_env("collector"), tmp_path).collector
    assert serving.host == "0.0.0.0"
    published = {int(p.rsplit(":", 1)[1]) for p in compose()["services"]["serve"]["ports"]}
    assert published == {serving.port}
    url = urlsplit(_healthcheck_url("serve"))
    assert (url.port, url.path) == (serving.port, "/healthz")
    # The server's own spans go to tracewheel's collector: its service name, its OTLP/HTTP port.
    endpoint = urlsplit(compose_env("serve")["OTEL_EXPORTER_OTLP_ENDPOINT"])
    assert (endpoint.hostname, endpoint.port) == ("collector", collector.http_port)


def test_the_gateway_forwards_to_the_collector_with_the_key_it_is_given() -> None:
    gateway = compose()["services"]["otel-gateway"]
    assert gateway["image"].startswith("otel/opentelemetry-collector-contrib:")
    mounted = {v.split(":")[0]: v.split(":")[1] for v in gateway["volumes"]}
    config_arg = next(a.split("=", 1)[1] for a in gateway["command"] if a.startswith("--config="))
    host_path = next(src for src, dest in mounted.items() if dest == config_arg)
    assert (DEPLOY / host_path).resolve() == (DEPLOY / "otelcol" / "config.yaml")
    exporter = load_yaml(DEPLOY / "otelcol" / "config.yaml")["exporters"]["otlphttp/tracewheel"]
    variable = exporter["headers"]["authorization"].split("${env:")[1].rstrip("}")
    assert variable in gateway["environment"]
    assert urlsplit(exporter["endpoint"]).hostname in compose()["services"]
    assert gateway["depends_on"]["collector"]["condition"] == "service_healthy"


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file() -> None:
    cli = _compose_cli()
    if cli is None:
        pytest.skip(
            "no `docker compose` plugin and no docker-compose here (the docker client alone has no compose)"
        )
    proc = subprocess.run(
        [*cli, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TRACEWHEEL_API_KEY": "tw_example"},
    )
    assert proc.returncode == 0, proc.stderr


def _documented(pattern: str) -> list[re.Match[str]]:
    return list(re.finditer(pattern, (REPO / "docs" / "16-deploy.md").read_text()))


def test_the_documented_compose_commands_name_services_and_tracewheel_commands() -> None:
    # `docker compose run --rm SERVICE ARGS` runs the image's entrypoint (tracewheel) with ARGS;
    # `docker compose exec SERVICE tracewheel ARGS` runs a command in the running container.
    found = _documented(r"docker compose (?:run --rm|exec) ([\w-]+) ((?:tracewheel )?[^`#\n]+)")
    assert len(found) >= 4
    for match in found:
        service, command = match.group(1), shlex.split(match.group(2))
        assert service in TRACEWHEEL_SERVICES, match.group(0)
        parse_cli(command[1:] if command[0] == "tracewheel" else command)
