"""The demo's agent: the real ``openai`` client, instrumented by OTel's openai-v2, talking to ``tracewheel serve``.

What a user's agent process looks like with tracewheel, and nothing else:

- tracing is configured only by the standard environment variables: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the
  collector), ``OTEL_EXPORTER_OTLP_HEADERS`` (``authorization=Bearer <tenant key>``), ``OTEL_SERVICE_NAME``, and
  openai-v2's ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` / ``OTEL_SEMCONV_STABILITY_OPT_IN``;
- the model is ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` (the tracewheel server and the same tenant key);
- each run is one ``tracewheel.instrument.agent_run`` root span carrying the task and its verifier spec;
- the W3C ``traceparent`` of the active span goes out on every request (an httpx request hook, what an HTTP client
  instrumentation does; openai-v2 does not inject it), so the server's own span of each call joins the run's trace
  and the collector merges it with the client's span into one turn: one run, one episode.

Simulated users then react through the collector's feedback API: a thumb up on a right answer; a thumb down with
the corrected JSON on most wrong ones; a score on some.

    python -m tracewheel.demo_openai_agent --extractions 160 --lookups 8 --seed 1 --out runs.jsonl \\
        --feedback-url http://127.0.0.1:4318
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from tracewheel.core.verifiers import verify
from tracewheel.demo_tasks import (
    LOOKUP_SYSTEM_PROMPT,
    LOOKUP_TASK,
    LOOKUP_TOOL,
    TASK,
    ExtractionTask,
    LookupTask,
    extraction_tasks,
    lookup_tasks,
)
from tracewheel.instrument import agent_run

AGENT_NAME = "order-desk"
# What openai-v2 needs to record the messages on its spans, in the current GenAI conventions; a user sets these in
# the agent's environment, the demo sets them when absent.
CONTENT_CAPTURE_ENV = {
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
    "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
}


@dataclass
class RunResult:
    """What one run did, so simulated users can react to it and the demo can check what reached training."""

    trace_id: str
    task: str
    conversation_id: str
    answer: str
    correct: bool | None
    reference: str | None = None
    pii: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Tracing:
    """The agent process's tracing: an SDK provider exporting OTLP/HTTP as the environment says, openai-v2 on."""

    provider: Any
    instrumentor: Any

    def shutdown(self) -> None:
        self.instrumentor.uninstrument()
        self.provider.shutdown()


def configure_tracing(
    service_name: str = AGENT_NAME, exporter: Any = None, set_global: bool = True
) -> Tracing:
    """The standard set-up: ``OTLPSpanExporter()`` reads ``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``..._HEADERS``; the
    provider becomes the process's global one (what ``agent_run`` and openai-v2 use by default)."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    for key, value in CONTENT_CAPTURE_ENV.items():
        os.environ.setdefault(key, value)
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter(), schedule_delay_millis=200))
    if set_global:
        trace.set_tracer_provider(provider)
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    return Tracing(provider, instrumentor)


def openai_client(base_url: str | None = None, api_key: str | None = None) -> Any:
    """The official client (``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` unless given), whose HTTP client puts the
    active span's ``traceparent`` on every request."""
    import openai
    from opentelemetry import propagate

    def inject(request: Any) -> None:
        # Runs inside openai-v2's client span: the server's span becomes its child, in the run's trace.
        propagate.inject(request.headers)

    http = openai.DefaultHttpxClient(event_hooks={"request": [inject]}, timeout=600)
    return openai.OpenAI(base_url=base_url, api_key=api_key, http_client=http, max_retries=2)


class OrderAgent:
    """Two small agents on one model, one model call per run: order extraction, and order lookup (the order page
    fetched by a tool, then the answer)."""

    def __init__(
        self,
        client: Any,
        model: str = "tracewheel",
        max_tokens: int = 32,
        temperature: float = 0.0,
        tracer_provider: Any = None,
    ) -> None:
        self.client = client
        self.tracer_provider = tracer_provider  # None: the global one, as an application sets it
        self.model = model
        self.max_tokens = max_tokens
        self.temperature = temperature

    def extract(self, task: ExtractionTask, user: str | None = None) -> RunResult:
        start = time.monotonic()
        with agent_run(
            AGENT_NAME,
            task=TASK,
            expected=task.expected,
            conversation_id=task.conversation_id,
            tracer_provider=self.tracer_provider,
        ) as root:
            answer, error = "", None
            try:
                response = self.client.chat.completions.create(
                    model=self.model,
                    messages=task.messages(),
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    user=user or task.conversation_id,
                )
                answer = response.choices[0].message.content or ""
            except Exception as exc:  # a failed call is a failed run, recorded on the span; the others go on
                error = f"{type(exc).__name__}: {exc}"
            trace_id = format(root.get_span_context().trace_id, "032x")
        correct = None if error else verify(answer, task.expected).reward >= 1.0
        return RunResult(
            trace_id,
            TASK,
            task.conversation_id,
            answer,
            correct,
            reference=task.answer,
            pii=list(task.pii),
            seconds=time.monotonic() - start,
            error=error,
        )

    def lookup(self, task: LookupTask, user: str | None = None) -> RunResult:
        """The agent looks the order up first, by itself (a retrieval step: the tool call goes into the history as
        an assistant turn, as frameworks that force a tool do), then asks the model to answer from the page."""
        start = time.monotonic()
        call_id = f"call_{task.order_id}"
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": LOOKUP_SYSTEM_PROMPT},
            {"role": "user", "content": task.question},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": LOOKUP_TOOL["function"]["name"],
                            "arguments": json.dumps({"order_id": task.order_id}),
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": task.page},
        ]
        answer, error = "", None
        with agent_run(
            AGENT_NAME,
            task=LOOKUP_TASK,
            conversation_id=task.conversation_id,
            tracer_provider=self.tracer_provider,
        ) as root:
            try:
                response = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    tools=[LOOKUP_TOOL],
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    user=user or task.conversation_id,
                )
                answer = response.choices[0].message.content or ""
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            trace_id = format(root.get_span_context().trace_id, "032x")
        return RunResult(
            trace_id,
            LOOKUP_TASK,
            task.conversation_id,
            answer,
            None,
            pii=list(task.pii),
            injected=list(task.injected),
            seconds=time.monotonic() - start,
            error=error,
        )


def run_all(
    agent: OrderAgent,
    tasks: Sequence[ExtractionTask | LookupTask],
    workers: int = 8,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Runs concurrently (the server batches what arrives together), results in the order of ``tasks``."""

    def one(task: ExtractionTask | LookupTask) -> RunResult:
        result = agent.extract(task) if isinstance(task, ExtractionTask) else agent.lookup(task)
        if on_done is not None:
            on_done(result)
        return result

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, tasks))


def feedback_for(result: RunResult, rng: random.Random) -> dict[str, Any] | None:
    """What a simulated user sends about one extraction run: most users react, a few don't."""
    if result.task != TASK or result.error or result.correct is None:
        return None
    roll = rng.random()
    if result.correct:
        if roll < 0.15:
            return {"trace_id": result.trace_id, "score": 1.0}
        return {"trace_id": result.trace_id, "thumb": "up"} if roll < 0.9 else None
    if roll < 0.85:  # most users fix a wrong order by hand: the corrected JSON
        return {"trace_id": result.trace_id, "thumb": "down", "corrected_answer": result.reference}
    if roll < 0.95:
        return {"trace_id": result.trace_id, "score": 0.0}
    return None


def post_feedback(url: str, key: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{url.rstrip('/')}/v1/feedback",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def send_feedback(url: str, key: str, results: Sequence[RunResult], seed: int) -> dict[str, int]:
    """Every simulated user's reaction, through the collector's feedback API; counts by kind."""
    rng = random.Random(seed)
    counts = {"thumb_up": 0, "thumb_down_corrected": 0, "score": 0, "none": 0}
    for result in results:
        body = feedback_for(result, rng)
        if body is None:
            counts["none"] += 1
            continue
        status = post_feedback(url, key, body)
        if status != 200:
            raise RuntimeError(f"feedback for trace {result.trace_id} got HTTP {status}")
        kind = "score" if "score" in body else "thumb_up" if body["thumb"] == "up" else "thumb_down_corrected"
        counts[kind] += 1
    return counts


def tasks_for(extractions: int, lookups: int, seed: int, prefix: str) -> list[ExtractionTask | LookupTask]:
    """A round's traffic: extraction runs with the lookup runs spread among them."""
    mixed: list[ExtractionTask | LookupTask] = list(extraction_tasks(extractions, seed, prefix=prefix + "x"))
    every = max(1, len(mixed) // max(1, lookups))
    for k, task in enumerate(lookup_tasks(lookups, seed + 1, prefix=prefix + "l")):
        mixed.insert(min(len(mixed), k * (every + 1)), task)
    return mixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractions", type=int, default=160)
    parser.add_argument("--lookups", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="r1", help="Conversation ids' prefix (unique per round).")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--model", default="tracewheel")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--feedback-url", help="The collector's base URL; users send feedback when given.")
    parser.add_argument("--out", help="Write one JSON line per run here.")
    args = parser.parse_args(argv)

    key = os.environ.get("OPENAI_API_KEY", "")
    tracing = configure_tracing()
    agent = OrderAgent(openai_client(), model=args.model, max_tokens=args.max_tokens)
    tasks = tasks_for(args.extractions, args.lookups, args.seed, args.prefix)
    done = 0
    start = time.monotonic()

    def progress(_: RunResult) -> None:
        nonlocal done
        done += 1
        if done % 16 == 0 or done == len(tasks):
            sys.stderr.write(f"  {done}/{len(tasks)} runs, {done / (time.monotonic() - start):.2f} runs/s\n")

    results = run_all(agent, tasks, args.workers, progress)
    seconds = time.monotonic() - start
    tracing.shutdown()  # flushes every span before the users react
    counts = send_feedback(args.feedback_url, key, results, args.seed) if args.feedback_url else {}
    if args.out:
        with open(args.out, "w") as out:
            for result in results:
                out.write(json.dumps(asdict(result)) + "\n")
    graded = [r for r in results if r.correct is not None]
    summary = {
        "runs": len(results),
        "errors": sum(1 for r in results if r.error),
        "extraction_success": sum(1 for r in graded if r.correct) / len(graded) if graded else None,
        "seconds": round(seconds, 1),
        "runs_per_second": round(len(results) / seconds, 3) if seconds else None,
        "feedback": counts,
    }
    sys.stdout.write(json.dumps(summary) + "\n")
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
