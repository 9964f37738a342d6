"""Settings of prompt-injection screening (``[curator.screening]``)."""

from pydantic import Field

from tracewheel.core.section import Section


class ScreeningConfig(Section):
    """How tool results are screened for indirect prompt injection (``screen.py``)."""

    threshold: float = Field(
        # 0.7: recall 0.96 at FPR 0.03 pooled over the two blind hand-written held-out sets
        # (benchmarks/injection_eval.py); 0.6 catches 0.97 at FPR 0.04.
        default=0.7,
        gt=0.0,
        lt=1.0,
        description="A tool result is an injection when its combined score (classifier + rules) reaches this.",
    )
    use_classifier: bool = Field(
        default=True,
        description="Add the learned classifier's evidence to the rules'. Off: rules only (score from rules alone).",
    )
    head_chars: int = Field(
        default=16_000,
        ge=256,
        description="Characters screened from the start of a long tool result.",
    )
    tail_chars: int = Field(
        default=8_000,
        ge=256,
        description="Characters screened from the end of a long tool result.",
    )
    hotspot_windows: int = Field(
        default=8,
        ge=0,
        description="Extra windows screened around suspicious markers found anywhere in a long result, so an "
        "injection cannot hide in the unscreened middle.",
    )
    hotspot_chars: int = Field(
        default=1_500,
        ge=200,
        description="Size of each window around a suspicious marker.",
    )
    excerpt_chars: int = Field(
        default=200,
        ge=20,
        description="Length of the excerpt kept in a flag for review.",
    )
