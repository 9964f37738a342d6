"""Evals settings (the ``[evals]`` section of the config file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracewheel.core.section import Section


class EvalsSettings(Section):
    """Held-out suites, forgetting probes and the promotion gate."""

    min_lift: float = Field(
        default=0.0,
        ge=-1.0,
        le=1.0,
        description="Promote only when the lower bound of the interval on the task-success delta (candidate minus "
        "baseline, a share of examples) is at least this.",
    )
    alpha: float = Field(
        default=0.05,
        gt=0.0,
        lt=0.5,
        description="Two-sided error rate: the interval is a (1 - alpha) interval, McNemar's test is at alpha.",
    )
    power: float = Field(
        default=0.8,
        gt=0.0,
        lt=1.0,
        description="Power the suite must have to detect `detectable_lift`; below it the decision is underpowered.",
    )
    detectable_lift: float = Field(
        default=0.1,
        gt=0.0,
        le=1.0,
        description="The smallest improvement in task success the gate must be able to detect at `power` (the "
        "power calculation's effect size; at least `min_lift`).",
    )
    bootstrap_resamples: int = Field(
        default=2000, ge=100, description="Cluster bootstrap resamples for the interval."
    )
    seed: int = Field(
        default=0, description="Seed of generation and of the bootstrap (recorded with each run)."
    )
    max_tokens: int = Field(default=128, ge=1, description="Tokens generated per example (greedy).")
    batch_size: int = Field(
        default=16, ge=1, description="Requests sent to the engine at once (both models mixed)."
    )
    cluster_by: Literal["conversation", "conversation+template"] = Field(
        default="conversation",
        description="What the bootstrap resamples as one unit: the conversation, or also every example of one task "
        "template (user text with numbers and quoted strings masked), when templated prompts succeed and fail "
        "together (more honest, and far more examples needed).",
    )
    max_examples_per_task: int = Field(
        default=200, ge=1, description="Held-out examples per task at most (the most recent recorded first)."
    )
    probe_tolerance: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="The candidate's forgetting-probe pass rate may fall at most this far below the baseline's.",
    )
    perplexity_tolerance: float = Field(
        default=0.1,
        ge=0.0,
        description="The candidate's perplexity on the reference text may exceed the baseline's by at most this "
        "share (0.1: 10%).",
    )
    parse_error_tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="The candidate's rate of unparseable tool calls may exceed the baseline's by at most this.",
    )
    probes: bool = Field(default=True, description="Run the forgetting probes and the perplexity check.")
    reuse_runs: int = Field(
        default=10,
        ge=0,
        description="A model's greedy outputs (and reference perplexity) are read back from the tenant's newest "
        "this many eval runs with the same seed and max_tokens instead of generated again (the champion was an "
        "earlier cycle's candidate on mostly the same examples); 0: always generate.",
    )
