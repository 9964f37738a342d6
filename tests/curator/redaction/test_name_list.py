"""The shipped name list (curator/redaction/data/name_list.tsv) is what its build tool writes, and the runtime reads
it without Faker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "curator" / "redaction" / "data" / "name_list.tsv"


def test_build_tool_writes_the_shipped_name_list(monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/ is run from the repository root, not installed.
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.data.make_name_list import render

    assert render() == SHIPPED.read_text(encoding="utf-8")


def test_shipped_lists_carry_their_licence_note() -> None:
    notice = (SHIPPED.parent / "NOTICE").read_text(encoding="utf-8")
    assert "name_list.tsv" in notice and "MIT" in notice and "Permission is hereby granted" in notice


def test_the_gazetteer_loads_without_faker() -> None:
    code = (
        "import sys\n"
        "from tracewheel.curator.redaction.name_gazetteer import default_gazetteer\n"
        "g = default_gazetteer()\n"
        "assert g.kind('Camila') == 'first' and g.kind('Dlamini') == 'last', g\n"
        "assert 'faker' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent, timeout=120)
