"""docs/08-frameworks.md is what tests/collector/captures/compat_table.py generates from the committed captures
(regenerate with ``.venv/bin/python tests/collector/captures/compat_table.py --write`` after recording)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

GENERATOR = Path(__file__).parent / "captures" / "compat_table.py"


def test_compatibility_table_is_generated_from_the_captures() -> None:
    spec = importlib.util.spec_from_file_location("compat_table", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DOC.read_text() == module.render(), (
        "docs/08-frameworks.md is stale: run .venv/bin/python tests/collector/captures/compat_table.py --write"
    )
    assert "| pydantic-ai | builtin-v2 |" in module.DOC.read_text()
