"""Evals settings (the ``[evals]`` section of the config file)."""

from __future__ import annotations

from tracewheel.core.section import Section


class EvalsSettings(Section):
    """Held-out suites, forgetting probes and the promotion gate."""
