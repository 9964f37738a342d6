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

    @property
    def metrics_dir(self) -> Path:
        """OTLP metrics (GenAI token usage, operation duration), per tenant."""
        return self.home / "metrics"

    @property
    def splits_dir(self) -> Path:
        """The held-out split of each tenant's episodes, recorded when they are first curated."""
        return self.home / "splits"

    @property
    def serving_dir(self) -> Path:
        """Serving state: canaries, routing decisions, the server's own records."""
        return self.home / "serving"

    @property
    def cycles_dir(self) -> Path:
        """The flywheel's cycles (``tracewheel run``), one JSON record per cycle, per tenant."""
        return self.home / "cycles"

    @property
    def reports_dir(self) -> Path:
        """HTML reports written by ``tracewheel report``."""
        return self.home / "reports"
