"""Labelled sets the benchmarks read: ``<name>.jsonl``, committed, the source of truth.

Each ``make_<name>.py`` beside it is provenance: it records how ``<name>.jsonl`` was made, and
``python -m benchmarks.data.make_<name>`` writes the committed file again byte for byte. Benchmarks never
regenerate a set; they read the JSONL (``read_jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).parent


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
