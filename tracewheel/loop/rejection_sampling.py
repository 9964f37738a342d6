"""Learn from the wins (rejection sampling, the STaR / ReST recipe): sample the champion on prompts a verifier can
check, keep the completions that pass it as SFT rows, and write them into a new dataset version.

    sample_wins(settings, curator, paths, engine, tenant, version, adapter, console=None) -> SamplingResult

1. **Prompts**: the verifiable prompts of ``version`` that training may use, most recent first, at most
   ``max_prompts`` (``sampling_prompts.select_prompts`` has the rules: reviewed, trusted verifier, not flagged,
   quarantined, held back or held out).
2. **Sample**: ``samples_per_prompt`` completions of each prompt from ``adapter`` (the champion, already loaded in
   ``engine``; None: the base model), many prompts per ``engine.generate`` call, ``n`` choices per request. Each
   prompt's seed comes from the configured seed, the prompt's row id and the adapter, so a prompt gets the same
   samples from the same model whatever else is sampled with it.
3. **Verify**: each completion, as the assistant message it is (text and tool calls), with
   ``tracewheel.core.verifiers.verify`` (custom verifiers run in its sandbox); it passes at the task's
   ``pass_reward`` unless it was cut off (a finish reason the task counts as bad) or its tool call did not parse.
4. **Keep**: up to ``max_kept_per_prompt`` passing completions per prompt, distinct in substance (the tool calls
   made and the answer's words, ``derive.substance``), none the version already holds for the same prompt.
5. **Write**: a new version derived from ``version``: all its rows plus the kept rows as SFT rows (the prompt
   messages + the verified assistant message, with the prompt's tools), its review decisions carried over. Each row's
   lineage says ``source = "rejection_sampling"``, names the prompt's runs (``trace_ids``, so forgetting a trace
   finds it), the sampled adapter, the verifier type and the reward, and labels it good with the reason
   ``verifier <type> passed``, what an auto-accept rule with ``require_verifier_pass`` looks for
   (``curator/review_bulk.py``). Nothing kept: the result names ``version`` itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracewheel.config import RejectionSamplingSettings
from tracewheel.core.paths import Paths
from tracewheel.core.verifiers import CUSTOM_WORKERS, verify
from tracewheel.curator import versions
from tracewheel.curator.derive import split_prompt, substance
from tracewheel.curator.settings import CuratorSettings
from tracewheel.curator.versions import DatasetRow
from tracewheel.loop.sampling_prompts import SOURCE, Prompt, PromptSelection, prompt_key, select_prompts
from tracewheel.serving.engine import Choice, Engine, EngineError, GenerationRequest, SamplingParams

logger = logging.getLogger(__name__)

MAX_CHOICES_PER_REQUEST = 16  # SamplingParams.n's limit: more samples of a prompt take several requests
# Sequences sent per engine.generate call: the engine batches them itself; the progress bar moves per call.
SEQUENCES_PER_CALL = 64


class SamplingResult(BaseModel):
    """What one rejection-sampling pass did (recorded on the cycle)."""

    prompts: int = Field(description="Prompts sampled (a prompt the engine refused is not).")
    samples: int = Field(description="Completions generated.")
    kept: int = Field(description="SFT rows added (verified, distinct, new).")
    pass_rate: float | None = Field(description="Share of the completions that passed their verifier.")
    version: str = Field(
        description="Dataset version to train on: the new one, or the input when nothing was kept."
    )
    seconds: float = Field(description="Wall-clock time of the pass.")
    verified: int = Field(default=0, description="Completions that passed their verifier.")
    tokens: int = Field(default=0, description="Completion tokens generated (where the time goes).")
    generation_seconds: float = Field(
        default=0.0, description="Of ``seconds``, choosing prompts and sampling."
    )
    adapter: str | None = Field(default=None, description="Adapter sampled (None: the base model).")
    skipped: dict[str, int] = Field(default_factory=dict, description="Rewards rows not sampled, by why.")


@dataclass
class Sample:
    """One sampled completion and its verdict."""

    message: dict[str, Any]
    reward: float
    code: str
    passed: bool
    why_not: str = ""


# --- sampling -----------------------------------------------------------------------------------------------------


def prompt_seed(seed: int, row_id: str, adapter: str | None) -> int:
    """A prompt's sampling seed: fixed by the configured seed, the prompt and the model sampled."""
    digest = hashlib.sha256(f"{seed}\0{row_id}\0{adapter or ''}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def requests_for(
    prompt: Prompt, settings: RejectionSamplingSettings, adapter: str | None
) -> list[GenerationRequest]:
    """``samples_per_prompt`` choices of one prompt as requests of at most 16 choices each (seeds never overlap:
    the engine seeds choice ``i`` of a request with ``seed + i``)."""
    base = prompt_seed(settings.seed, prompt.row_id, adapter)
    out = []
    for start in range(0, settings.samples_per_prompt, MAX_CHOICES_PER_REQUEST):
        n = min(MAX_CHOICES_PER_REQUEST, settings.samples_per_prompt - start)
        out.append(
            GenerationRequest(
                messages=prompt.messages,
                tools=prompt.tools or None,
                adapter=adapter,
                params=SamplingParams(
                    max_tokens=settings.max_tokens,
                    temperature=settings.temperature,
                    top_p=settings.top_p,
                    seed=base + start,
                    n=n,
                ),
            )
        )
    return out


def _call_ids(prompt: list[dict[str, Any]], count: int) -> list[str]:
    """Ids for a sampled message's calls that no call in the prompt uses (``call_<n>``, as the curator names them)."""
    taken = {c.get("id") for m in prompt for c in m.get("tool_calls") or []}
    out: list[str] = []
    n = sum(len(m.get("tool_calls") or []) for m in prompt)
    while len(out) < count:
        n += 1
        if f"call_{n}" not in taken:
            out.append(f"call_{n}")
    return out


def assistant_message(choice: Choice, prompt: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The choice as the curator's assistant message (tool-call arguments parsed into objects); None when a call's
    arguments are not a JSON object (no chat template can render it as a call)."""
    message: dict[str, Any] = {"role": "assistant", "content": choice.text}
    if not choice.tool_calls:
        return message
    calls = []
    for call, call_id in zip(choice.tool_calls, _call_ids(prompt, len(choice.tool_calls)), strict=True):
        function = call.get("function") or {}
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                return None
        if not isinstance(arguments, dict) or not function.get("name"):
            return None
        calls.append(
            {
                "type": "function",
                "id": call_id,
                "function": {"name": function["name"], "arguments": arguments},
            }
        )
    message["tool_calls"] = calls
    return message


def judge(prompt: Prompt, choice: Choice) -> Sample:
    """Verify one choice against its prompt's spec (custom specs run sandboxed inside ``verify``)."""
    message = assistant_message(choice, prompt.messages)
    if message is None or choice.tool_call_parse_error:
        return Sample(
            {"role": "assistant", "content": choice.text}, 0.0, "bad_tool_call", False, "bad tool call"
        )
    if not message["content"].strip() and not message.get("tool_calls"):
        return Sample(message, 0.0, "empty", False, "empty completion")
    try:
        verdict = verify(message, prompt.verifier)
    except (ValueError, TypeError) as exc:  # a spec validate_spec let through but the check refused
        return Sample(message, 0.0, "bad_spec", False, str(exc))
    passed = verdict.reward >= prompt.pass_reward
    why_not = ""
    if passed and choice.finish_reason in prompt.bad_finish_reasons:
        passed, why_not = False, f"finish reason {choice.finish_reason}"
    elif not passed:
        why_not = f"verifier {prompt.verifier_type} failed ({verdict.code or 'mismatch'})"
    return Sample(message, float(verdict.reward), verdict.code or "match", passed, why_not)


@dataclass
class DrawStats:
    """What sampling cost and what it could not do."""

    failed: Counter[str] = field(default_factory=Counter)
    """Prompts the engine refused, by ``not generated: <engine error code>``."""
    tokens: int = 0
    """Completion tokens generated."""


_SYSTEMIC = ("model_not_found", "engine_closed")  # engine errors that no other prompt would escape


def _generate(engine: Engine, batches: list[list[GenerationRequest]], stats: DrawStats) -> list[list[Choice]]:
    """Each prompt's choices (its requests' choices in order), all prompts in one ``generate`` call. A prompt the
    engine refuses (too long for the model, messages its chat template cannot render) fails the call: then the
    prompts go one by one and the refused ones get no choices, counted in ``stats.failed`` by the engine's code."""
    try:
        results = engine.generate([r for batch in batches for r in batch])
    except EngineError as exc:
        if exc.code in _SYSTEMIC:
            raise
        if len(batches) == 1:
            stats.failed[f"not generated: {exc.code}"] += 1
            logger.warning("rejection sampling: a prompt was not generated: %s", exc)
            return [[]]
        return [choices for batch in batches for choices in _generate(engine, [batch], stats)]
    stats.tokens += sum(res.completion_tokens for res in results)
    out: list[list[Choice]] = []
    k = 0
    for batch in batches:
        out.append([c for res in results[k : k + len(batch)] for c in res.choices])
        k += len(batch)
    return out


def draw_samples(
    engine: Engine,
    prompts: list[Prompt],
    settings: RejectionSamplingSettings,
    adapter: str | None,
    on_batch: Callable[[int], None] | None = None,
    stats: DrawStats | None = None,
) -> list[list[Sample]]:
    """``samples_per_prompt`` judged samples per prompt, in prompt order (none for a prompt the engine refused,
    counted in ``stats``); ``on_batch(n)`` after each batch of n prompts."""
    stats = DrawStats() if stats is None else stats
    per_call = max(1, SEQUENCES_PER_CALL // settings.samples_per_prompt)
    out: list[list[Sample]] = []
    custom = any(p.verifier_type == "custom" for p in prompts)
    # Custom verifiers wait on a sandboxed process each: a few at once.
    pool = ThreadPoolExecutor(CUSTOM_WORKERS) if custom else None
    try:
        for start in range(0, len(prompts), per_call):
            chunk = prompts[start : start + per_call]
            choices = _generate(engine, [requests_for(p, settings, adapter) for p in chunk], stats)
            pairs = [(p, c) for p, cs in zip(chunk, choices, strict=True) for c in cs]
            judged = iter(
                list(pool.map(lambda pc: judge(*pc), pairs)) if pool else [judge(*pc) for pc in pairs]
            )
            out.extend([next(judged) for _ in cs] for cs in choices)
            if on_batch is not None:
                on_batch(len(chunk))
    finally:
        if pool is not None:
            pool.shutdown()
    return out


# --- keeping ------------------------------------------------------------------------------------------------------


def answer_key(prompt: list[dict[str, Any]], completion: list[dict[str, Any]]) -> tuple[str, str]:
    """(prompt, what the answer does): two rows with the same key teach the same thing."""
    return prompt_key(prompt), json.dumps(substance(completion), ensure_ascii=False, default=str)


def existing_answers(rows: list[DatasetRow]) -> set[tuple[str, str]]:
    """The (prompt, answer) keys of a version's SFT rows."""
    out = set()
    for row in rows:
        messages = row.data.get("messages") or []
        if row.kind != "sft" or not any(m.get("role") == "user" for m in messages):
            continue
        prompt, completion = split_prompt(messages)
        out.add(answer_key(prompt, completion))
    return out


def sft_row(
    prompt: Prompt,
    sample: Sample,
    *,
    adapter: str | None,
    base_model: str,
    parent: str,
    settings: RejectionSamplingSettings,
) -> DatasetRow:
    """A kept completion as an SFT row, with the lineage review, auto-accept and forgetting read."""
    kind = prompt.verifier_type
    reason = f"verifier {kind} passed (reward {sample.reward:g}: {sample.code})"
    traces = prompt.trace_ids
    lineage = {
        "source": SOURCE,
        "trace_ids": traces,
        "task": prompt.lineage.get("task"),
        "selected_because": (
            f"rejection sampling: a sample of {adapter or 'the base model'} passed verifier {kind} "
            f"(reward {sample.reward:g})"
        ),
        "labels": {t: {"verdict": "good", "reasons": [reason, "rejection sampling"]} for t in traces},
        "redaction": prompt.lineage.get("redaction") or {},
        "screening": prompt.lineage.get("screening") or {},
        "verifier_source": prompt.lineage.get("verifier_source"),
        SOURCE: {
            "adapter": adapter,
            "base_model": base_model,
            "verifier": kind,
            "reward": sample.reward,
            "prompt_row": prompt.row_id,
            "parent_version": parent,
            "seed": settings.seed,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
        },
    }
    return DatasetRow("sft", {"messages": [*prompt.messages, sample.message], "tools": prompt.tools}, lineage)


def keep_wins(
    prompts: list[Prompt],
    samples: list[list[Sample]],
    known: set[tuple[str, str]],
    max_kept: int,
    make_row: Any,
) -> tuple[list[DatasetRow], Counter[str]]:
    """Up to ``max_kept`` passing samples per prompt (minus what the version already kept for it), distinct in
    substance and new to the version; returns the rows and why passing samples were left out."""
    rows: list[DatasetRow] = []
    left_out: Counter[str] = Counter()
    seen = set(known)
    for prompt, judged in zip(prompts, samples, strict=True):
        room = max_kept - prompt.already_kept
        for sample in judged:
            if not sample.passed:
                continue
            key = answer_key(prompt.messages, [sample.message])
            if key in seen:
                left_out["duplicate answer"] += 1
                continue
            if room <= 0:
                left_out["over max_kept_per_prompt"] += 1
                continue
            seen.add(key)
            rows.append(make_row(prompt, sample))
            room -= 1
    return rows, left_out


# --- the new version ----------------------------------------------------------------------------------------------

# Manifest fields of the parent that still describe the derived version: the curation watermark, the runs the
# integrity check held back (review refuses their rows) and the curator config.
_CARRIED_MANIFEST_KEYS = ("selection", "held_back", "config")


def write_derived(
    datasets_dir: Path, tenant: str, parent: str, new_rows: list[DatasetRow], record: dict[str, Any]
) -> tuple[str, int]:
    """Write ``parent``'s rows plus ``new_rows`` as a new version and carry the parent's decisions; returns
    (version, rows added).

    Under the tenant's dataset lock, against the versions as they are then. A row whose prompt a purge removed
    meanwhile is dropped, so a forgotten trace never comes back. When a newer version than ``parent`` appeared
    meanwhile (a ``curate`` while the model sampled), the rows are added to that one instead: the new version
    becomes the tenant's newest, the parent of the next curation, and must not leave out what that run curated
    (its watermark has moved past those episodes)."""
    with versions.tenant_lock(datasets_dir, tenant, "rejection sampling"):
        versions.version_dir(datasets_dir, tenant, parent)  # it exists
        base = versions.list_versions(datasets_dir, tenant)[-1]["version"]
        if base != parent:
            logger.warning(
                "rejection sampling: version %s appeared while %s was sampled; the kept rows go onto it",
                base,
                parent,
            )
        base_rows = versions.all_rows(datasets_dir, tenant, base)
        present = {r.row_id for r in base_rows}
        rewards = {r.row_id for r in base_rows if r.kind == "rewards"}
        fresh = [
            r for r in new_rows if r.lineage[SOURCE]["prompt_row"] in rewards and r.row_id not in present
        ]
        if not fresh:
            return parent, 0
        manifest = versions.read_manifest(datasets_dir, tenant, base)
        added = Counter(r.kind for r in fresh)
        written = versions.write_version(
            datasets_dir,
            tenant,
            base_rows + fresh,
            {
                **{k: manifest[k] for k in _CARRIED_MANIFEST_KEYS if k in manifest},
                "parent": base,
                "derived_by": SOURCE,
                SOURCE: {**record, "sampled_version": parent},
                "counts": {
                    "new_rows": {k: added.get(k, 0) for k in versions.KINDS},
                    "kept_from_parent": len(base_rows),
                },
            },
        )
        version = written["version"]
        versions.carry_decisions(datasets_dir, tenant, base, version)
    return version, len(fresh)


# --- the pass -----------------------------------------------------------------------------------------------------


@contextmanager
def _bar(console: Console | None, total: int) -> Iterator[Any]:
    if console is None or total == 0:
        yield None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("rejection sampling: prompts", total=total)
        yield lambda n: progress.advance(task, n)


def sample_wins(
    settings: RejectionSamplingSettings,
    curator: CuratorSettings,
    paths: Paths,
    engine: Engine,
    tenant: str,
    version: str,
    adapter: str | None,
    console: Console | None = None,
    *,
    reviewed_only: bool = True,
) -> SamplingResult:
    """One rejection-sampling pass over ``version`` (see the module docstring); ``adapter`` must be loaded in
    ``engine`` (None: the base model)."""
    if adapter is not None and adapter not in engine.loaded_adapters():
        raise ValueError(f"`adapter` {adapter!r} is not loaded in the engine")
    started = time.monotonic()
    selection: PromptSelection = select_prompts(
        curator,
        paths.datasets_dir,
        paths.splits_dir,
        tenant,
        version,
        max_prompts=settings.max_prompts,
        max_kept=settings.max_kept_per_prompt,
        reviewed_only=reviewed_only,
    )
    prompts = selection.prompts
    stats = DrawStats()
    with _bar(console, len(prompts)) as advance:
        samples = draw_samples(engine, prompts, settings, adapter, advance, stats)
    generated = time.monotonic() - started
    skipped = dict(selection.skipped) | dict(stats.failed)
    sampled = sum(1 for judged in samples if judged)
    total = sum(len(s) for s in samples)
    verified = sum(1 for judged in samples for s in judged if s.passed)
    parent_rows = versions.read_rows(paths.datasets_dir, tenant, version, "sft")

    def make_row(prompt: Prompt, sample: Sample) -> DatasetRow:
        return sft_row(
            prompt, sample, adapter=adapter, base_model=engine.base_model, parent=version, settings=settings
        )

    rows, left_out = keep_wins(
        prompts, samples, existing_answers(parent_rows), settings.max_kept_per_prompt, make_row
    )
    pass_rate = verified / total if total else None
    record = {
        "adapter": adapter,
        "base_model": engine.base_model,
        "settings": settings.model_dump(mode="json"),
        "reviewed_only": reviewed_only,
        "prompts": sampled,
        "samples": total,
        "tokens": stats.tokens,
        "verified": verified,
        "pass_rate": pass_rate,
        "left_out": dict(left_out),
        "skipped": skipped,
    }
    new_version, kept = (
        write_derived(paths.datasets_dir, tenant, version, rows, record) if rows else (version, 0)
    )
    seconds = time.monotonic() - started
    logger.info(
        "rejection sampling %s/%s: %d prompts, %d samples, %d verified, %d kept -> %s (%.1fs)",
        tenant,
        version,
        sampled,
        total,
        verified,
        kept,
        new_version,
        seconds,
    )
    if console is not None:
        rate = "-" if pass_rate is None else f"{pass_rate:.0%}"
        console.print(
            f"rejection sampling: {sampled} prompts, {total} samples ({stats.tokens} tokens in {generated:.0f}s), "
            f"pass rate {rate}, kept {kept} -> {new_version}"
        )
    return SamplingResult(
        prompts=sampled,
        samples=total,
        kept=kept,
        pass_rate=pass_rate,
        version=new_version,
        seconds=seconds,
        verified=verified,
        tokens=stats.tokens,
        generation_seconds=generated,
        adapter=adapter,
        skipped=skipped,
    )
