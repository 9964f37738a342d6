"""The held-out split: which of a tenant's episodes are kept for evaluation, decided once and forever.

When an episode is first curated it is assigned ``heldout`` or ``train``; no dataset version may hold a row derived
from a held-out episode (``decontaminate.drop_heldout``), and the held-out ones become the tenant's eval suites
(``tracewheel.evals.suites``).

- **Grouped.** The unit is the conversation (``Episode.conversation_id``, else the episode alone): every episode of a
  conversation takes the side its conversation got first, so one conversation never sits on both sides.
- **Deterministic.** A group is held out when ``hash(tenant, group)`` falls below ``heldout_fraction``: the same
  conversation lands on the same side whichever batch or machine sees it first.
- **Stratified, with a floor.** Per task (``Episode.task``; no task is a stratum of its own), groups are also held
  out, lowest hash first, until the task has ``heldout_min_per_task`` of them, so a small task still gets a suite;
  a task never has more than half of its groups held out, so it also keeps training data.
- **Append-only and crash-safe.** Assignments are lines of ``splits_dir/<tenant>/assignments.jsonl``, appended in
  one write and fsynced under the tenant's lock; a torn last line (a crash mid-write) is ignored when read, and its
  episodes are assigned again by the next run (which also reselects them: the watermark had not moved). The
  held-out examples (the redacted conversation, its label and verifier) are lines of ``heldout.jsonl``; an episode
  curated again (late feedback) appends a newer line, the last one wins.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from tracewheel.collector.episode import Episode
from tracewheel.curator.derive import Labelled

from tracewheel.core import ids

logger = logging.getLogger(__name__)

ASSIGNMENTS_FILE = "assignments.jsonl"
HELDOUT_FILE = "heldout.jsonl"
NO_TASK = ""  # the stratum of episodes without a task


class Side(StrEnum):
    HELDOUT = "heldout"
    TRAIN = "train"


def group_key(episode: Episode) -> str:
    """The unit that is held out as a whole: the conversation, else the episode alone."""
    if episode.conversation_id:
        return f"conversation:{episode.conversation_id}"
    return f"episode:{episode.episode_id}"


def group_hash(tenant: str, group: str) -> float:
    """A uniform number in [0, 1) fixed by tenant and group (SHA-256: stable across processes and versions)."""
    digest = hashlib.sha256(f"{tenant}\0{group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_dir(splits_dir: Path, tenant: str) -> Path:
    return splits_dir / ids.tenant_name(tenant)


@dataclass
class Split:
    """A tenant's recorded split: each episode's side, each group's side and task."""

    tenant: str
    episodes: dict[str, Side] = field(default_factory=dict)
    groups: dict[str, Side] = field(default_factory=dict)
    group_task: dict[str, str] = field(default_factory=dict)

    def heldout_episodes(self) -> set[str]:
        return {e for e, side in self.episodes.items() if side == Side.HELDOUT}

    def side(self, episode_id: str) -> Side | None:
        return self.episodes.get(episode_id)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per task: groups held out and groups in training."""
        out: dict[str, Counter[str]] = {}
        for group, side in self.groups.items():
            out.setdefault(self.group_task.get(group, NO_TASK), Counter())[side.value] += 1
        return {task: dict(c) for task, c in sorted(out.items())}

    def _add(self, record: dict[str, Any]) -> None:
        group, side = record["group"], Side(record["side"])
        # The first line about a group fixes its side and stratum; every later one follows it.
        side = self.groups.setdefault(group, side)
        self.group_task.setdefault(group, record.get("task") or NO_TASK)
        self.episodes.setdefault(record["episode_id"], side)


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, "rb") as fh:
        data = fh.read()
    lines = data.split(b"\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            # Only the last line can be torn by a crash; anything else is damage worth a warning.
            if n != len(lines):
                logger.warning("%s:%d: unreadable split line skipped", path, n)
            continue
        if isinstance(record, dict):
            yield record


def _append(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Append whole lines in one write and fsync; a torn tail from an earlier crash is closed off first."""
    payload = b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in records)
    if not payload:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size:
            with open(path, "rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    payload = b"\n" + payload
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def _locked(splits_dir: Path, tenant: str) -> Iterator[Path]:
    root = split_dir(splits_dir, tenant)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_split(splits_dir: Path, tenant: str) -> Split:
    split = Split(tenant)
    for record in _read_lines(split_dir(splits_dir, tenant) / ASSIGNMENTS_FILE):
        if {"episode_id", "group", "side"} <= record.keys():
            split._add(record)
    return split


def assign_split(
    splits_dir: Path, tenant: str, episodes: list[Episode], fraction: float, min_per_task: int
) -> Split:
    """Record a side for every episode not assigned yet; returns the tenant's whole split."""
    if not 0.0 <= fraction <= 0.5:
        raise ValueError(f"fraction must be in [0, 0.5], got {fraction}")
    with _locked(splits_dir, tenant) as root:
        split = load_split(splits_dir, tenant)
        now = datetime.now(UTC).isoformat()
        new_groups: dict[str, str] = {}  # group -> task, for groups seen for the first time
        for episode in episodes:
            group = group_key(episode)
            if group not in split.groups:
                new_groups.setdefault(group, episode.task or NO_TASK)
        per_task = {
            task: Counter(v.value for g, v in split.groups.items() if split.group_task[g] == task)
            for task in set(new_groups.values())
        }
        # A task never has more than half its groups held out, counting the groups this batch brings.
        totals = Counter(new_groups.values())
        for task, seen in per_task.items():
            totals[task] += seen[Side.HELDOUT] + seen[Side.TRAIN]
        rule: dict[str, str] = {}
        # Lowest hash first: the groups the fraction holds out come before any the floor adds.
        for group, task in sorted(new_groups.items(), key=lambda gt: group_hash(tenant, gt[0])):
            seen = per_task[task]
            room = seen[Side.HELDOUT] + 1 <= totals[task] // 2
            if group_hash(tenant, group) < fraction and room:
                side, rule[group] = Side.HELDOUT, "hash below fraction"
            elif seen[Side.HELDOUT] < min_per_task and room:
                side, rule[group] = Side.HELDOUT, "task minimum"
            else:
                side, rule[group] = Side.TRAIN, "hash"
            seen[side] += 1
            split.groups[group] = side
            split.group_task[group] = task
        records = []
        for episode in episodes:
            if episode.episode_id in split.episodes:
                continue
            group = group_key(episode)
            side = split.groups[group]
            split.episodes[episode.episode_id] = side
            records.append(
                {
                    "episode_id": episode.episode_id,
                    "trace_id": episode.trace_id,
                    "group": group,
                    "task": split.group_task[group],
                    "side": side.value,
                    "rule": rule.get(group, "conversation already assigned"),
                    "assigned_at": now,
                }
            )
        _append(root / ASSIGNMENTS_FILE, records)
    return split


def record_heldout_examples(
    splits_dir: Path, tenant: str, items: list[Labelled], flags_of: dict[str, list[dict[str, Any]]]
) -> int:
    """Store the held-out runs (redacted, labelled) that evals turns into suites; returns how many were stored.

    Runs whose tool results were flagged for injection are left out: a suite must not carry an attack.
    """
    now = datetime.now(UTC).isoformat()
    records = []
    for item in items:
        episode, label = item.episode, item.label
        if flags_of.get(episode.trace_id):
            continue
        records.append(
            {
                "episode_id": episode.episode_id,
                "trace_id": episode.trace_id,
                "group": group_key(episode),
                "task": episode.task,
                "messages": item.messages,
                "tools": episode.tools,
                "verdict": label.verdict,
                "verifier": label.verifier,
                "verifier_source": label.verifier_source,
                "corrected_answer": label.corrected_answer,
                "recorded_at": now,
            }
        )
    if records:
        with _locked(splits_dir, tenant) as root:
            _append(root / HELDOUT_FILE, records)
    return len(records)


def load_heldout_examples(splits_dir: Path, tenant: str) -> list[dict[str, Any]]:
    """The tenant's held-out runs, the latest record of each, in the order they were first recorded."""
    latest: dict[str, dict[str, Any]] = {}
    for record in _read_lines(split_dir(splits_dir, tenant) / HELDOUT_FILE):
        if isinstance(record.get("episode_id"), str) and isinstance(record.get("messages"), list):
            latest[record["episode_id"]] = record  # dicts keep first insertion order; the value is replaced
    return list(latest.values())


def _rewrite(path: Path, keep: Iterable[dict[str, Any]]) -> None:
    """Replace ``path`` by the kept records (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in keep))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def purge_trace(splits_dir: Path, tenant: str, trace_id: str) -> int:
    """Forget one trace: its assignment and its held-out records go (files rewritten); returns lines removed."""
    root = split_dir(splits_dir, tenant)
    if not root.exists():
        return 0
    removed = 0
    with _locked(splits_dir, tenant):
        for name in (ASSIGNMENTS_FILE, HELDOUT_FILE):
            path = root / name
            records = list(_read_lines(path))
            keep = [r for r in records if trace_id not in (r.get("trace_id"), r.get("episode_id"))]
            if len(keep) != len(records):
                removed += len(records) - len(keep)
                _rewrite(path, keep)
    return removed


def delete_tenant(splits_dir: Path, tenant: str) -> bool:
    """Remove the tenant's whole split (assignments and held-out runs); returns whether there was one."""
    root = split_dir(splits_dir, tenant)
    if not root.exists():
        return False
    shutil.rmtree(root)
    return True
