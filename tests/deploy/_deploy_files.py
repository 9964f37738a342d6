"""Reading deploy/ the way the tools that consume it do, for the tests that compare it with the code.

- ``compose()``: deploy/compose.yaml as a dict (YAML merge keys resolved, as Compose does).
- ``k8s_documents()``: every (file, document) in deploy/k8s/*.yaml; ``k8s_container(name)`` one Deployment's (or
  CronJob's) first container; ``k8s_env(container)`` its literal env values.
- ``dockerfile(path)``: the instructions of a Dockerfile as (INSTRUCTION, arguments) pairs, continuations joined.
- ``parse_cli(args)``: resolves ``tracewheel ARGS`` to its Typer command and parses the options without running it
  (an unknown command or option raises click's UsageError).
- ``settings_from(env)``: ``load_settings`` on a service's environment (an unknown TRACEWHEEL_* key raises).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
OTELCOL = DEPLOY / "otelcol" / "config.yaml"
K8S = DEPLOY / "k8s"
DOCKERFILES = (DEPLOY / "docker" / "Dockerfile", DEPLOY / "docker" / "Dockerfile.gpu")
TRACEWHEEL_SERVICES = ("collector", "serve", "scheduler")
"""The compose services (and Kubernetes Deployments) that run the tracewheel image."""


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def compose() -> dict[str, Any]:
    return load_yaml(COMPOSE)


def compose_env(service: str) -> dict[str, str]:
    env = compose()["services"][service].get("environment", {})
    if isinstance(env, list):  # the KEY=VALUE list form
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, doc)
        for path in sorted(K8S.glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def k8s_object(kind: str, name: str, file: str | None = None) -> dict[str, Any]:
    found = [
        doc
        for path, doc in k8s_documents()
        if doc["kind"] == kind and doc["metadata"]["name"] == name and (file is None or path.name == file)
    ]
    assert len(found) == 1, f"{len(found)} {kind}/{name} in {file or 'deploy/k8s'}"
    return found[0]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def k8s_container(name: str, kind: str = "Deployment", file: str | None = None) -> dict[str, Any]:
    return pod_spec(k8s_object(kind, name, file))["containers"][0]


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction; comments dropped, backslash continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        word, _, rest = pending.partition(" ")
        instructions.append((word.upper(), rest.strip()))
        pending = ""
    return instructions


def dockerfile_env(path: Path) -> dict[str, str]:
    """The ENV of the final stage (``KEY=value`` pairs)."""
    final = _stages(dockerfile(path))[-1]
    env: dict[str, str] = {}
    for word, rest in final:
        if word == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(rest))
    return env


def _stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for word, rest in instructions:
        if word == "FROM":
            stages.append([])
        stages[-1].append((word, rest))
    return stages


def exec_form(rest: str) -> list[str]:
    """An instruction's JSON exec form (``["tracewheel"]``)."""
    value = json.loads(rest)
    assert isinstance(value, list), rest
    return value


def parse_cli(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """Resolve ``tracewheel ARGS`` down to a leaf command; returns its name path and parsed parameters."""
    from typer.main import get_command

    from tracewheel.cli.main import app

    command = get_command(app)
    ctx = command.make_context("tracewheel", list(args))
    names: list[str] = []
    while hasattr(command, "resolve_command"):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, command, rest = command.resolve_command(ctx, rest)
        names.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
    return names, ctx.params


def settings_from(env: dict[str, str], home: Path) -> Any:
    """The settings a process with this environment loads (no config file: the image has none)."""
    from tracewheel.config import load_settings

    return load_settings({**env, "TRACEWHEEL_HOME": str(home)}, config_file=None)
