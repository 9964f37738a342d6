"""Shared pieces of the injection-screening tests: one real screener per process and a per-test home.

The classifier ships fitted in the package, so building a screener only loads it (a fraction of a second); the
per-test home starts empty, and a screening run must leave it so (nothing trained, no cache written).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from tracewheel.curator.screening.screen import Screener


@functools.cache
def shared_screener() -> Screener:
    """One real screener per test process, with the shipped classifier."""
    return Screener()


def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty TRACEWHEEL_HOME."""
    home = tmp_path / "home"
    monkeypatch.setenv("TRACEWHEEL_HOME", str(home))
    monkeypatch.delenv("TRACEWHEEL_CONFIG", raising=False)
    return home
