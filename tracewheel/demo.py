"""``make demo``: the whole flywheel, as a user would run it, on the embedded model, CPU only.

Every step calls the ``tracewheel`` command a user would type (so the demo exercises the real CLI), with state in
a fresh ``TRACEWHEEL_HOME`` (default ``./.tracewheel-demo``) that is left behind to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collector_command(http_port: int, grpc_port: int) -> list[str]:
    """The ``tracewheel collector`` command line, run with this interpreter (also what ``benchmarks/ingest.py``
    starts)."""
    return [
        sys.executable,
        "-m",
        "tracewheel",
        "collector",
        "--http-port",
        str(http_port),
        "--grpc-port",
        str(grpc_port),
    ]


def _cli(env: dict[str, str], *args: str, json_out: bool = True) -> Any:
    cmd = [sys.executable, "-m", "tracewheel", *args]
    console.print(f"[dim]$ tracewheel {' '.join(args)}[/dim]")
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"demo failed at: tracewheel {' '.join(args)} (exit {proc.returncode})")
    return json.loads(proc.stdout) if json_out else proc.stdout


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"collector exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("collector did not become healthy")


def _post_feedback(endpoint: str, key: str, body: dict) -> int:
    req = urllib.request.Request(
        f"{endpoint}/v1/feedback",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def main() -> None:
    from tracewheel.config import load_settings
    from tracewheel.curator import versions
    from tracewheel.demo_agent import ScriptedAgent, demo_runs

    home = Path(os.environ.get("TRACEWHEEL_DEMO_HOME", ".tracewheel-demo")).resolve()
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "TRACEWHEEL_HOME": str(home)}
    steps = int(os.environ.get("TRACEWHEEL_DEMO_STEPS", "8"))
    grpo_steps = int(os.environ.get("TRACEWHEEL_DEMO_GRPO_STEPS", "2"))

    console.rule("[bold]1. collector: a tenant, the OTLP receiver, an instrumented agent")
    tenant = _cli(env, "tenants", "create", "acme", "--json")
    http_port, grpc_port = free_port(), free_port()
    collector = subprocess.Popen(collector_command(http_port, grpc_port), env=env)
    endpoint = f"http://127.0.0.1:{http_port}"
    try:
        _wait_healthy(f"{endpoint}/healthz", collector)
        agent = ScriptedAgent(endpoint, tenant["api_key"])
        runs = demo_runs(agent)
        agent.shutdown()
        console.print(f"agent sent {len(runs)} runs over OTLP/HTTP")
        # Outcomes arrive later, as users react: thumbs, and a correction for a wrong answer.
        for run in runs:
            if run.task != "arithmetic" or not run.answer:
                continue
            body: dict[str, Any] = {"trace_id": run.trace_id, "thumb": "up" if run.correct else "down"}
            if not run.correct:
                body["corrected_answer"] = str(int(run.answer) - 1)
            status = _post_feedback(endpoint, tenant["api_key"], body)
            if status != 200:
                raise SystemExit(f"feedback for {run.trace_id} got HTTP {status}")
        episodes = _cli(env, "episodes", "list", "--tenant", "acme", "--json")
        console.print(f"{len(episodes)} episodes stored while the collector runs")
        example = next(e for e in episodes if e.get("feedback"))
        shown = _cli(env, "episodes", "show", example["episode_id"], "--tenant", "acme", "--json")
        console.print(
            f"episode {shown['episode_id'][:12]}…: {len(shown['messages'])} messages, "
            f"tools {[t['function']['name'] for t in shown['tools']]}, feedback {len(shown['feedback'])}"
        )
    finally:
        collector.terminate()
        collector.wait(30)

    console.rule("[bold]2. curator: redact, screen, label, derive, version")
    result = _cli(env, "curate", "--tenant", "acme", "--json")[0]
    version, counts = result["version"], result["counts"]
    curated = Table(title=f"dataset version {version}", show_header=False)
    curated.add_row("episodes selected", str(counts["selected"]))
    curated.add_row("PII redacted", ", ".join(f"{k} {v}" for k, v in counts["redacted"].items()) or "none")
    curated.add_row("quarantined (injection)", str(counts["quarantined"]))
    curated.add_row("outcome labels", ", ".join(f"{k} {v}" for k, v in counts["labels"].items()))
    curated.add_row("rows", ", ".join(f"{k} {v}" for k, v in counts["rows"].items()))
    curated.add_row("duplicates removed", str(sum(counts["deduplicated"].values())))
    console.print(curated)
    settings = load_settings(env)
    redacted = next(
        (
            r
            for r in versions.read_rows(settings.paths.datasets_dir, "acme", version, "sft")
            if "<PERSON_" in json.dumps(r.data)
        ),
        None,
    )
    if redacted:
        user = next(m["content"] for m in redacted.data["messages"] if m["role"] == "user")
        console.print(f"a redacted SFT row's user turn: [cyan]{user}[/cyan]")
    for row in versions.read_rows(settings.paths.datasets_dir, "acme", version, "quarantine"):
        flag = row.data["flags"][0]
        console.print(
            f"quarantined trace {row.data['trace_id'][:12]}…, tool [bold]{flag['tool']}[/bold]: "
            f"{flag['reasons'][0]}"
        )
    # A person reviews with `tracewheel datasets review VERSION`; the demo accepts every trainable row instead.
    accepted = 0
    for kind in versions.TRAINABLE_KINDS:
        for row in versions.read_rows(settings.paths.datasets_dir, "acme", version, kind):
            versions.record_decision(settings.paths.datasets_dir, "acme", version, row.row_id, "accept")
            accepted += 1
    console.print(f"accepted {accepted} rows of {version} (what `tracewheel datasets review` records)")

    console.rule("[bold]3. trainer: LoRA SFT and GRPO on the embedded SmolLM2-135M-Instruct")
    sft = _cli(
        env, "train", "sft", "--dataset", version, "--tenant", "acme", "--max-steps", str(steps), "--json"
    )
    grpo_config = home / "grpo.toml"
    grpo_config.write_text(
        "num_generations = 4\nmax_completion_length = 24\nper_device_train_batch_size = 4\n"
    )
    grpo = _cli(
        env,
        "train",
        "grpo",
        "--dataset",
        version,
        "--tenant",
        "acme",
        "--max-steps",
        str(grpo_steps),
        "--config",
        str(grpo_config),
        "--json",
    )
    adapters = _cli(env, "adapters", "list", "--tenant", "acme", "--json")

    table = Table(title="tracewheel demo")
    table.add_column("stage")
    table.add_column("result")
    table.add_row("collector", f"{len(runs)} agent runs → {len(episodes)} episodes")
    table.add_row(
        "curator", f"version {version}: " + ", ".join(f"{k} {v}" for k, v in counts["rows"].items())
    )
    for record in (sft, grpo):
        metrics = record.get("metrics", {})
        shown = {
            k: round(v, 4)
            for k, v in metrics.items()
            if isinstance(v, int | float)
            and k in ("final_loss", "first_loss", "mean_reward", "global_step", "train_runtime")
        }
        table.add_row(f"trainer ({record['method']})", f"{record['adapter_id']} {shown}")
    table.add_row("registry", ", ".join(f"{a['adapter_id']} ({a['status']})" for a in adapters))
    table.add_row("state", f"{home}  (TRACEWHEEL_HOME={home} tracewheel episodes list)")
    console.print(table)


if __name__ == "__main__":
    main()
