"""Shared pieces of the injection-screening tests: the trained-model cache and a per-test home.

The classifier's cache file is keyed by its corpus hash and scikit-learn version, so one cache directory can be
shared by every test process (the first trains, the others load); each test still gets its own TRACEWHEEL_HOME,
into which the cached model is copied when a test needs the default location.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from tracewheel.curator.screening.screen import Screener

MODELS_CACHE = Path(tempfile.gettempdir()) / "tracewheel-test-models"


@functools.cache
def shared_screener() -> Screener:
    """One real screener per test process (training takes seconds; loading the cache, a fraction of one)."""
    return Screener(models_dir=MODELS_CACHE)


def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh TRACEWHEEL_HOME holding a copy of the trained classifier cache."""
    shared_screener()  # make sure the cache exists
    home = tmp_path / "home"
    shutil.copytree(MODELS_CACHE, home / "models", dirs_exist_ok=True)
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    monkeypatch.delenv("TRACEWHEEL_CONFIG", raising=False)
    return home
