"""Checks of TRL rows before training: present, with the keys the method reads.

Rows become a ``datasets.Dataset`` through ``tracewheel.curator.export.rows_dataset``, which keeps free-form values
(tool-call arguments, tool schemas) as they are instead of letting Arrow merge them into one struct.
"""

from __future__ import annotations

from typing import Any

from tracewheel.core.errors import TracewheelError

REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "sft": ("messages",),
    "dpo": ("prompt", "chosen", "rejected"),
    "kto": ("prompt", "completion", "label"),
    "rewards": ("prompt",),
}


def check_rows(rows: list[dict[str, Any]], kind: str) -> None:
    """Refuse an empty row list or rows missing the keys the method reads, naming the first bad row."""
    if not rows:
        raise TracewheelError(
            f"no {kind} rows to train on (rows need an accept/edit review decision; --all-rows takes unreviewed ones)"
        )
    for i, row in enumerate(rows):
        missing = [k for k in REQUIRED_KEYS[kind] if k not in row]
        if missing:
            raise TracewheelError(f"{kind} row {i} lacks {', '.join(missing)} (has {', '.join(sorted(row))})")
