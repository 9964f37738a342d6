"""Where each kind of state lives under ``TRACEWHEEL_HOME``; every stage asks here instead of joining strings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The directory tree of one tracewheel home. Stage code receives this, never the whole settings tree."""

    home: Path

    @property
    def tenants_file(self) -> Path:
        return self.home / "tenants.json"

    @property
    def traces_dir(self) -> Path:
        return self.home / "traces"

    @property
    def datasets_dir(self) -> Path:
        return self.home / "datasets"

    @property
    def adapters_dir(self) -> Path:
        return self.home / "adapters"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def evals_dir(self) -> Path:
        return self.home / "evals"
