"""Stage 5c: drop rows whose prompts overlap an evaluation suite (n-gram decontamination).

Eval suites are JSONL files, one example a line, with either ``"prompt"`` (a string, or a list of chat messages)
or ``"messages"`` (chat messages). They are read from ``$TRACEWHEEL_HOME/evals/<tenant>/*.jsonl`` and any paths in
``[curator] eval_paths``. Only user text is compared: system prompts are shared by every run of an agent and would
match everything. A row is contaminated when its user text shares one word n-gram with an eval prompt, or, for eval
prompts shorter than n words, when its user text equals that prompt.

Rows derived from a held-out episode (``curator/split.py``) are dropped too, by lineage: whatever its text, a row
whose ``trace_ids`` name a held-out run never reaches a dataset version (``drop_heldout``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracewheel.curator.versions import DatasetRow

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _user_texts(obj: Any) -> list[str]:
    """User-message contents anywhere inside a row or eval example."""
    if isinstance(obj, dict):
        if obj.get("role") == "user" and isinstance(obj.get("content"), str):
            return [obj["content"]]
        return [t for v in obj.values() for t in _user_texts(v)]
    if isinstance(obj, list):
        return [t for item in obj for t in _user_texts(item)]
    return []


def eval_suite_paths(home: Path, tenant: str, extra: list[Path] = ()) -> list[Path]:
    """The tenant's suites under ``home/evals/<tenant>/`` plus ``extra`` files or folders of ``*.jsonl``."""
    paths: list[Path] = []
    for root in [home / "evals" / tenant, *extra]:
        root = Path(root).expanduser()
        if root.is_dir():
            paths.extend(sorted(root.glob("*.jsonl")))
        elif root.is_file():
            paths.append(root)
        elif root != home / "evals" / tenant:
            logger.warning("eval suite %s does not exist; not decontaminating against it", root)
    return paths


@dataclass
class EvalPrompts:
    prompts: list[str] = field(default_factory=list)
    bad_lines: int = 0
    files: list[str] = field(default_factory=list)


def load_eval_prompts(paths: list[Path]) -> EvalPrompts:
    """User prompts of every example in ``paths``; unreadable lines are counted and logged, not fatal."""
    out = EvalPrompts()
    for path in paths:
        out.files.append(str(path))
        with open(path, encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    example = json.loads(line)
                except ValueError:
                    example = None
                prompt = example.get("prompt", example.get("messages")) if isinstance(example, dict) else None
                texts = [prompt] if isinstance(prompt, str) else _user_texts(prompt)
                if not texts:
                    out.bad_lines += 1
                    logger.warning("%s:%d: not JSON with a 'prompt' or 'messages' field; skipped", path, n)
                    continue
                out.prompts.append("\n".join(texts))
    return out


class Decontaminator:
    def __init__(self, prompts: list[str], n: int = 8) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        self.n = n
        self._grams: dict[tuple[str, ...], int] = {}
        self._short: dict[tuple[str, ...], int] = {}
        self.prompts = prompts
        for i, prompt in enumerate(prompts):
            words = _words(prompt)
            if len(words) < n:
                if words:
                    self._short.setdefault(tuple(words), i)
            else:
                for k in range(len(words) - n + 1):
                    self._grams.setdefault(tuple(words[k : k + n]), i)

    def match(self, row: DatasetRow) -> str | None:
        """The eval prompt ``row`` overlaps, or None."""
        for text in _user_texts(row.data):
            words = _words(text)
            hit = self._short.get(tuple(words))
            for k in range(len(words) - self.n + 1):
                if hit is not None:
                    break
                hit = self._grams.get(tuple(words[k : k + self.n]))
            if hit is not None:
                return self.prompts[hit]
        return None


def decontaminate(
    rows: list[DatasetRow], decon: Decontaminator
) -> tuple[list[DatasetRow], list[tuple[DatasetRow, str]]]:
    """(clean rows, [(contaminated row, the eval prompt it overlaps)])."""
    clean: list[DatasetRow] = []
    dropped: list[tuple[DatasetRow, str]] = []
    for row in rows:
        hit = decon.match(row)
        (dropped.append((row, hit)) if hit is not None else clean.append(row))
    return clean, dropped


def drop_heldout(rows: list[DatasetRow], heldout: set[str]) -> tuple[list[DatasetRow], list[DatasetRow]]:
    """(rows, dropped): a row derived from any held-out episode (by its lineage's trace ids) is dropped."""
    clean: list[DatasetRow] = []
    dropped: list[DatasetRow] = []
    for row in rows:
        (dropped if heldout.intersection(_row_traces(row)) else clean).append(row)
    return clean, dropped


def _row_traces(row: DatasetRow) -> set[str]:
    """The runs a row derives from; a quarantine row also from its candidates' (DPO pairs name two runs)."""
    traces = set(row.lineage.get("trace_ids", []))
    for candidate in row.data.get("candidates", []) if row.kind == "quarantine" else []:
        traces.update((candidate.get("lineage") or {}).get("trace_ids", []))
    return traces
