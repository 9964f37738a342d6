"""Serving settings (the ``[serving]`` section of the config file)."""

from __future__ import annotations

from tracewheel.core.section import Section


class ServingSettings(Section):
    """The OpenAI-compatible server, its adapter engine, and canaries."""
