"""``make demo``: the whole flywheel, as a user runs it, on the embedded SmolLM2-135M, CPU only.

A support agent (the real ``openai`` client, OTel's openai-v2 instrumentation, the standard ``OTEL_EXPORTER_OTLP_*``
variables; ``tracewheel/demo_openai_agent.py``) extracts orders from customers' notes as JSON through
``tracewheel serve``; the base model gets almost none right. Simulated users send thumbs, scores and corrected
answers. Then: ``tracewheel run`` (curate → review by policy → learn from the wins → SFT → held-out eval → gate →
canary), a second round of traffic through the tenant's main model name (champion and canary by a sticky key, the
server's monitor deciding the canary from the outcomes), ``tracewheel schedule`` starting cycle 2 once enough new
episodes arrived, and ``tracewheel report``. Every step is the ``tracewheel`` command a user would type, run as a
subprocess; state is in a fresh ``TRACEWHEEL_HOME`` (default ``./.tracewheel-demo``, left behind to look at).

Fails (exit 1) unless the best promoted adapter beats the base on the held-out split by ``TRACEWHEEL_DEMO_MIN_LIFT``
points (default 50).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console(highlight=False)
TENANT = "acme"


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


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# The demo's sizes; every one can be changed by its environment variable for a bigger or quicker run.
ROUND1 = _env_int("TRACEWHEEL_DEMO_ROUND1", 80)  # extraction runs on the base model
ROUND2 = _env_int("TRACEWHEEL_DEMO_ROUND2", 36)  # extraction runs through the champion / canary
# Order lookups in round 1 (half as many in round 2); half their pages carry an injection.
LOOKUPS = _env_int("TRACEWHEEL_DEMO_LOOKUPS", 4)
MAX_STEPS = _env_int("TRACEWHEEL_DEMO_MAX_STEPS", 30)
MIN_LIFT = float(os.environ.get("TRACEWHEEL_DEMO_MIN_LIFT", 50))


def demo_config(max_steps: int) -> str:
    """The demo's config.toml: the policy that reviews rows without a person, the loop's settings, a canary small
    enough to decide within the demo."""
    return f"""\
# Written by `make demo` (tracewheel/demo.py). Every key is documented in docs/; TRACEWHEEL_<SECTION>__<KEY> overrides.

[curator]
heldout_fraction = 0.2

# Review at scale: accepted without a person. Quarantined runs, runs the screener flagged and held-back runs are
# never accepted whatever a rule says. Redacted rows are allowed: their PII is replaced by placeholders.
[[curator.auto_accept.rules]]
name = "verified"            # runs that passed their verifier, and the champion's verified samples
kinds = ["sft"]
labels = ["good"]
require_verifier_pass = true
allow_redacted = true

[[curator.auto_accept.rules]]
name = "corrected"           # runs a user corrected, with the correction as the answer
kinds = ["sft"]
labels = ["bad"]
sources = ["correction"]
require_verifier_pass = false
allow_redacted = true

[[curator.auto_accept.rules]]
name = "verifiable"          # prompts with a verifier: rejection sampling samples the champion on them
kinds = ["rewards"]
labels = []
require_verifier_pass = false
allow_redacted = true

[loop]
methods = ["sft"]            # rewards rows are not trained on here (GRPO is not in the methods)
min_rows = {{sft = 16}}
init_from = "champion"
max_steps = {max_steps}
canary = true
canary_wait_seconds = 0

[loop.train_config.sft]
learning_rate = 0.0005
per_device_train_batch_size = 8
num_train_epochs = 3
lora_r = 16
stop_loss = 0.05
stop_patience = 2

[loop.rejection_sampling]
enabled = true
samples_per_prompt = 4
temperature = 0.8
max_tokens = 32
max_prompts = 6

[evals]
max_tokens = 32
batch_size = 32
max_examples_per_task = 64

[serving]
# torch's own thread count (both cores): the server generates while little else runs, and a cycle's evaluation
# and sampling (which take this setting too) run while the server idles. Prefill, most of the time here, ran 1.55x
# faster on 2 threads than on 1 on an idle 2-core machine (measured).
canary_share = 0.5
canary_min_samples = 8
canary_check_seconds = 2
max_batch_size = 32
"""


class Demo:
    """The demo's processes and the commands it runs, with their timings."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "TRACEWHEEL_HOME": str(home),
            "TRACEWHEEL_LOG_LEVEL": "WARNING",
            "TOKENIZERS_PARALLELISM": "false",
            # transformers' deprecation notices (gradient_checkpointing's rename) say nothing to a demo's reader
            "PYTHONWARNINGS": "ignore::FutureWarning",
        }
        self.env.pop("TRACEWHEEL_CONFIG", None)
        self.timings: list[tuple[str, float]] = []
        self.procs: list[subprocess.Popen] = []
        self.start = time.monotonic()

    # --- commands -------------------------------------------------------------------------------------------

    def cli(self, *args: str, json_out: bool = True, quiet: bool = False) -> Any:
        """Run ``tracewheel ARGS``; its progress (stderr) shows, its stdout is the answer."""
        if not quiet:
            console.print(f"[dim]$ tracewheel {' '.join(args)}[/dim]")
        proc = subprocess.run(
            [sys.executable, "-m", "tracewheel", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if quiet else None,
            text=True,
        )
        if proc.returncode != 0:
            raise DemoFailed(f"`tracewheel {' '.join(args)}` exited {proc.returncode}")
        return json.loads(proc.stdout) if json_out else proc.stdout

    @contextmanager
    def timed(self, what: str) -> Iterator[None]:
        start = time.monotonic()
        yield
        seconds = time.monotonic() - start
        self.timings.append((what, seconds))
        console.print(f"[dim]{what}: {seconds:.0f} s (demo at {time.monotonic() - self.start:.0f} s)[/dim]")

    def background(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.home / f"{name}.log", "wb")  # noqa: SIM115  # closed with the process, at exit
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracewheel", *args],
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def agent(self, env: dict[str, str], *args: str) -> dict[str, Any]:
        """The user's agent process (not a tracewheel command: an application traced by the standard SDK)."""
        console.print(f"[dim]$ python -m tracewheel.demo_openai_agent {' '.join(args)}[/dim]")
        proc = subprocess.run(
            [sys.executable, "-m", "tracewheel.demo_openai_agent", *args],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        if proc.returncode != 0:
            raise DemoFailed(f"the demo agent exited {proc.returncode}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


class DemoFailed(Exception):
    pass


def wait_for(check: Callable[[], Any], timeout: float, interval: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _healthy(url: str, proc: subprocess.Popen, log: Path) -> bool:
    if proc.poll() is not None:
        raise DemoFailed(f"{url} exited with {proc.returncode}; see {log}")
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f} %"


def _find(obj: Any, key: str) -> Any:
    """The first value under ``key`` anywhere in a JSON answer (the shapes of the commands' JSON nest it)."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for value in obj.values():
            found = _find(value, key)
            if found is not None:
                return found
    elif isinstance(obj, list):
        for value in obj:
            found = _find(value, key)
            if found is not None:
                return found
    return None


# --- the checks on what reached training ------------------------------------------------------------------------


def leaked_into_training(demo: Demo, secrets: set[str]) -> tuple[int, int, list[str]]:
    """Every training row (sft, dpo, kto, rewards) of every dataset version, exported with ``datasets export``,
    scanned for each secret (PII values the agent sent, the injected instruction). (versions, rows, leaks)."""
    versions = demo.cli("datasets", "list", "--tenant", TENANT, "--json", quiet=True)
    ids = [v.get("version") or v.get("version_id") or v.get("id") for v in versions]
    rows = 0
    leaks: list[str] = []
    for version in ids:
        for kind in ("sft", "dpo", "kto", "rewards"):
            text = demo.cli(
                "datasets", "export", version, "--kind", kind, "--tenant", TENANT, json_out=False, quiet=True
            )
            lines = [line for line in text.splitlines() if line.strip()]
            rows += len(lines)
            for line in lines:
                leaks += [f"{version} {kind}: {s!r}" for s in secrets if s in line]
    return len(ids), rows, leaks


# --- the demo -----------------------------------------------------------------------------------------------------


def main() -> int:
    home = Path(os.environ.get("TRACEWHEEL_DEMO_HOME", ".tracewheel-demo")).resolve()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "config.toml").write_text(demo_config(MAX_STEPS))
    demo = Demo(home)
    try:
        return run(demo)
    except DemoFailed as exc:
        console.print(f"[bold red]demo failed: {exc}[/bold red]")
        return 1
    finally:
        demo.stop_all()


def run(demo: Demo) -> int:
    home = demo.home
    console.rule("[bold]tracewheel demo: an order-extraction agent gets better from its own traces")
    console.print(f"state in {home} (config: {home / 'config.toml'})")

    # 1. The collector, the server, the tenant ----------------------------------------------------------------
    console.rule("[bold]1. collector and server")
    with demo.timed("start collector and server"):
        key = demo.cli("tenants", "create", TENANT, "--json")["api_key"]
        http_port, grpc_port, serve_port = free_port(), free_port(), free_port()
        collector_url = f"http://127.0.0.1:{http_port}"
        collector = demo.background(
            "collector", ["collector", "--http-port", str(http_port), "--grpc-port", str(grpc_port)]
        )
        # The server exports its own spans to the collector (standard variables); each span goes with the key of
        # the tenant whose request it records.
        serve_env = {
            **demo.env,
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
            "OTEL_BSP_SCHEDULE_DELAY": "200",
        }
        server = demo.background("serve", ["serve", "--port", str(serve_port)], env=serve_env)
        wait_for(
            lambda: _healthy(f"{collector_url}/healthz", collector, home / "collector.log"),
            60,
            0.2,
            "collector",
        )
        wait_for(
            lambda: _healthy(f"http://127.0.0.1:{serve_port}/healthz", server, home / "serve.log"),
            300,
            0.5,
            "tracewheel serve",
        )
    console.print(
        f"collector {collector_url}, OpenAI API http://127.0.0.1:{serve_port}/v1 (model `tracewheel`)"
    )

    agent_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACEWHEEL_")},
        "OPENAI_BASE_URL": f"http://127.0.0.1:{serve_port}/v1",
        "OPENAI_API_KEY": key,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector_url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer {key}",
        "OTEL_SERVICE_NAME": "order-desk",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
    }

    # 2. Round 1 on the base model -------------------------------------------------------------------------------
    console.rule("[bold]2. round 1: the agent on the base model, users react")
    runs1 = home / "round1.jsonl"
    with demo.timed("round 1 traffic + feedback"):
        summary1 = demo.agent(
            agent_env,
            *(
                "--extractions",
                str(ROUND1),
                "--lookups",
                str(LOOKUPS),
                "--seed",
                "1",
                "--prefix",
                "r1",
                "--workers",
                "16",
            ),
            *("--feedback-url", collector_url, "--out", str(runs1)),
        )
    console.print(
        f"{summary1['runs']} runs at {summary1['runs_per_second']} runs/s; the base model got "
        f"{_pct(summary1['extraction_success'])} of the orders right; feedback {summary1['feedback']}"
    )
    results = read_jsonl(runs1)
    with demo.timed("episodes arrive"):
        episodes = wait_for(
            lambda: (lambda eps: eps if sum(1 for e in eps if e.get("task")) >= len(results) else None)(
                demo.cli("episodes", "list", "--tenant", TENANT, "--limit", "100000", "--json", quiet=True)
            ),
            120,
            1.0,
            "every run's episode",
        )
    example = next(e for e in episodes if e.get("task") == "order_extraction" and e.get("feedback"))
    shown = demo.cli("episodes", "show", example["episode_id"], "--tenant", TENANT, "--json")
    console.print(
        f"{len(episodes)} episodes for {len(results)} runs; episode {shown['episode_id'][:12]}…: "
        f"{len(shown['messages'])} messages, spans from {', '.join(example.get('services') or [])}, "
        f"feedback {len(shown['feedback'])}"
    )

    # 3. Cycle 1 --------------------------------------------------------------------------------------------------
    console.rule("[bold]3. cycle 1: curate → review → sample → train → evaluate → gate → canary")
    with demo.timed("cycle 1 (tracewheel run)"):
        cycle1 = demo.cli("run", "--tenant", TENANT, "--json")
    console.print(f"cycle {cycle1.get('cycle_id')}: outcome [bold]{cycle1.get('outcome')}[/bold]")
    if cycle1.get("outcome") not in ("canary", "promoted"):
        raise DemoFailed(
            f"cycle 1 ended {cycle1.get('outcome')}: {cycle1.get('gate') or cycle1.get('error')}"
        )

    # 4. Round 2 through the main model name, the scheduler watching -----------------------------------------------
    console.rule("[bold]4. round 2: traffic through the canary; the scheduler starts cycle 2 on new episodes")
    trigger = ROUND2 + LOOKUPS // 2
    scheduler = demo.background(
        "schedule",
        [
            "schedule",
            "--tenant",
            TENANT,
            "--min-new-episodes",
            str(trigger),
            "--poll-seconds",
            "5",
            "--max-cycles",
            "1",
        ],
    )
    console.print(f"$ tracewheel schedule --min-new-episodes {trigger} --poll-seconds 5 --max-cycles 1 &")
    runs2 = home / "round2.jsonl"
    with demo.timed("round 2 traffic + feedback"):
        summary2 = demo.agent(
            agent_env,
            *(
                "--extractions",
                str(ROUND2),
                "--lookups",
                str(LOOKUPS // 2),
                "--seed",
                "2",
                "--prefix",
                "r2",
                "--workers",
                "16",
            ),
            *("--feedback-url", collector_url, "--out", str(runs2)),
        )
    console.print(
        f"{summary2['runs']} runs at {summary2['runs_per_second']} runs/s, "
        f"{_pct(summary2['extraction_success'])} of the orders right"
    )
    with demo.timed("canary decision"):
        status = wait_for(
            lambda: (lambda s: s if s and s.get("status", "running") != "running" else None)(
                demo.cli("canary", "status", "--tenant", TENANT, "--json", quiet=True)
            ),
            300,
            2.0,
            "the canary's decision",
        )
    with demo.timed("cycle 2 (tracewheel schedule)"):
        wait_for(lambda: scheduler.poll() is not None, 900, 1.0, "the scheduler's cycle")
    if scheduler.returncode != 0:
        raise DemoFailed(f"tracewheel schedule exited {scheduler.returncode}; see {home / 'schedule.log'}")

    # 5. The report ---------------------------------------------------------------------------------------------
    console.rule("[bold]5. report")
    with demo.timed("report"):
        report = demo.cli("report", "--tenant", TENANT, "--json")
    cycles = demo.cli("cycles", "list", "--tenant", TENANT, "--json", quiet=True)
    return summarize(demo, cycles, status, report, results + read_jsonl(runs2))


def _eval_success(examples: list[dict[str, Any]], side: str) -> tuple[int, int]:
    """(successes, examples) of one side (candidate / baseline) on the held-out suites (not the probes)."""
    held = [e for e in examples if e.get("kind") == "task"]
    return sum(1 for e in held if (e.get(f"{side}_score") or {}).get("success")), len(held)


def _rate(wins: int, n: int) -> str:
    lo, hi = wilson(wins, n)
    return f"{wins}/{n} = {_pct(wins / n if n else None)} [{_pct(lo)}, {_pct(hi)}]"


def summarize(
    demo: Demo, cycles: list[dict[str, Any]], canary_status: Any, report: Any, results: list[dict[str, Any]]
) -> int:
    console.rule("[bold]results")
    table = Table(
        title="held-out success, measured by the evals stage on the held-out split (95 % Wilson interval)"
    )
    for column in ("cycle", "trigger", "outcome", "baseline", "candidate", "delta [95 % cluster CI]", "gate"):
        table.add_column(column)
    probes = Table(title="forgetting probes and perplexity against their tolerance (candidate vs baseline)")
    for column in ("cycle", "check", "candidate", "baseline", "delta", "tolerance", "regressed"):
        probes.add_column(column)
    base_rate: float | None = None
    best: float | None = None
    for n, cycle in enumerate(cycles, 1):
        run_id = cycle.get("eval_run")
        if not run_id:
            table.add_row(str(n), cycle.get("trigger", ""), str(cycle.get("outcome")), "", "", "", "")
            continue
        run = demo.cli("evals", "show", run_id, "--tenant", TENANT, "--json", quiet=True)
        examples = run.get("examples") or []
        (cw, cn), (bw, bn) = _eval_success(examples, "candidate"), _eval_success(examples, "baseline")
        evidence = run.get("evidence") or {}
        interval = evidence.get("interval") or {}
        delta = (
            f"{100 * interval['estimate']:+.0f} pts [{100 * interval['low']:+.0f}, {100 * interval['high']:+.0f}]"
            if interval
            else "-"
        )
        baseline = run.get("baseline") or "base"
        table.add_row(
            str(n),
            cycle.get("trigger", ""),
            str(cycle.get("outcome")),
            f"{baseline}: {_rate(bw, bn)}",
            f"{run.get('candidate')}: {_rate(cw, cn)}",
            delta,
            str(run.get("decision")),
        )
        if baseline == "base" and bn and base_rate is None:
            base_rate = bw / bn
        if cycle.get("outcome") in ("promoted", "canary") and cn:
            best = max(best or 0.0, cw / cn)
        for check in evidence.get("checks") or []:
            probes.add_row(
                str(n),
                check["name"],
                f"{check['candidate']:.3g}",
                f"{check['baseline']:.3g}",
                f"{check['delta']:+.3g}",
                f"{check['tolerance']:.3g}",
                "[red]yes[/red]" if check["regressed"] else "no",
            )
    console.print(table)
    console.print(probes)

    counts = Table(title="curation: what the curator kept out")
    counts.add_column("cycle")
    counts.add_column("episodes")
    counts.add_column("redacted")
    counts.add_column("quarantined (injection)")
    counts.add_column("rows")
    for n, cycle in enumerate(cycles, 1):
        c = cycle.get("counts") or {}
        redacted = c.get("redacted") or {}
        counts.add_row(
            str(n),
            str(c.get("selected", "-")),
            ", ".join(f"{k} {v}" for k, v in redacted.items())
            if isinstance(redacted, dict)
            else str(redacted),
            str(c.get("quarantined", "-")),
            ", ".join(f"{k} {v}" for k, v in (c.get("rows") or {}).items()),
        )
    console.print(counts)

    secrets = {value for r in results for value in r.get("pii", []) + r.get("injected", [])}
    versions, rows, leaks = leaked_into_training(demo, secrets)
    if leaks:
        raise DemoFailed(f"{len(leaks)} PII values or injections reached training rows: {leaks[:5]}")
    console.print(
        f"[green]checked {rows} training rows of {versions} dataset versions: none of the {len(secrets)} PII values "
        "the agent sent or the injected instruction appears in any[/green]"
    )

    info = canary_status or {}
    canary = Table(
        title=f"canary {info.get('canary_id', '')}: {info.get('status')} (tracewheel serve's monitor)"
    )
    for column in ("arm", "adapter", "outcomes", "mean outcome"):
        canary.add_column(column)
    for arm, data in (info.get("arms") or {}).items():
        mean = "-" if data.get("mean") is None else f"{data['mean']:.2f}"
        canary.add_row(arm, str(data.get("adapter")), str(data.get("n")), mean)
    console.print(canary)
    cs = info.get("confidence_sequence") or {}
    if cs:
        lift = "-" if info.get("lift") is None else f"{info['lift']:+.2f}"
        console.print(
            f"canary evidence: lift {lift} over {info.get('pairs')} pairs, {1 - cs['alpha']:.0%} confidence "
            f"sequence [{cs['lower']:+.2f}, {cs['upper']:+.2f}], share {info.get('share')}; decision "
            f"[bold]{info.get('decision')}[/bold] ({info.get('rule')})"
        )

    timing = Table(title="where the time went")
    timing.add_column("step")
    timing.add_column("seconds", justify="right")
    for what, seconds in demo.timings:
        timing.add_row(what, f"{seconds:.0f}")
    timing.add_row("total", f"{time.monotonic() - demo.start:.0f}")
    console.print(timing)
    path = _find(report, "path") or _find(report, "output") or report
    console.print(f"HTML report: [bold]{path}[/bold]")

    if base_rate is None or best is None:
        raise DemoFailed("no promoted adapter with a held-out evaluation against the base")
    lift = 100 * (best - base_rate)
    console.print(f"lift: {lift:.0f}")
    if lift < MIN_LIFT:
        raise DemoFailed(f"held-out lift {lift:.0f} points is under the {MIN_LIFT:.0f} the demo promises")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
