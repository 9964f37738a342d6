"""Curation with redaction and screening on Ray Data: the run of ``curator/pipeline.py``, its two model-bound stages
spread over a Ray cluster.

The driver reads and selects episodes exactly as ``curate`` does (``TraceStore`` over the Parquet segments, the
tenant's watermark or ``--since/--until``), runs the cheap integrity check, and hands every usable episode to a pool
of Ray actors (``Dataset.map_batches`` with a callable class): each actor builds the Presidio redactor and the
injection screener once, then redacts and screens batch after batch. Their answers go into
``pipeline.curate_tenant`` through engines that only look them up, so everything after redaction and screening
(label, split, derive, dedup, decontaminate, quarantine, version) is the single-process code, on the driver, and
the version it writes is the one ``curate`` writes for the same input. docs/18-ray-curation.md has the commands.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import ray
from tracewheel.collector.episode import Episode
from tracewheel.curator import versions
from tracewheel.curator.derive import HeldBack, UnusableEpisode, check_episode
from tracewheel.curator.label import default_verify_fn
from tracewheel.curator.pipeline import (
    CurateResult,
    Engines,
    Progress,
    _NoProgress,
    _watermark_file,
    curate_tenant,
    default_redactor,
    default_screener,
)
from tracewheel.curator.redaction.redaction_config import RedactionConfig
from tracewheel.curator.screening.screening_config import ScreeningConfig
from tracewheel.curator.select import EpisodeSource, select_episodes
from tracewheel.curator.settings import CuratorSettings

from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 64
"""Episodes per actor call: the chunk the single-process pipeline hands its redactor (one deduplicated, batched
NER call); a run of fewer episodes than workers x this uses fewer workers."""

_RAY_DATA_BARS = "ray.data._internal.progress"  # logs "Progress bars disabled. To enable, ..."

_REDACTION_FAILED = "redaction failed"
_SCREENING_FAILED = "screening failed"

_ANSWER_SCHEMA = pa.schema(
    [
        ("tenant", pa.string()),
        ("episode_id", pa.string()),
        ("redacted", pa.large_string()),  # the redacted episode as JSON; null when a stage failed
        ("counts", pa.string()),  # values replaced per entity type, JSON
        ("flags", pa.large_string()),  # the screener's flags, JSON
        ("failed", pa.string()),  # which stage failed, or null
        ("error", pa.large_string()),  # the failure's message, as the single-process run would report it
        ("worker", pa.int64()),  # the actor's process id: how many actors built the models
        ("call", pa.int64()),  # the actor's call number: how many batches it served
    ]
)


class RedactAndScreen:
    """One Ray actor: builds the redactor and the screener once, then redacts and screens batches of episodes.

    A batch is redacted in one call (one deduplicated NER batch); when that fails, its episodes are redone one by
    one so that only the episode that fails is lost, as ``pipeline._redact`` does."""

    def __init__(self, redaction: RedactionConfig, screening: ScreeningConfig) -> None:
        self._redactor = default_redactor(redaction)
        self._screener = default_screener(screening)
        self._pid = os.getpid()
        self._calls = 0

    def __call__(self, batch: pa.Table) -> pa.Table:
        self._calls += 1
        rows = batch.to_pylist()
        episodes = [Episode.model_validate_json(r["episode"]) for r in rows]
        answers = [
            self._answer(episode, redacted)
            for episode, redacted in zip(episodes, self._redact(episodes), strict=True)
        ]
        return pa.Table.from_pylist(answers, schema=_ANSWER_SCHEMA)

    def _redact(self, episodes: list[Episode]) -> list[tuple[Episode, dict[str, int]] | Exception]:
        try:
            done = list(self._redactor.redact_episodes(episodes))
            if len(done) != len(episodes):
                raise RuntimeError(f"redactor returned {len(done)} episodes for {len(episodes)}")
            return list(done)
        except Exception as exc:
            logger.warning("batch redaction failed (%s); redacting episodes one by one", exc)
        out: list[tuple[Episode, dict[str, int]] | Exception] = []
        for episode in episodes:
            try:
                out.extend(self._redactor.redact_episodes([episode]))
            except Exception as one:
                out.append(one)
        return out

    def _answer(
        self, episode: Episode, redacted: tuple[Episode, dict[str, int]] | Exception
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "tenant": episode.tenant,
            "episode_id": episode.episode_id,
            "worker": self._pid,
            "call": self._calls,
        }
        if isinstance(redacted, Exception):
            return {**answer, "failed": _REDACTION_FAILED, "error": str(redacted)}
        copy, counts = redacted
        try:
            # The concrete screener returns dataclasses; the pipeline stores them as plain dicts.
            flags = [dataclasses.asdict(f) for f in self._screener.screen_episode(copy)]
        except Exception as exc:
            return {**answer, "failed": _SCREENING_FAILED, "error": str(exc)}
        return {
            **answer,
            "redacted": copy.model_dump_json(),
            "counts": json.dumps(dict(counts)),
            "flags": json.dumps(flags),
        }


@dataclass(frozen=True)
class _Answer:
    redacted: Episode | None
    counts: dict[str, int]
    flags: list[dict[str, Any]]
    failed: str | None
    error: str | None


class _LookupRedactor:
    """The pipeline's redactor, answering from what the actors returned (a failure raises, as it did there)."""

    def __init__(self, answers: dict[tuple[str, str], _Answer]) -> None:
        self._answers = answers

    def redact_episodes(self, episodes: list[Episode]) -> list[tuple[Episode, dict[str, int]]]:
        out = []
        for episode in episodes:
            answer = self._answers[(episode.tenant, episode.episode_id)]
            if answer.failed == _REDACTION_FAILED:
                raise RuntimeError(answer.error)
            assert answer.redacted is not None
            out.append((answer.redacted, dict(answer.counts)))
        return out


class _LookupScreener:
    def __init__(self, answers: dict[tuple[str, str], _Answer]) -> None:
        self._answers = answers

    def screen_episode(self, episode: Episode) -> list[Any]:
        answer = self._answers[(episode.tenant, episode.episode_id)]
        if answer.failed == _SCREENING_FAILED:
            raise RuntimeError(answer.error)
        return [dict(f) for f in answer.flags]


class _ReadOnce:
    """The episode source, each query read once: the pipeline's own selection sees the episodes the actors got."""

    def __init__(self, source: EpisodeSource) -> None:
        self._source = source
        self._read: dict[tuple[str, datetime | None, datetime | None], list[Episode]] = {}

    @property
    def skipped_segments(self) -> list[Any]:
        return list(getattr(self._source, "skipped_segments", []) or [])

    def tenants(self) -> list[str]:
        return self._source.tenants()

    def episodes(
        self, tenant: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[Episode]:
        key = (tenant, since, until)
        if key not in self._read:
            self._read[key] = list(self._source.episodes(tenant, since=since, until=until))
        return list(self._read[key])


@dataclass
class RayCurateRun:
    """What ``curate_on_ray`` did: the results ``curate`` would return, and how the Ray stage went."""

    results: list[CurateResult]
    episodes: int = 0  # episodes redacted and screened on Ray
    batches: int = 0  # actor calls
    workers: int = 0  # actors that built the redactor and screener (one build each)
    worker_pids: list[int] = field(default_factory=list)


def _selected(
    source: EpisodeSource, paths: Paths, tenant: str, since: datetime | None, until: datetime | None
) -> list[Episode]:
    """The pipeline's own selection, read-only here (curate_tenant records the watermark after writing)."""
    watermark = _watermark_file(paths.datasets_dir, tenant)
    return select_episodes(
        source, paths.datasets_dir, tenant, since, until, watermark_file=watermark
    ).episodes


def _usable(cfg: CuratorSettings, episodes: list[Episode]) -> list[Episode]:
    """The episodes the pipeline will redact: those its integrity and size check lets through."""
    out = []
    for episode in episodes:
        try:
            check_episode(episode, cfg.max_tool_result_bytes)
        except (HeldBack, UnusableEpisode):
            continue
        out.append(episode)
    return out


def _redact_and_screen(
    cfg: CuratorSettings, episodes: list[Episode], workers: int | None, batch_size: int, progress: Progress
) -> tuple[dict[tuple[str, str], _Answer], RayCurateRun]:
    run = RayCurateRun([], episodes=len(episodes))
    if not episodes:
        return {}, run
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    size = max(1, min(workers or cpus, math.ceil(len(episodes) / batch_size)))
    progress.stage(f"redacting and screening on Ray ({size} worker{'s' if size > 1 else ''})", len(episodes))
    items = [{"episode": e.model_dump_json()} for e in episodes]
    with _quiet_ray_data():
        return _run_pool(cfg, items, size, batch_size, progress, run)


def _run_pool(
    cfg: CuratorSettings,
    items: list[dict[str, str]],
    size: int,
    batch_size: int,
    progress: Progress,
    run: RayCurateRun,
) -> tuple[dict[tuple[str, str], _Answer], RayCurateRun]:
    dataset = ray.data.from_items(items).map_batches(
        RedactAndScreen,
        fn_constructor_args=(cfg.redaction, cfg.screening),
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=size),
        num_cpus=1,
    )
    answers: dict[tuple[str, str], _Answer] = {}
    calls: set[tuple[int, int]] = set()
    for table in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
        rows = table.to_pylist()
        for r in rows:
            calls.add((r["worker"], r["call"]))
            answers[(r["tenant"], r["episode_id"])] = _Answer(
                redacted=Episode.model_validate_json(r["redacted"]) if r["redacted"] is not None else None,
                counts=json.loads(r["counts"]) if r["counts"] is not None else {},
                flags=json.loads(r["flags"]) if r["flags"] is not None else [],
                failed=r["failed"],
                error=r["error"],
            )
        progress.advance(len(rows))
    if len(answers) != len(items):
        raise RuntimeError(f"Ray returned {len(answers)} answers for {len(items)} episodes")
    run.worker_pids = sorted({pid for pid, _ in calls})
    run.workers, run.batches = len(run.worker_pids), len(calls)
    return answers, run


@contextmanager
def _quiet_ray_data() -> Iterator[None]:
    """Ray Data's own progress lines off while a dataset is built and run: the caller's Progress hook draws it.

    A dataset copies the current DataContext when it is created, so this must wrap its creation too."""
    context = ray.data.DataContext.get_current()
    saved = context.enable_progress_bars, context.print_on_execution_start
    context.enable_progress_bars, context.print_on_execution_start = False, False
    # Its INFO lines, and the warning that says how to turn its bars back on (the caller draws one), stay out;
    # its warnings and errors do not.
    loggers = {
        logging.getLogger("ray.data"): logging.WARNING,
        logging.getLogger(_RAY_DATA_BARS): logging.ERROR,
    }
    levels = {log: log.level for log in loggers}
    for log, level in loggers.items():
        log.setLevel(level)
    try:
        yield
    finally:
        context.enable_progress_bars, context.print_on_execution_start = saved
        for log, level in levels.items():
            log.setLevel(level)


def curate_on_ray(
    cfg: CuratorSettings,
    paths: Paths,
    source: EpisodeSource,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
    *,
    address: str | None = None,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RayCurateRun:
    """``pipeline.curate`` with redaction and screening on Ray; the same versions, counts and skips.

    Uses the Ray session this process already has, else connects to ``address`` (``ray://...`` or a head node's
    address; None: ``RAY_ADDRESS`` or a new local Ray) for the run and disconnects after. ``workers``: actors in
    the pool (default: the cluster's CPUs), each building the models once; ``batch_size``: episodes per call.
    All tenants' episodes go through one pool, so each actor builds its models once per run.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    progress = progress or _NoProgress()
    reading = _ReadOnce(source)
    tenants = [tenant] if tenant else sorted(reading.tenants())
    with ExitStack() as locks:
        # Each tenant's lock from selection to the end of the Ray stage, so that a concurrent run fails now, not
        # after the cluster did the work; curate_tenant takes it again for the rest.
        for name in tenants:
            locks.enter_context(versions.tenant_lock(paths.datasets_dir, name))
        todo = [e for name in tenants for e in _usable(cfg, _selected(reading, paths, name, since, until))]
        started = bool(todo) and not ray.is_initialized()  # nothing to redact: no cluster to reach
        if started:
            ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
        try:
            answers, run = _redact_and_screen(cfg, todo, workers, batch_size, progress)
        finally:
            if started:
                ray.shutdown()
    engines = Engines(_LookupRedactor(answers), _LookupScreener(answers), default_verify_fn())
    run.results = [
        curate_tenant(cfg, paths, reading, name, engines, since, until, progress) for name in tenants
    ]
    return run
