"""Serving settings (the ``[serving]`` section of the config file)."""

from __future__ import annotations

from pydantic import Field

from tracewheel.core.section import Section


class ServingSettings(Section):
    """The OpenAI-compatible server, its adapter engine, and canaries."""

    # --- canary (serving/canary.py, serving/sequential.py, serving/canary_monitor.py; docs/11-canary.md) ---------
    canary_share: float = Field(
        default=0.1,
        gt=0.0,
        lt=1.0,
        description="Share of the main model's traffic a new canary sends to its candidate.",
    )
    canary_alpha: float = Field(
        default=0.05,
        gt=0.0,
        lt=0.5,
        description="Error level of the canary's confidence sequence: the chance that its interval ever misses the "
        "true difference between candidate and champion, however often it is checked.",
    )
    canary_margin: float = Field(
        default=0.02,
        ge=0.0,
        le=1.0,
        description="Non-inferiority margin on the outcome scale [0, 1]: at the sample or time cap, a candidate is "
        "promoted only if it is shown to be worse than the champion by less than this.",
    )
    canary_min_samples: int = Field(
        default=30, ge=1, description="Outcomes each arm needs before the canary decides anything."
    )
    canary_max_samples: int = Field(
        default=5000, ge=1, description="Paired outcomes after which the canary stops with its cap rule."
    )
    canary_max_duration_hours: float = Field(
        default=168.0, gt=0.0, description="Hours after which a canary stops with its cap rule."
    )
    canary_check_seconds: float = Field(
        default=60.0,
        ge=0.0,
        description="How often the server's canary monitor evaluates each tenant's canary; 0 turns it off.",
    )
