"""The curation run: select → check → redact → screen → label → derive → dedup → decontaminate → quarantine → version.

Each stage is its own module; this one wires them and keeps the books (what was skipped and why, what each stage
removed). A new version is the parent version's rows plus the new ones, so nothing curated before is lost; an
episode curated again (late feedback) replaces the rows it made before, and review decisions on unchanged rows
are carried over. The version is written atomically (``versions.write_version``): a crash leaves no half version
and no moved watermark.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tracewheel.collector.episode import Episode
from tracewheel.curator import versions
from tracewheel.curator.decontaminate import (
    Decontaminator,
    decontaminate,
    drop_heldout,
    eval_suite_paths,
    load_eval_prompts,
)
from tracewheel.curator.dedup import dedup_rows
from tracewheel.curator.derive import (
    HeldBack,
    Labelled,
    UnusableEpisode,
    chat_messages,
    check_episode,
    derive_rows,
    partner_runs,
)
from tracewheel.curator.label import VerifyFn, default_verify_fn, label_episode
from tracewheel.curator.quarantine import partition
from tracewheel.curator.redaction.redact import Redactor as PresidioRedactor
from tracewheel.curator.redaction.redaction_config import RedactionConfig
from tracewheel.curator.screening.screen import Screener as InjectionScreener
from tracewheel.curator.screening.screening_config import ScreeningConfig
from tracewheel.curator.select import EpisodeSource, Selection, select_episodes
from tracewheel.curator.settings import CuratorSettings
from tracewheel.curator.split import assign_split, record_heldout_examples
from tracewheel.curator.versions import DatasetRow

from tracewheel.core.paths import Paths

logger = logging.getLogger(__name__)


class Redactor(Protocol):
    def redact_episodes(self, episodes: list[Episode]) -> list[tuple[Episode, dict[str, int]]]: ...


class Screener(Protocol):
    def screen_episode(self, episode: Episode) -> list[Any]: ...


class Progress(Protocol):
    """Where the run reports progress (the CLI draws a Rich bar; the library stays silent)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def stage(self, name: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


def default_redactor(config: RedactionConfig) -> Redactor:
    return PresidioRedactor(config)


def default_screener(config: ScreeningConfig) -> Screener:
    # The classifier ships fitted in the package: nothing is trained or written under the home.
    return InjectionScreener(config)


def _plain(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return obj
    return dict(vars(obj))


@dataclass
class CurateResult:
    tenant: str
    version: str | None
    parent: str | None
    new_version: bool
    counts: dict[str, Any] = field(default_factory=dict)
    skipped_details: list[str] = field(default_factory=list)
    # Runs the integrity check held back (curator/integrity.py): trace_id, reason, findings.
    held_back: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Engines:
    redactor: Redactor
    screener: Screener
    verify: VerifyFn

    @classmethod
    def default(cls, config: CuratorSettings, paths: Paths) -> Engines:
        return cls(
            default_redactor(config.redaction),
            default_screener(config.screening),
            default_verify_fn(),
        )


def _watermark_file(datasets_dir: Path, tenant: str) -> Path:
    return versions.tenant_dir(datasets_dir, tenant) / ".watermark.json"


def _save_watermark(datasets_dir: Path, tenant: str, selection: Selection, version: str | None) -> None:
    """Record the watermark even when the rows did not change (a version id is its rows, not its watermark)."""
    if selection.mode != "watermark" or selection.watermark_after is None:
        return
    path = _watermark_file(datasets_dir, tenant)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".wm-", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        json.dump({"watermark": selection.watermark_after.isoformat(), "version": version}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_REDACT_CHUNK = 64  # episodes per redactor call: batched NER, bounded memory, a progress bar that moves


def _redact(
    redactor: Redactor, episodes: list[Episode], skip: Callable[[str, str], None], progress: Progress
) -> list[tuple[Episode, dict[str, int]]]:
    out: list[tuple[Episode, dict[str, int]]] = []
    for start in range(0, len(episodes), _REDACT_CHUNK):
        chunk = episodes[start : start + _REDACT_CHUNK]
        try:
            done = list(redactor.redact_episodes(chunk))
            if len(done) != len(chunk):
                raise RuntimeError(f"redactor returned {len(done)} episodes for {len(chunk)}")
            out.extend(done)
        except Exception as exc:
            # One bad episode must not sink the chunk: redo it one by one and skip only the ones that fail.
            logger.warning("batch redaction failed (%s); redacting episodes one by one", exc)
            for episode in chunk:
                try:
                    out.extend(redactor.redact_episodes([episode]))
                except Exception as one:
                    skip("redaction failed", f"{episode.episode_id}: redaction failed: {one}")
        progress.advance(len(chunk))
    return out


def curate_tenant(
    cfg: CuratorSettings,
    paths: Paths,
    source: EpisodeSource,
    tenant: str,
    engines: Engines,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> CurateResult:
    """Run every stage for one tenant and write a new dataset version when anything changed.

    Holds the tenant's dataset lock throughout: a second run for the same tenant fails at once with
    ``versions.TenantBusy`` instead of racing this one for the version directory and the watermark.
    """
    with versions.tenant_lock(paths.datasets_dir, tenant):
        return _curate_tenant(cfg, paths, source, tenant, engines, since, until, progress)


def _curate_tenant(
    cfg: CuratorSettings,
    paths: Paths,
    source: EpisodeSource,
    tenant: str,
    engines: Engines,
    since: datetime | None,
    until: datetime | None,
    progress: Progress | None,
) -> CurateResult:
    progress = progress or _NoProgress()
    datasets_dir = paths.datasets_dir
    skipped: Counter[str] = Counter()
    details: list[str] = []
    held: Counter[str] = Counter()
    held_runs: list[dict[str, Any]] = []
    dropped_pairs: Counter[str] = Counter()

    def skip(reason: str, detail: str) -> None:
        skipped[reason] += 1
        details.append(detail)
        logger.warning("skipped episode: %s", detail)

    def hold(episode: Episode, exc: HeldBack) -> None:
        # Not trained on in any form (not even as a quarantine candidate): counted apart from skips.
        held[exc.reason] += 1
        held_runs.append({"trace_id": episode.trace_id, **exc.integrity.to_dict()})
        details.append(str(exc))
        logger.warning("held back episode: %s", exc)

    selection = select_episodes(
        source, datasets_dir, tenant, since, until, watermark_file=_watermark_file(datasets_dir, tenant)
    )
    skipped.update(selection.skipped)
    # Sides are recorded before anything else, once per episode and forever (curator/split.py).
    split = assign_split(
        paths.splits_dir, tenant, selection.episodes, cfg.heldout_fraction, cfg.heldout_min_per_task
    )
    heldout = split.heldout_episodes()
    # The store skips segments it cannot read (and logs them); say so in the counts, the rest still curates.
    bad_segments = [p for p in getattr(source, "skipped_segments", []) or [] if f"tenant={tenant}" in str(p)]
    if bad_segments:
        skipped["corrupt segment"] += len(bad_segments)
        details.extend(f"corrupt segment skipped: {p}" for p in bad_segments)

    progress.stage(f"{tenant}: checking", len(selection.episodes))
    usable: list[Episode] = []
    for episode in selection.episodes:
        try:
            check_episode(episode, cfg.max_tool_result_bytes)
            usable.append(episode)
        except HeldBack as exc:
            hold(episode, exc)
        except UnusableEpisode as exc:
            skip(exc.reason, str(exc))
        progress.advance()

    progress.stage(f"{tenant}: redacting PII", len(usable))
    redacted = _redact(engines.redactor, usable, skip, progress)

    progress.stage(f"{tenant}: screening tool results", len(redacted))
    screened: list[tuple[Episode, dict[str, int], list[dict[str, Any]]]] = []
    for episode, counts in redacted:
        try:
            flags = [_plain(f) for f in engines.screener.screen_episode(episode)]
        except Exception as exc:
            # Never use an episode unscreened.
            skip("screening failed", f"{episode.episode_id}: screening failed: {exc}")
        else:
            screened.append((episode, dict(counts), flags))
        progress.advance()

    progress.stage(f"{tenant}: labelling", len(screened))
    labelled: list[Labelled] = []
    lineage_of: dict[str, dict[str, Any]] = {}
    flags_of: dict[str, list[dict[str, Any]]] = {}
    redacted_by_type: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    refused_verifiers = 0
    for episode, counts, flags in screened:
        try:
            messages = chat_messages(episode)
        except HeldBack as exc:
            hold(episode, exc)
            progress.advance()
            continue
        except UnusableEpisode as exc:
            skip(exc.reason, str(exc))
            progress.advance()
            continue
        label = label_episode(episode, cfg, engines.verify)
        labels[label.verdict] += 1
        if label.refused_verifier:
            # A span asked for a verifier only the operator may set: say so in the counts, not only in lineage.
            refused_verifiers += 1
            details.append(f"{episode.episode_id}: {label.refused_verifier}")
        redacted_by_type.update(counts)
        lineage_of[episode.trace_id] = {"redaction": counts, "screening": flags}
        if flags:
            flags_of[episode.trace_id] = flags
        labelled.append(Labelled(episode, label, messages))
        progress.advance()

    # The parent's rows stay, except those made from episodes curated again now (their new rows replace them).
    parents = versions.list_versions(datasets_dir, tenant)
    parent = parents[-1]["version"] if parents else None
    reselected = {e.trace_id for e in selection.episodes}
    kept_parent: list[DatasetRow] = []
    replaced = 0
    if parent:
        for row in versions.all_rows(datasets_dir, tenant, parent):
            if reselected.intersection(row.lineage.get("trace_ids", [])):
                replaced += 1
            else:
                kept_parent.append(row)
    progress.stage(f"{tenant}: deriving rows", 1)
    # Earlier runs of the same prompt (read back from the parent's rows) can be DPO partners of new runs.
    earlier = [r for r in kept_parent if r.kind != "quarantine"]
    derived = derive_rows(labelled, cfg.dpo_max_pairs_per_group, partner_runs(earlier), dropped_pairs)
    for row in earlier:
        for t in row.lineage.get("trace_ids", []):
            lineage_of.setdefault(
                t,
                {
                    "redaction": (row.lineage.get("redaction") or {}).get(t, {}),
                    "screening": (row.lineage.get("screening") or {}).get(t, []),
                },
            )
    for row in derived:
        row.lineage["redaction"] = {t: lineage_of[t]["redaction"] for t in row.lineage["trace_ids"]}
        row.lineage["screening"] = {t: lineage_of[t]["screening"] for t in row.lineage["trace_ids"]}
    progress.advance()

    known = [r for r in kept_parent if r.kind != "quarantine"] + [
        DatasetRow(c["kind"], c["data"], c["lineage"], c["row_id"])
        for r in kept_parent
        if r.kind == "quarantine"
        for c in r.data.get("candidates", [])
    ]

    progress.stage(f"{tenant}: deduplicating", 1)
    held_examples = [i for i in labelled if i.episode.episode_id in heldout]
    heldout_examples = record_heldout_examples(paths.splits_dir, tenant, held_examples, flags_of)
    derived_kept, heldout_rows = drop_heldout(derived, heldout)
    fresh, duplicates = dedup_rows(
        derived_kept, known, cfg.near_duplicate_threshold, cfg.minhash_permutations
    )
    progress.advance()

    progress.stage(f"{tenant}: decontaminating", 1)
    suites = load_eval_prompts(eval_suite_paths(paths.home, tenant, cfg.eval_paths))
    decon = Decontaminator(suites.prompts, cfg.decontamination_ngram)
    fresh, contaminated = decontaminate(fresh, decon)
    # Suites grow: parent rows that now overlap one leave too.
    kept_parent_trainable, old_contaminated = decontaminate(
        [r for r in kept_parent if r.kind != "quarantine"], decon
    )
    kept_parent = kept_parent_trainable + [r for r in kept_parent if r.kind == "quarantine"]
    kept_parent, old_heldout_rows = drop_heldout(kept_parent, heldout)
    progress.advance()

    clean, quarantined = partition(fresh, flags_of, lineage_of)
    rows = kept_parent + clean + quarantined
    new_by_kind = Counter(r.kind for r in clean + quarantined)
    counts: dict[str, Any] = {
        "selected": len(selection.episodes),
        "curated": len(labelled),
        "skipped": dict(skipped),
        "held_back": dict(held),
        "redacted": dict(redacted_by_type),
        "redacted_episodes": sum(1 for _, c in redacted if any(c.values())),
        "quarantined": len(quarantined),
        "labels": dict(labels),
        "verifiers_refused": refused_verifiers,
        "derived": dict(Counter(r.kind for r in derived)),
        "dpo_pairs_dropped": dict(dropped_pairs),
        "new_rows": {k: new_by_kind.get(k, 0) for k in versions.KINDS},
        "deduplicated": {
            "exact": sum(1 for d in duplicates if d.how == "exact"),
            "near": sum(1 for d in duplicates if d.how == "near"),
        },
        "decontaminated": len(contaminated) + len(old_contaminated),
        "replaced_from_parent": replaced,
        "heldout": {
            "episodes": sum(1 for e in selection.episodes if e.episode_id in heldout),
            "examples_recorded": heldout_examples,
            "rows_dropped": len(heldout_rows) + len(old_heldout_rows),
            "groups_per_task": split.counts(),
        },
        "kept_from_parent": len(kept_parent),
        "eval_suites": {"files": suites.files, "prompts": len(suites.prompts), "bad_lines": suites.bad_lines},
    }

    if not rows and parent is None:
        _save_watermark(datasets_dir, tenant, selection, None)
        return CurateResult(tenant, None, None, False, counts, details, held_runs)
    manifest = versions.write_version(
        datasets_dir,
        tenant,
        rows,
        {
            "parent": parent,
            "selection": selection.describe(),
            "counts": counts,
            # Listed by `datasets review`; a purge replaces a forgotten trace's id here like anywhere in it.
            "held_back": held_runs,
            "config": cfg.model_dump(mode="json"),
        },
    )
    version = manifest["version"]
    is_new = version != parent
    if parent and is_new:
        counts["review_decisions_carried"] = versions.carry_decisions(datasets_dir, tenant, parent, version)
    counts["rows"] = manifest["rows"]
    _save_watermark(datasets_dir, tenant, selection, version)
    return CurateResult(tenant, version, parent, is_new, counts, details, held_runs)


def curate(
    cfg: CuratorSettings,
    paths: Paths,
    source: EpisodeSource,
    engines: Engines,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
) -> list[CurateResult]:
    """Curate one tenant, or every tenant the store knows."""
    tenants = [tenant] if tenant else sorted(source.tenants())
    return [curate_tenant(cfg, paths, source, t, engines, since, until, progress) for t in tenants]
