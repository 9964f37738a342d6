"""Every curator test gets its own TRACEWHEEL_HOME, so no test reads or writes the user's; tests that need a home
with something in it define their own ``_home``."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
