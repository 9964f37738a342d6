"""Checks and small reshapes of TRL conversational rows before they become a ``datasets.Dataset``.

Arrow infers one struct type per column, so tool-call ``arguments`` dicts and tool JSON schemas of different shapes
would be unified into one struct, padding every dict with the other rows' keys as nulls, which the chat template
would then render into the training text. Those two free-form parts travel as JSON text instead: TRL's tokenizer
step reads ``tools`` given as a JSON string, and tracewheel's chat template renders string ``arguments`` verbatim
(``json.dumps`` with the same separators as its ``tojson`` filter, so the text is identical).
"""

from __future__ import annotations

import json
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


def _message(message: dict[str, Any]) -> dict[str, Any]:
    calls = message.get("tool_calls")
    if not calls:
        return message
    out = []
    for call in calls:
        function = dict(call.get("function", call))
        if not isinstance(function.get("arguments"), str):
            function["arguments"] = json.dumps(function.get("arguments") or {}, ensure_ascii=False)
        out.append({"type": call.get("type", "function"), "function": function})
    return {**message, "tool_calls": out}


def arrow_safe(row: dict[str, Any]) -> dict[str, Any]:
    """The row with tool-call arguments and tool schemas as JSON text (see module docstring)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key == "tools":
            out[key] = json.dumps(value, ensure_ascii=False) if value else None
        elif isinstance(value, list) and value and isinstance(value[0], dict) and "role" in value[0]:
            out[key] = [_message(m) for m in value]
        else:
            out[key] = value
    return out
