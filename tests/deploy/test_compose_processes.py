"""The tracewheel processes deploy/compose.yaml names (collector, serve, scheduler), started here with its commands
and environment, on loopback: the
container-only values are remapped (0.0.0.0 → 127.0.0.1, a service's host name → 127.0.0.1, each port → a free
one, /data → a temporary home) and nothing else is added but the tiny test model for `serve`. The tenant is created
as docs/16-deploy.md says (`tenants create` on the collector service), the healthchecks are the compose file's own
commands, and a trace goes through for real: the OpenTelemetry SDK's OTLP/HTTP exporter → the collector; a chat
completion inside the trace → `serve`, whose own span the compose environment sends to the collector → one episode,
listed by `tracewheel episodes list`. Each process then stops cleanly on SIGTERM, as `docker compose stop` sends it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import openai
import pytest
from _deploy_files import compose, compose_env
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from tracewheel.collector.store import TraceStore
from tracewheel.trainer.model import build_tiny_model

from tracewheel.core.paths import Paths

# Three fresh processes import torch and the CLI: ~110 s wall (~45 s CPU) on the shared 2-core machine, load ~8.
pytestmark = pytest.mark.slow

PORT_VARIABLES = {
    "collector": ("TRACEWHEEL_COLLECTOR__HTTP_PORT", "TRACEWHEEL_COLLECTOR__GRPC_PORT"),
    "serve": ("TRACEWHEEL_SERVING__PORT",),
}
HOST_VARIABLES = {"collector": "TRACEWHEEL_COLLECTOR__HOST", "serve": "TRACEWHEEL_SERVING__HOST"}
STARTED = {"scheduler": "schedule log:"}
"""What a service without a healthcheck logs once it runs (tracewheel/cli/schedule_commands.py)."""
SHUTDOWN = {"serve": "Application shutdown complete"}
"""What a service that ends by re-raising SIGTERM logs once its shutdown is done."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Loopback:
    """The compose file's network on one machine: service names and container ports → 127.0.0.1 and free ports."""

    def __init__(self) -> None:
        self.ports: dict[tuple[str, int], int] = {}
        for service, variables in PORT_VARIABLES.items():
            for variable in variables:
                self.ports[(service, int(compose_env(service)[variable]))] = _free_port()

    def port(self, service: str, container_port: int) -> int:
        return self.ports[(service, container_port)]

    def url(self, url: str, service: str | None = None) -> str:
        """``http://collector:4318`` → ``http://127.0.0.1:<free>``; ``127.0.0.1:PORT`` inside ``service`` likewise."""
        for (name, container_port), port in self.ports.items():
            url = url.replace(f"//{name}:{container_port}", f"//127.0.0.1:{port}")
            if name == service:
                url = url.replace(f"//127.0.0.1:{container_port}/", f"//127.0.0.1:{port}/")
        return url

    def env(self, service: str, home: Path) -> dict[str, str]:
        """The service's compose environment with only the container-specific values remapped."""
        env = dict(compose_env(service))
        for variable in PORT_VARIABLES.get(service, ()):
            env[variable] = str(self.port(service, int(env[variable])))
        if service in HOST_VARIABLES:
            assert env[HOST_VARIABLES[service]] == "0.0.0.0"
            env[HOST_VARIABLES[service]] = "127.0.0.1"
        env = {k: self.url(v) for k, v in env.items()}
        # TRACEWHEEL_HOME is the image's ENV (the volume): here a temporary directory.
        return {**os.environ, **env, "TRACEWHEEL_HOME": str(home), "OMP_NUM_THREADS": "1"}

    def command(self, service: str) -> list[str]:
        return [sys.executable, "-m", "tracewheel", *compose()["services"][service]["command"]]

    def healthcheck(self, service: str) -> list[str]:
        test = compose()["services"][service]["healthcheck"]["test"]
        assert test[:2] == ["CMD", "python"]
        return [sys.executable, *(self.url(arg, service) for arg in test[2:])]


def _wait(condition: Callable[[], bool], what: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not ready after {timeout} s\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


@contextmanager
def _service(net: Loopback, service: str, home: Path, logs: Path, extra: dict[str, str]) -> Iterator[None]:
    """The service's process, ready: its compose healthcheck passes (or, with none, its start line is logged)."""
    log_path = logs / f"{service}.log"
    spec = compose()["services"][service]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            net.command(service),
            env={**net.env(service, home), **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:

            def ready() -> bool:
                assert proc.poll() is None, (
                    f"{service} exited {proc.returncode}\n{log_path.read_text()[-3000:]}"
                )
                if "healthcheck" not in spec:
                    return STARTED[service] in log_path.read_text()
                check = subprocess.run(net.healthcheck(service), capture_output=True, timeout=30)
                return check.returncode == 0

            _wait(ready, service, 240, log_path)
            yield
        finally:
            # What `docker compose stop` does; each service must exit cleanly on it.
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    # uvicorn (serve) shuts down gracefully, then re-raises the signal: a container's exit status 143.
    graceful = proc.returncode == -signal.SIGTERM and SHUTDOWN.get(service, "\0") in log_path.read_text()
    assert proc.returncode == 0 or graceful, (
        f"{service} exited {proc.returncode}\n{log_path.read_text()[-3000:]}"
    )


def _tracewheel(net: Loopback, service: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracewheel", *args],
        env=net.env(service, home),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def tiny_model() -> Path:
    cache = Path(os.environ.get("TRACEWHEEL_TRAINER__CACHE_DIR", "~/.cache/tracewheel")).expanduser()
    return build_tiny_model(cache)


def test_a_trace_goes_through_collector_and_serve_as_compose_runs_them(
    tmp_path: Path, tiny_model: Path
) -> None:
    net, home, logs = Loopback(), tmp_path / "data", tmp_path
    created = _tracewheel(net, "collector", home, "tenants", "create", "acme", "--json")
    assert created.returncode == 0, created.stderr
    key = json.loads(created.stdout)["api_key"]

    with ExitStack() as stack:
        stack.enter_context(_service(net, "collector", home, logs, {}))
        # The scheduler's cron and new-episode trigger from compose are accepted; it idles (no episodes yet).
        stack.enter_context(_service(net, "scheduler", home, logs, {}))
        # The only addition: serve the tiny test model instead of the embedded one (and one torch thread).
        stack.enter_context(
            _service(
                net,
                "serve",
                home,
                logs,
                {"TRACEWHEEL_SERVING__MODEL": str(tiny_model), "TRACEWHEEL_SERVING__NUM_THREADS": "1"},
            )
        )
        collector_url = net.url(
            f"http://collector:{compose_env('collector')['TRACEWHEEL_COLLECTOR__HTTP_PORT']}"
        )
        serve_url = (
            f"http://127.0.0.1:{net.port('serve', int(compose_env('serve')['TRACEWHEEL_SERVING__PORT']))}"
        )

        # The agent: the real SDK exporter, sending where the gateway would, with the tenant's key.
        provider = TracerProvider(resource=Resource.create({"service.name": "deploy-e2e-agent"}))
        provider.add_span_processor(
            SimpleSpanProcessor(
                OTLPSpanExporter(
                    endpoint=f"{collector_url}/v1/traces", headers={"authorization": f"Bearer {key}"}
                )
            )
        )
        tracer = provider.get_tracer("tests.deploy")
        client = openai.OpenAI(base_url=f"{serve_url}/v1", api_key=key, max_retries=0)
        with tracer.start_as_current_span(
            "invoke_agent deploy-check",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "deploy-check"},
        ) as root:
            headers: dict[str, str] = {}
            inject(headers)  # traceparent: the server's span joins this trace
            answer = client.chat.completions.create(
                model="tracewheel",
                messages=[{"role": "user", "content": "What is 2+2?"}],
                max_tokens=3,
                extra_headers=headers,
            )
        provider.shutdown()
        trace_id = format(root.get_span_context().trace_id, "032x")
        assert answer.choices[0].message is not None

        # Wait on the store in this process (cheap), then ask the CLI, as a user would.
        store = TraceStore(Paths(home).traces_dir)

        def arrived() -> bool:
            # Both spans: the agent's root and the server's chat span (the model's answer is a turn).
            found = [e for e in store.episodes("acme") if e.trace_id == trace_id]
            return (
                bool(found)
                and found[0].span_count >= 2
                and any(m.role == "assistant" for m in found[0].messages)
            )

        _wait(arrived, "the episode", 60, logs / "collector.log")
        out = _tracewheel(net, "collector", home, "episodes", "list", "--tenant", "acme", "--json")
        assert out.returncode == 0, out.stderr
        (episode,) = [e for e in json.loads(out.stdout) if e["episode_id"] == trace_id]
        assert episode["turns"] == 1
        assert episode["agent_name"] == "deploy-check"
        assert episode["user_task"] == "What is 2+2?"
        assert "tracewheel-serve" in episode["services"]
