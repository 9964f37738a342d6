"""Loop test helpers: a home on the tiny random-init model, and agent runs written into the real trace store.

- ``arithmetic_runs(settings, n, first=0)``: ``n`` one-span chat runs "What is a + b?" answered right, with
  ``tracewheel.task`` / ``tracewheel.expected``, flushed as the collector's Parquet segments (the curator labels them
  good: the expected answer matches).
- ``loop_env(monkeypatch, home, tiny, **overrides)``: the environment of a fast cycle (one training step, a few
  generated tokens, one torch thread), plus ``[loop]``/``[curator]`` settings written to the home's config.toml.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "collector"))
from _trace_fixtures import flush, span, trace_body, trace_record  # noqa: E402

from tracewheel.config import Settings, load_settings  # noqa: E402

TENANT = "acme"
_seq = iter(range(1, 1_000_000))


def _msg(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


def arithmetic_runs(settings: Settings, n: int, first: int = 0, tenant: str = TENANT) -> list[str]:
    records, trace_ids = [], []
    now = time.time_ns()
    for i in range(first, first + n):
        a, b = 3 + i, 11 + 2 * i
        trace_id = f"{i + 1:032x}"
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "tracewheel",
            "gen_ai.input.messages": _msg("user", f"What is {a} + {b}?"),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "parts": [{"type": "text", "content": str(a + b)}],
                        "finish_reason": "stop",
                    }
                ]
            ),
            "tracewheel.task": "arithmetic",
            "tracewheel.expected": str(a + b),
        }
        start = now + i * 1000
        body = trace_body(
            "agent", [span(trace_id, f"{i + 1:016x}", "chat tracewheel", start, start + 500, attrs)]
        )
        records.append(trace_record(body, tenant, start))
        trace_ids.append(trace_id)
    flush(settings.paths.traces_dir, next(_seq), records)
    return trace_ids


CONFIG = """
[loop]
methods = ["sft"]
min_rows = {{sft = {min_rows}}}
max_steps = 1
canary = {canary}
canary_wait_seconds = 0

[loop.rejection_sampling]
enabled = {sampling}
samples_per_prompt = 2
max_tokens = 8
max_prompts = 8

[[curator.auto_accept.rules]]
name = "verified"
kinds = ["sft", "rewards"]
"""


def loop_env(
    monkeypatch: Any,
    home: Path,
    tiny: Path,
    *,
    min_rows: int = 4,
    canary: bool = False,
    sampling: bool = False,
    min_lift: float = -1.0,
    heldout: float = 0.3,
    extra: str = "",
) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        CONFIG.format(min_rows=min_rows, canary=str(canary).lower(), sampling=str(sampling).lower()) + extra
    )
    env = {
        "TRACEWHEEL_HOME": str(home),
        "TRACEWHEEL_TRAINER__DEFAULT_MODEL": str(tiny),
        "TRACEWHEEL_TRAINER__NUM_THREADS": "1",
        "TRACEWHEEL_SERVING__NUM_THREADS": "1",
        "TRACEWHEEL_EVALS__MAX_TOKENS": "4",
        "TRACEWHEEL_EVALS__BATCH_SIZE": "32",
        "TRACEWHEEL_EVALS__BOOTSTRAP_RESAMPLES": "200",
        "TRACEWHEEL_EVALS__PROBES": "false",
        "TRACEWHEEL_EVALS__MIN_LIFT": str(min_lift),
        "TRACEWHEEL_CURATOR__HELDOUT_FRACTION": str(heldout),
        "TRACEWHEEL_CURATOR__HELDOUT_MIN_PER_TASK": "2",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return load_settings()
