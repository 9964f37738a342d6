"""Curator settings (the ``[curator]`` section of the config file).

Redaction and screening keep their config next to their modules (as TRL keeps ``sft_config.py`` beside
``sft_trainer.py``); this class composes them with the pipeline's own settings.
"""

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from tracewheel.curator.redaction.redaction_config import RedactionConfig
from tracewheel.curator.screening.screening_config import ScreeningConfig

from tracewheel.core.section import Section
from tracewheel.core.verifiers import validate_spec


class TaskRule(Section):
    """How one task's outcome is judged (``[curator.tasks.<task>]``); ``[curator.default_task]`` applies otherwise."""

    min_score: float | None = Field(
        default=0.5,
        description="A feedback score at or above this is good, below it bad; None ignores scores.",
    )
    require_verifier: bool = Field(
        default=False,
        description="Only episodes whose answer passes the task's verifier can be labelled good.",
    )
    verifier: dict[str, Any] | None = Field(
        default=None,
        description='Verifier spec for this task, e.g. {"type": "numeric", "tolerance": 0.01}; a plain-text '
        "tracewheel.expected fills its 'answer' field. Without one, a plain-text expected is matched normalized. "
        "Only here may a regex, json_schema or custom verifier be set: trace data may ask only for the "
        "declarative checks (exact, normalized, numeric, tool_call).",
    )

    @field_validator("verifier")
    @classmethod
    def _valid_spec(cls, spec: dict[str, Any] | None) -> dict[str, Any] | None:
        if spec is None:
            return None
        if spec.get("type") in ("exact", "normalized", "numeric") and "answer" not in spec:
            # A template: tracewheel.expected supplies the answer, so check the rest with a stand-in.
            validate_spec({**spec, "answer": "0"})
            return spec
        return validate_spec(spec)

    pass_reward: float = Field(
        default=1.0, ge=0.0, le=1.0, description="Verifier reward that counts as a pass."
    )
    tool_errors_are_bad: bool = Field(
        default=True, description="A tool error anywhere in the run labels it bad."
    )
    bad_finish_reasons: list[str] = Field(
        default_factory=lambda: ["length", "content_filter"],
        description="Finish reasons that label a run bad (truncated or filtered answers).",
    )


class AutoAcceptRule(Section):
    """One auto-accept rule (``[[curator.auto_accept.rules]]``): a row matching every condition is accepted.

    Whatever a rule says, quarantine rows are never released and rows from runs the screener flagged or the
    integrity check held back are never accepted (``curator/review_bulk.py``)."""

    name: str = Field(min_length=1, description="Recorded on each decision as policy:<name>.")
    kinds: list[Literal["sft", "dpo", "kto", "rewards"]] = Field(
        default_factory=lambda: ["sft", "kto"], description="Row kinds the rule accepts."
    )
    labels: list[Literal["good", "bad", "unknown"]] = Field(
        default_factory=lambda: ["good"],
        description="Labels of the row's run (the chosen run of a pair) the rule accepts; empty: any label.",
    )
    sources: list[str] = Field(
        default_factory=list,
        description="Sources the row must come from (feedback, verifier, rejection_sampling, ...); empty: any.",
    )
    tasks: list[str] = Field(default_factory=list, description="Only rows of these tasks; empty: any task.")
    require_verifier_pass: bool = Field(
        default=True, description="The row's run passed its verifier (a run without one does not match)."
    )
    allow_redacted: bool = Field(
        default=False, description="Accept rows whose runs had something redacted (PII, secrets)."
    )


class AutoAcceptPolicy(Section):
    """Rows accepted without a person (``tracewheel datasets auto-accept``, and the loop before training)."""

    rules: list[AutoAcceptRule] = Field(
        default_factory=list,
        description="Rules for every tenant without its own; none: nothing auto-accepted.",
    )
    tenants: dict[str, list[AutoAcceptRule]] = Field(
        default_factory=dict, description="Rules per tenant, replacing the default rules for that tenant."
    )

    def rules_for(self, tenant: str) -> list[AutoAcceptRule]:
        return self.tenants.get(tenant, self.rules)


class CuratorSettings(Section):
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    screening: ScreeningConfig = Field(default_factory=ScreeningConfig)
    default_task: TaskRule = Field(
        default_factory=TaskRule, description="Outcome rule for tasks without their own."
    )
    tasks: dict[str, TaskRule] = Field(default_factory=dict, description="Outcome rules per tracewheel.task.")
    max_tool_result_bytes: int = Field(
        default=1_000_000,
        ge=1,
        description="A tool result larger than this skips the episode (not trainable text).",
    )
    near_duplicate_threshold: float = Field(
        default=0.9,
        gt=0.0,
        le=1.0,
        description="Estimated Jaccard similarity above which two rows are duplicates.",
    )
    minhash_permutations: int = Field(
        default=128, ge=16, description="MinHash permutations for near-dup search."
    )
    decontamination_ngram: int = Field(
        default=8, ge=3, description="Word n-gram size; a row sharing one with an eval prompt is dropped."
    )
    eval_paths: list[Path] = Field(
        default_factory=list,
        description="Extra eval suites (JSONL with 'prompt' or 'messages') to decontaminate against, beside "
        "$TRACEWHEEL_HOME/evals/<tenant>/*.jsonl.",
    )
    heldout_fraction: float = Field(
        default=0.2,
        ge=0.0,
        le=0.5,
        description="Share of each task's conversations held out for evaluation (never trained on), decided once "
        "per conversation by a hash of tenant and conversation (curator/split.py).",
    )
    heldout_min_per_task: int = Field(
        default=2,
        ge=0,
        description="Conversations held out per task at least, so small tasks still get an eval suite (never more "
        "than half of a task's conversations).",
    )
    auto_accept: AutoAcceptPolicy = Field(
        default_factory=AutoAcceptPolicy, description="Rows accepted without a person, per tenant."
    )
    dpo_max_pairs_per_group: int = Field(
        default=8,
        ge=1,
        description="Most DPO pairs drawn from one task+prompt group (keeps one prompt from dominating).",
    )

    def rule_for(self, task: str | None) -> TaskRule:
        return self.tasks.get(task or "", self.default_task)
