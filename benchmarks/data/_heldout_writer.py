"""Writing a labelled set: one JSON object per line, UTF-8 kept as is (the makers' shared writer)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.data import DATA_DIR


def write_jsonl(name: str, rows: list[dict]) -> Path:
    """Writes ``rows`` to ``benchmarks/data/<name>``, one compact line each, and returns the path."""
    out = DATA_DIR / name
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def write_injection_heldout(
    name: str,
    tag: str,
    injections: list[tuple[str, str, str]],
    benign: list[tuple[str, str, str]],
    benign_prefix: str = "benign_",
) -> None:
    """A hand-written injection set: items are ``(style, tool, text)``; ids ``inj-<tag>-NNNN`` / ``ben-<tag>-NNNN``
    in list order, benign styles prefixed with ``benign_prefix``."""
    rows = [{"text": text, "label": 1, "style": style, "tool": tool, "id": f"inj-{tag}-{i:04d}"}
            for i, (style, tool, text) in enumerate(injections)]  # fmt: skip
    rows += [{"text": text, "label": 0, "style": benign_prefix + style, "tool": tool, "id": f"ben-{tag}-{i:04d}"}
             for i, (style, tool, text) in enumerate(benign)]  # fmt: skip
    out = write_jsonl(name, rows)
    print(f"wrote {len(rows)} rows ({len(injections)} injections, {len(benign)} benign) to {out}")
