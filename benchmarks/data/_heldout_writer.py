"""Writes a hand-written injection held-out set (the ``injection_make_heldout*.py`` scripts) as labelled JSONL."""

from __future__ import annotations

import json
from pathlib import Path


def write_heldout(
    out: Path, tag: str, injections: list[tuple[str, str, str]], benign: list[tuple[str, str, str]],
    benign_prefix: str = "benign_",
) -> None:
    """Items are ``(style, tool, text)``; ids are ``inj-<tag>-NNNN`` / ``ben-<tag>-NNNN`` in list order."""
    rows = [{"text": text, "label": 1, "style": style, "tool": tool, "id": f"inj-{tag}-{i:04d}"}
            for i, (style, tool, text) in enumerate(injections)]
    rows += [{"text": text, "label": 0, "style": benign_prefix + style, "tool": tool, "id": f"ben-{tag}-{i:04d}"}
             for i, (style, tool, text) in enumerate(benign)]
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows ({len(injections)} injections, {len(benign)} benign) to {out}")
