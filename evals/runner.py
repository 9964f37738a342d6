"""An eval run: candidate and baseline answer the same examples through the serving engine, and the gate decides.

Both models generate greedily with a fixed seed, in mixed-adapter batches (each batch holds the candidate's and the
baseline's request for the same examples), on the tenant's held-out suites and the forgetting probes; their
perplexity on the reference text is measured beside. Everything lands in one run folder (``evals/store.py``) with
the HTML report (``evals/report.py``).

Public interface (the CLI, and the loop later):

    run_eval(settings, trainer, paths, engine, tenant, candidate_id, against="champion", progress=None) -> EvalRun
    gate(settings, trainer, paths, engine, tenant, candidate_id, progress=None) -> tuple[EvalRun, GateResult, bool]
        reuses the newest run of the candidate against the current champion (or base) on the same suites and
        generation settings, else runs one; decides with the current thresholds and logs the decision in the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from tracewheel.evals import gate as gate_rules
from tracewheel.evals import generation_cache, store
from tracewheel.evals.gate import GateResult, Pair
from tracewheel.evals.generation_cache import GenerationCache
from tracewheel.evals.metrics import Generation, Score, score_probe, score_task
from tracewheel.evals.perplexity import perplexities
from tracewheel.evals.report import render_report
from tracewheel.evals.settings import EvalsSettings
from tracewheel.evals.store import EvalRun, ExampleResult
from tracewheel.evals.suites import (
    EvalExample,
    fingerprint,
    load_probes,
    load_task_suites,
    reference_text,
    text_fingerprint,
)
from tracewheel.serving.engine import Engine, GenerationRequest, SamplingParams
from tracewheel.trainer import registry
from tracewheel.trainer.registry import AdapterRecord
from tracewheel.trainer.settings import TrainerSettings

from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths

Against = Literal["champion", "base"]
# Settings that change what the models generate: a run is reused only when they are the same.
_GENERATION_KEYS = ("seed", "max_tokens", "max_examples_per_task", "probes", "cluster_by")


class Progress(Protocol):
    def stage(self, name: str, total: int) -> None: ...
    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


def resolve_baseline(
    paths: Paths, tenant: str, candidate: AdapterRecord, against: Against
) -> AdapterRecord | None:
    """The champion (None when the tenant has none, or when asked for the base)."""
    if against == "base":
        return None
    champ = registry.champion(paths.adapters_dir, tenant)
    if champ is None or champ.adapter_id == candidate.adapter_id:
        return None
    if champ.base_model != candidate.base_model:
        raise TracewheelError(
            f"champion {champ.adapter_id} is on {champ.base_model} and candidate {candidate.adapter_id} on "
            f"{candidate.base_model}: they cannot be compared on one engine (use --against base)"
        )
    return champ


def _request(example: EvalExample, adapter: str | None, settings: EvalsSettings) -> GenerationRequest:
    return GenerationRequest(
        messages=example.messages,
        tools=example.tools,
        adapter=adapter,
        params=SamplingParams(max_tokens=settings.max_tokens, temperature=0.0, seed=settings.seed),
    )


def _generation(result: Any) -> Generation:
    choice = result.choices[0]
    return Generation(
        text=choice.text,
        tool_calls=choice.tool_calls,
        tool_call_parse_error=choice.tool_call_parse_error,
        finish_reason=choice.finish_reason,
    )


def generate_pairs(
    engine: Engine,
    examples: Sequence[EvalExample],
    candidate: str,
    baseline: str | None,
    settings: EvalsSettings,
    progress: Progress,
    cache: GenerationCache | None = None,
) -> tuple[list[tuple[Generation, Generation]], int]:
    """((candidate, baseline) outputs per example, outputs read from ``cache``); engine batches mix both models."""
    cache = cache or GenerationCache()
    models = (candidate, baseline)
    found: dict[tuple[int, int], Generation] = {}
    todo: list[tuple[int, int]] = []
    for i, example in enumerate(examples):
        for side, model in enumerate(models):
            earlier = cache.get(model, example.example_id, example.messages)
            if earlier is None:
                todo.append((i, side))
            else:
                found[(i, side)] = earlier
    step = 2 * settings.batch_size
    for start in range(0, len(todo), step):
        chunk = todo[start : start + step]
        results = engine.generate([_request(examples[i], models[side], settings) for i, side in chunk])
        found.update((key, _generation(result)) for key, result in zip(chunk, results, strict=True))
        progress.advance(len(chunk))
    outputs = [(found[(i, 0)], found[(i, 1)]) for i in range(len(examples))]
    return outputs, 2 * len(examples) - len(todo)


def _means(scores: list[Score]) -> dict[str, float | None]:
    def mean(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return sum(present) / len(present) if present else None

    return {
        "success": mean([float(s.success) for s in scores]),
        "verifier_reward": mean([s.reward for s in scores]),
        "exact_match": mean([s.exact_match for s in scores]),
        "string_similarity": mean([s.string_similarity for s in scores]),
        "tool_call_accuracy": mean([s.tool_call_accuracy for s in scores]),
        "tool_call_parse_error_rate": mean([float(s.tool_call_parse_error) for s in scores]),
    }


def pairs_of(results: list[ExampleResult]) -> list[Pair]:
    return [
        Pair(
            example_id=r.example_id,
            kind=r.kind,
            suite=r.suite,
            cluster=r.cluster,
            candidate=r.candidate_score.success,
            baseline=r.baseline_score.success,
            candidate_parse_error=r.candidate.tool_call_parse_error,
            baseline_parse_error=r.baseline.tool_call_parse_error,
        )
        for r in results
    ]


def run_eval(
    settings: EvalsSettings,
    trainer: TrainerSettings,
    paths: Paths,
    engine: Engine,
    tenant: str,
    candidate_id: str,
    against: Against = "champion",
    progress: Progress | None = None,
) -> EvalRun:
    """Evaluate ``candidate_id`` against the tenant's champion (or the base) and store the run with the decision."""
    progress = progress or _NoProgress()
    candidate = registry.get(paths.adapters_dir, tenant, candidate_id)
    baseline = resolve_baseline(paths, tenant, candidate, against)
    if engine.base_model != candidate.base_model:
        raise TracewheelError(
            f"adapter {candidate_id} was trained on {candidate.base_model}, the engine serves {engine.base_model}"
        )
    suites = load_task_suites(paths.splits_dir, tenant, settings.max_examples_per_task, settings.cluster_by)
    probes = load_probes() if settings.probes else []
    examples = [*suites.examples, *probes]

    cache = generation_cache.load(paths.evals_dir, tenant, settings, candidate.base_model)
    models = {
        record.adapter_id: record
        for record in (candidate, baseline)
        if record is not None
        and any(cache.get(record.adapter_id, e.example_id, e.messages) is None for e in examples)
    }
    to_generate = sum(
        cache.get(m, e.example_id, e.messages) is None
        for m in (candidate.adapter_id, baseline.adapter_id if baseline else None)
        for e in examples
    )
    loaded_here: list[str] = []
    for record in models.values():
        if record.adapter_id not in engine.loaded_adapters():
            engine.load_adapter(record.adapter_id, Path(record.path))
            loaded_here.append(record.adapter_id)
    try:
        progress.stage(
            f"{tenant}: generating ({candidate_id} vs {baseline.adapter_id if baseline else 'base'}; "
            f"{2 * len(examples) - to_generate} outputs reused from earlier runs)",
            to_generate,
        )
        outputs, reused = generate_pairs(
            engine,
            examples,
            candidate.adapter_id,
            baseline.adapter_id if baseline else None,
            settings,
            progress,
            cache,
        )
    finally:
        for name in loaded_here:
            engine.unload_adapter(name)

    progress.stage(f"{tenant}: scoring", len(examples))
    results: list[ExampleResult] = []
    for example, (cand, base) in zip(examples, outputs, strict=True):
        kind = "probe" if example.checker is not None else "task"
        scorer: Callable[[EvalExample, Generation], Score] = score_probe if kind == "probe" else score_task
        results.append(
            ExampleResult(
                example_id=example.example_id,
                kind=kind,
                suite=example.suite if kind == "probe" else f"{tenant}/{example.suite}",
                cluster=example.cluster,
                messages=example.messages,
                reference_text=example.reference_text,
                reference_tool_calls=example.reference_tool_calls,
                candidate=cand,
                baseline=base,
                candidate_score=scorer(example, cand),
                baseline_score=scorer(example, base),
            )
        )
        progress.advance()

    ppl = None
    reference_fp = text_fingerprint(reference_text())
    if settings.probes:
        progress.stage(f"{tenant}: reference perplexity", 1)
        ppl = _perplexities(trainer, paths, candidate, baseline, cache, reference_fp)
        progress.advance()

    result = gate_rules.decide(settings, pairs_of(results), ppl)
    tasks = [r for r in results if r.kind == "task"]
    suite_counts: dict[str, int] = {}
    for r in results:
        suite_counts[r.suite] = suite_counts.get(r.suite, 0) + 1
    run = EvalRun(
        run_id=store.new_run_id(),
        tenant=tenant,
        created_at=datetime.now(UTC),
        candidate=candidate.adapter_id,
        baseline=baseline.adapter_id if baseline else None,
        against=against,
        base_model=candidate.base_model,
        suites=suite_counts,
        suite_fingerprint=suites.fingerprint,
        probes_fingerprint=fingerprint(probes),
        left_out=suites.left_out,
        settings=settings.model_dump(mode="json"),
        seeds={"generation": settings.seed, "bootstrap": settings.seed},
        metrics={
            "candidate": _means([r.candidate_score for r in tasks]),
            "baseline": _means([r.baseline_score for r in tasks]),
            "candidate_probes": _means([r.candidate_score for r in results if r.kind == "probe"]),
            "baseline_probes": _means([r.baseline_score for r in results if r.kind == "probe"]),
        },
        perplexity=ppl,
        reference_fingerprint=reference_fp if ppl is not None else "",
        reused_outputs=reused,
        gate=result,
    )
    run.path = str(store.tenant_dir(paths.evals_dir, tenant) / run.run_id)
    return store.write_run(paths.evals_dir, run, results, render_report(run, results))


def _perplexities(
    trainer: TrainerSettings,
    paths: Paths,
    candidate: AdapterRecord,
    baseline: AdapterRecord | None,
    cache: GenerationCache,
    reference_fp: str,
) -> dict[str, float]:
    """Reference perplexity of both models; a model measured on the same text in an earlier run is not again."""
    models = {"candidate": candidate, "baseline": baseline}
    known = {
        label: cache.perplexity.get((record.adapter_id if record else generation_cache.BASE, reference_fp))
        for label, record in models.items()
    }
    missing = {label: Path(r.path) if r else None for label, r in models.items() if known[label] is None}
    measured = (
        perplexities(trainer, paths, candidate.base_model, missing, reference_text()) if missing else {}
    )
    return {label: known[label] if known[label] is not None else measured[label] for label in models}


def _reusable(
    run: EvalRun, settings: EvalsSettings, baseline: str | None, suite_fp: str, probes_fp: str
) -> bool:
    same_settings = all(run.settings.get(k) == getattr(settings, k) for k in _GENERATION_KEYS)
    return (
        same_settings
        and run.baseline == baseline
        and run.suite_fingerprint == suite_fp
        and run.probes_fingerprint == probes_fp
    )


def gate(
    settings: EvalsSettings,
    trainer: TrainerSettings,
    paths: Paths,
    engine: Engine | Callable[[], Engine],
    tenant: str,
    candidate_id: str,
    progress: Progress | None = None,
) -> tuple[EvalRun, GateResult, bool]:
    """Decide on ``candidate_id`` against the current champion (or the base): (run, decision, reused).

    ``engine`` may be a factory, called only when no earlier run can be reused. The decision is taken with the
    current thresholds on the run's stored per-example results, and appended to the run's ``decisions.jsonl``.
    It does not change the adapter's status.
    """
    candidate = registry.get(paths.adapters_dir, tenant, candidate_id)
    baseline = resolve_baseline(paths, tenant, candidate, "champion")
    baseline_id = baseline.adapter_id if baseline else None
    suites = load_task_suites(paths.splits_dir, tenant, settings.max_examples_per_task, settings.cluster_by)
    probes_fp = fingerprint(load_probes() if settings.probes else [])
    reused = next(
        (
            r
            for r in reversed(store.list_runs(paths.evals_dir, tenant))
            if r.candidate == candidate_id
            and _reusable(r, settings, baseline_id, suites.fingerprint, probes_fp)
        ),
        None,
    )
    if reused is None:
        live = engine() if callable(engine) and not hasattr(engine, "generate") else engine
        run = run_eval(settings, trainer, paths, live, tenant, candidate_id, "champion", progress)  # type: ignore[arg-type]
        result = run.gate
    else:
        run = reused
        result = gate_rules.decide(settings, pairs_of(store.load_results(run)), run.perplexity)
    store.append_decision(
        run,
        {
            "at": datetime.now(UTC).isoformat(),
            "candidate": candidate_id,
            "baseline": baseline_id,
            "reused_run": reused is not None,
            "settings": settings.model_dump(mode="json"),
            **result.model_dump(mode="json"),
        },
    )
    return run, result, reused is not None
