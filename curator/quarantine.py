"""Stage 5d: hold back every row derived from an episode the screener flagged for prompt injection.

A flagged episode's rows never reach SFT/DPO/KTO/GRPO directly: they go, as candidates, inside one ``quarantine``
row per flagged episode, beside its flags (tool, message index, score, reasons, excerpt). A reviewer sees it in
``datasets review`` and may release it; ``versions.training_rows`` then takes its candidates.
"""

from __future__ import annotations

from typing import Any

from tracewheel.curator.versions import DatasetRow, quarantine_row


def partition(
    rows: list[DatasetRow],
    flags: dict[str, list[dict[str, Any]]],
    lineage_of: dict[str, dict[str, Any]],
) -> tuple[list[DatasetRow], list[DatasetRow]]:
    """(clean rows, quarantine rows): ``flags`` maps each flagged trace id to its flags, ``lineage_of`` to the
    lineage its quarantine row records (redaction and screening)."""
    clean: list[DatasetRow] = []
    held: dict[str, list[DatasetRow]] = {trace: [] for trace in flags}
    for row in rows:
        flagged = [t for t in row.lineage.get("trace_ids", []) if t in flags]
        if not flagged:
            clean.append(row)
            continue
        candidate = DatasetRow(row.kind, row.data, {**row.lineage, "quarantined_by": flagged}, row.row_id)
        for trace in flagged:
            held[trace].append(candidate)
    quarantined = [
        quarantine_row(
            trace,
            flags[trace],
            held[trace],
            {
                **lineage_of.get(trace, {}),
                "trace_ids": [trace],
                "selected_because": "prompt injection suspected in a tool result; held for review",
            },
        )
        for trace in sorted(flags)
    ]
    return clean, quarantined
