"""The shipped training corpus (curator/screening/data/injection_train.jsonl) is what its build tool writes, so the
classifier trained from it is the one the tool's templates describe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tracewheel.curator.screening.injection_model import CORPUS_PATH

ROOT = Path(__file__).resolve().parents[3]


def test_build_tool_writes_the_shipped_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/ is run from the repository root, not installed.
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.data.make_injection_corpus import render_corpus

    assert render_corpus() == CORPUS_PATH.read_text(encoding="utf-8")


def test_screening_loads_neither_the_build_tool_nor_faker() -> None:
    code = (
        "import sys\n"
        "import tracewheel.curator.screening.screen\n"
        "loaded = [m for m in sys.modules if m.startswith(('faker', 'benchmarks'))]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent, timeout=120)
