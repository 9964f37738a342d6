"""Stage 5b: drop exact and near-duplicate rows (MinHash LSH from datasketch), per kind.

Rows already in the parent version are indexed first, so a new run never re-adds what the dataset holds; among new
rows the first one wins. Near duplicates are candidates from LSH confirmed by their estimated Jaccard similarity,
on word 3-gram shingles of the row's text (message contents and tool calls, not lineage).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from datasketch import MinHash, MinHashLSH
from tracewheel.curator.versions import DatasetRow

_WORD = re.compile(r"\w+", re.UNICODE)
_SHINGLE = 3


@dataclass
class Duplicate:
    row: DatasetRow
    of: str
    how: str  # "exact" | "near"
    similarity: float


def _structure(obj: dict[str, Any]) -> set[str]:
    """Keys of a message or tool call that are structure, not content: a message's role and ``tool_call_id``,
    a call's ``id`` (each run's own, often random: two runs that did the same are duplicates whatever their
    provider named the calls). An argument called ``id`` is content."""
    if "role" in obj:
        return {"role", "tool_call_id"}
    return {"id"} if isinstance(obj.get("function"), dict) else set()


def _texts(obj: Any) -> list[str]:
    """Every string value inside a row, in order (contents, tool names, arguments, verifier answers)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        skip = _structure(obj)
        return [t for key in sorted(obj) if key not in skip for t in _texts(obj[key])]
    if isinstance(obj, list):
        return [t for item in obj for t in _texts(item)]
    return [json.dumps(obj)] if obj is not None else []


def row_text(row: DatasetRow) -> str:
    # Roles are structure, not content; the KTO label is part of what makes two rows different.
    return " ".join(_texts(row.data)).casefold()


def _shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text)
    if len(words) < _SHINGLE:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + _SHINGLE]).encode() for i in range(len(words) - _SHINGLE + 1)}


class Deduplicator:
    """Holds the rows seen so far, per kind; ``add`` keeps a row or says what it duplicates."""

    def __init__(self, threshold: float = 0.9, num_perm: int = 128) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.num_perm = num_perm
        self._exact: dict[tuple[str, str], str] = {}
        self._lsh: dict[str, MinHashLSH] = {}
        self._hashes: dict[str, MinHash] = {}

    def _minhash(self, text: str) -> MinHash:
        m = MinHash(num_perm=self.num_perm, seed=1)
        m.update_batch(list(_shingles(text)))
        return m

    def add(self, row: DatasetRow) -> Duplicate | None:
        """Index ``row`` and return None, or return the duplicate it is of (and index nothing)."""
        text = row_text(row)
        # Exact means the same words in the same order: case, spacing and punctuation do not make a new row.
        key = (row.kind, hashlib.sha256(" ".join(_WORD.findall(text)).encode()).hexdigest())
        if key in self._exact:
            return Duplicate(row, self._exact[key], "exact", 1.0)
        if row.row_id in self._hashes:
            return Duplicate(row, row.row_id, "exact", 1.0)
        lsh = self._lsh.setdefault(row.kind, MinHashLSH(threshold=self.threshold, num_perm=self.num_perm))
        mh = self._minhash(text)
        best: tuple[float, str] | None = None
        for other in lsh.query(mh):
            sim = mh.jaccard(self._hashes[other])
            if sim >= self.threshold and (best is None or sim > best[0]):
                best = (sim, other)
        if best is not None:
            return Duplicate(row, best[1], "near", best[0])
        self._exact[key] = row.row_id
        self._hashes[row.row_id] = mh
        lsh.insert(row.row_id, mh)
        return None


def dedup_rows(
    rows: list[DatasetRow], existing: list[DatasetRow] = (), threshold: float = 0.9, num_perm: int = 128
) -> tuple[list[DatasetRow], list[Duplicate]]:
    """(kept new rows, duplicates removed); ``existing`` rows are indexed first and always kept."""
    dedup = Deduplicator(threshold, num_perm)
    for row in existing:
        dedup.add(row)
    kept: list[DatasetRow] = []
    dropped: list[Duplicate] = []
    for row in rows:
        dup = dedup.add(row)
        (dropped.append(dup) if dup else kept.append(row))
    return kept, dropped
