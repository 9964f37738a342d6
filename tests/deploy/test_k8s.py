"""deploy/k8s/: every manifest validates against the Kubernetes API schemas (kubernetes-validate, strict, offline),
and the manifests agree with the compose file and the code: the same commands and TRACEWHEEL_* settings, probes on
/healthz at the ports the settings give, Services that point at those ports, the OTel gateway's ConfigMap equal to
deploy/otelcol/config.yaml, a Secret that is only a template."""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from _deploy_files import (
    DOCKERFILES,
    K8S,
    OTELCOL,
    REPO,
    TRACEWHEEL_SERVICES,
    compose,
    compose_env,
    dockerfile,
    dockerfile_env,
    k8s_container,
    k8s_documents,
    k8s_env,
    k8s_object,
    load_yaml,
    parse_cli,
    pod_spec,
    settings_from,
)
from tracewheel.collector.tenants import KEY_PREFIX

KUBERNETES = "1.37.0"
DOCUMENTS = [(path, doc) for path, doc in k8s_documents() if doc["kind"] != "Kustomization"]
ALTERNATIVES = {"cycle-cronjob.yaml", "serve-gpu.yaml"}
"""Manifests applied instead of a default one (documented in docs/16-deploy.md), not listed in kustomization.yaml."""


@pytest.mark.parametrize(
    "doc",
    [doc for _, doc in DOCUMENTS],
    ids=[f"{p.name}:{d['kind']}/{d['metadata']['name']}" for p, d in DOCUMENTS],
)
def test_manifest_validates_against_the_kubernetes_schema(doc: dict) -> None:
    kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_strict_validation_catches_a_misspelled_field() -> None:
    broken = copy.deepcopy(k8s_object("Deployment", "collector"))
    pod_spec(broken)["containers"][0]["livenessProbes"] = pod_spec(broken)["containers"][0].pop(
        "livenessProbe"
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_kustomization_lists_every_manifest_but_the_alternatives() -> None:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    listed = set(kustomization["resources"])
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == files - ALTERNATIVES
    namespaces = {doc["metadata"].get("namespace") for _, doc in DOCUMENTS if doc["kind"] != "Namespace"}
    assert namespaces == {kustomization["namespace"]}


@pytest.mark.parametrize("name", TRACEWHEEL_SERVICES)
def test_deployments_run_what_compose_runs(name: str, tmp_path: Path) -> None:
    container = k8s_container(name, file=f"{name}.yaml")
    assert container["args"] == compose()["services"][name]["command"]
    assert k8s_env(container) == compose_env(name)
    parse_cli(container["args"])
    settings_from(k8s_env(container), tmp_path)


@pytest.mark.parametrize(
    ("kind", "name", "file"),
    [
        ("Deployment", "collector", None),
        ("Deployment", "serve", "serve.yaml"),
        ("Deployment", "serve", "serve-gpu.yaml"),
        ("Deployment", "scheduler", None),
        ("CronJob", "cycle-default", None),
    ],
)
def test_tracewheel_pods_mount_the_home_where_the_image_puts_it(
    kind: str, name: str, file: str | None, tmp_path: Path
) -> None:
    obj = k8s_object(kind, name, file)
    container = pod_spec(obj)["containers"][0]
    image = DOCKERFILES[1] if container["image"].endswith(":gpu") else DOCKERFILES[0]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "home"]
    assert mount["mountPath"] == dockerfile_env(image)["TRACEWHEEL_HOME"]
    (volume,) = [v for v in pod_spec(obj)["volumes"] if v["name"] == "home"]
    assert (
        volume["persistentVolumeClaim"]["claimName"]
        == k8s_object("PersistentVolumeClaim", "tracewheel-home")["metadata"]["name"]
    )
    # Same uid as the image's USER, so the volume (fsGroup) is writable by the process.
    user = next(rest for word, rest in reversed(dockerfile(image)) if word == "USER")
    assert pod_spec(obj)["securityContext"]["runAsUser"] == int(user.split(":")[0])
    parse_cli(container["args"])
    settings_from(k8s_env(container), tmp_path)
    assert "requests" in container["resources"] and "limits" in container["resources"]


def _probe_ports(container: dict) -> set[int]:
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    ports = set()
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        if probe in container:
            get = container[probe]["httpGet"]
            assert get["path"] == "/healthz"
            ports.add(named.get(get["port"], get["port"]))
    return ports


def test_collector_probes_and_service_use_its_ports(tmp_path: Path) -> None:
    container = k8s_container("collector")
    settings = settings_from(k8s_env(container), tmp_path).collector
    assert {"readinessProbe", "livenessProbe"} <= set(container)
    assert _probe_ports(container) == {settings.http_port}
    service = k8s_object("Service", "collector")
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert {named[p["targetPort"]] for p in service["spec"]["ports"]} == {
        settings.http_port,
        settings.grpc_port,
    }
    assert (
        service["spec"]["selector"].items()
        <= k8s_object("Deployment", "collector")["spec"]["template"]["metadata"]["labels"].items()
    )


@pytest.mark.parametrize("file", ["serve.yaml", "serve-gpu.yaml"])
def test_serve_probes_service_and_trace_export_use_the_settings(file: str, tmp_path: Path) -> None:
    container = k8s_container("serve", file=file)
    settings = settings_from(k8s_env(container), tmp_path)
    assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container)
    assert _probe_ports(container) == {settings.serving.port}
    endpoint = urlsplit(k8s_env(container)["OTEL_EXPORTER_OTLP_ENDPOINT"])
    collector = settings_from(k8s_env(k8s_container("collector")), tmp_path).collector
    assert (endpoint.hostname, endpoint.port) == (
        k8s_object("Service", "collector")["metadata"]["name"],
        collector.http_port,
    )
    service = k8s_object("Service", "serve")
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert {named[p["targetPort"]] for p in service["spec"]["ports"]} == {settings.serving.port}


def test_the_gpu_server_waits_as_long_as_vllm_may_take_to_start(tmp_path: Path) -> None:
    container = k8s_container("serve", file="serve-gpu.yaml")
    # What the process sees: the image's ENV, then the pod's.
    image_env = {k: v for k, v in dockerfile_env(DOCKERFILES[1]).items() if k != "TRACEWHEEL_HOME"}
    settings = settings_from({**image_env, **k8s_env(container)}, tmp_path).serving
    assert settings.backend == "vllm" and parse_cli(container["args"])[1]["backend"] == "vllm"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= settings.vllm_startup_timeout_s
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert settings.vllm_command == dockerfile_env(DOCKERFILES[1])["TRACEWHEEL_SERVING__VLLM_COMMAND"]


def test_gateway_configmap_is_the_shipped_config_and_its_key_comes_from_the_secret() -> None:
    configmap = k8s_object("ConfigMap", "otel-gateway")
    assert load_yaml(OTELCOL) == yaml.safe_load(configmap["data"]["config.yaml"])
    container = k8s_container("otel-gateway")
    assert container["image"] == compose()["services"]["otel-gateway"]["image"]
    assert container["args"] == compose()["services"]["otel-gateway"]["command"]
    mount = next(m for m in container["volumeMounts"] if m["name"] == "config")
    assert container["args"] == [f"--config={mount['mountPath']}/config.yaml"]
    header = load_yaml(OTELCOL)["exporters"]["otlphttp/tracewheel"]["headers"]["authorization"]
    variable = header.split("${env:")[1].rstrip("}")
    (env,) = [e for e in container["env"] if e["name"] == variable]
    ref = env["valueFrom"]["secretKeyRef"]
    secret = k8s_object("Secret", ref["name"])
    assert ref["key"] in secret["stringData"]
    health = int(load_yaml(OTELCOL)["extensions"]["health_check"]["endpoint"].rsplit(":", 1)[1])
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert named[container["livenessProbe"]["httpGet"]["port"]] == health


def test_the_secret_is_a_template_without_keys() -> None:
    secret = k8s_object("Secret", "tracewheel-tenant-keys")
    assert "data" not in secret
    for value in secret["stringData"].values():
        assert not value.startswith(KEY_PREFIX), "a real tenant key in a manifest"


def test_the_cronjob_runs_one_cycle_and_never_overlaps() -> None:
    cronjob = k8s_object("CronJob", "cycle-default")
    names, params = parse_cli(k8s_container("cycle-default", kind="CronJob")["args"])
    assert names == ["run"] and params["tenant"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert cronjob["spec"]["schedule"] == compose_env("scheduler")["TRACEWHEEL_SCHEDULE__CRON"]


def test_the_documented_kubectl_exec_commands_name_deployments_and_tracewheel_commands() -> None:
    doc = (REPO / "docs" / "16-deploy.md").read_text()
    found = list(re.finditer(r"kubectl -n (\S+) exec deploy/([\w-]+) -- tracewheel ([^`#\n]+)", doc))
    assert found
    for match in found:
        namespace, name, args = match.groups()
        assert k8s_object("Deployment", name, f"{name}.yaml")["metadata"]["namespace"] == namespace
        parse_cli(shlex.split(args))
