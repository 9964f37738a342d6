"""Greedy outputs a model already gave on an example, read back from the tenant's earlier eval runs.

Every cycle evaluates its candidate against the champion, and the champion is the candidate an earlier cycle
already evaluated on most of the same examples (the probes never change; the held-out split only grows). Outputs
are greedy with a fixed seed, so the champion's answers can be read from that run instead of generated again:
on CPU this is about half of a cycle's evaluation. An output is reused only for the same model (adapter id, or
the base), base model, example id and messages, and the same ``seed`` and ``max_tokens``. It lives in the runs
themselves, so forgetting a trace (which deletes the runs that quoted it) forgets its cached outputs too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracewheel.evals import store
from tracewheel.evals.metrics import Generation
from tracewheel.evals.settings import EvalsSettings

# What decides an example's greedy output besides the model and the prompt.
OUTPUT_KEYS = ("seed", "max_tokens")
BASE = ""
"""The key of the base model's outputs (an adapter's key is its id)."""


def messages_digest(messages: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class GenerationCache:
    outputs: dict[tuple[str, str, str], Generation] = field(default_factory=dict)
    perplexity: dict[tuple[str, str], float] = field(default_factory=dict)
    """(model, reference text fingerprint) -> perplexity."""

    def get(self, model: str | None, example_id: str, messages: list[dict[str, Any]]) -> Generation | None:
        return self.outputs.get((model or BASE, example_id, messages_digest(messages)))

    def __len__(self) -> int:
        return len(self.outputs)


def same_outputs(run_settings: dict[str, Any], settings: EvalsSettings) -> bool:
    return all(run_settings.get(k) == getattr(settings, k) for k in OUTPUT_KEYS)


def from_runs(runs: Iterable[store.EvalRun], settings: EvalsSettings, base_model: str) -> GenerationCache:
    """The outputs of ``runs`` that ``settings`` would generate again on ``base_model`` (newer runs win)."""
    cache = GenerationCache()
    for run in runs:
        if run.base_model != base_model:
            continue
        if run.perplexity and run.reference_fingerprint:
            for label, model in (("candidate", run.candidate), ("baseline", run.baseline or BASE)):
                if label in run.perplexity:
                    cache.perplexity[(model, run.reference_fingerprint)] = run.perplexity[label]
        if not same_outputs(run.settings, settings):
            continue
        if not (Path(run.path) / store.EXAMPLES_FILE).exists():
            continue
        for result in store.load_results(run):
            digest = messages_digest(result.messages)
            cache.outputs[(run.candidate, result.example_id, digest)] = result.candidate
            cache.outputs[(run.baseline or BASE, result.example_id, digest)] = result.baseline
    return cache


def load(evals_dir: Path, tenant: str, settings: EvalsSettings, base_model: str) -> GenerationCache:
    """The cache from the tenant's newest ``settings.reuse_runs`` runs (none when reuse is off)."""
    if settings.reuse_runs == 0:
        return GenerationCache()
    return from_runs(store.list_runs(evals_dir, tenant)[-settings.reuse_runs :], settings, base_model)
