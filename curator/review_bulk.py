"""Review at scale: decide many rows of a dataset version at once, by a selector or by an auto-accept policy.

A selector picks rows by kind, label (the verdict of the row's run; for a pair, the chosen run), reason (a
case-insensitive substring of the curator's reasons and flags on the row), source (where its signal came from:
``feedback``, ``verifier``, or what the row's lineage names in ``source``, e.g. ``rejection_sampling``), and
optionally a seeded random sample of them (spot checks). ``decide`` records one decision on each selected row;
``apply_auto_accept`` accepts the rows an ``AutoAcceptPolicy`` rule matches. Every decision records who made it
(``by``: a person, or ``policy:<rule>``) and the selector or rule that chose it (``versions.record_decisions``).

What no bulk decision does, whoever asks: release a quarantine row (a suspected prompt injection is released only
one row at a time, in ``datasets review``, by a person who read it), or accept a row made from a run the screener
flagged or the integrity check held back. Auto-accept also never touches a row that already has a decision, so it
never overrides a person.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from tracewheel.curator import versions
from tracewheel.curator.settings import AutoAcceptPolicy, AutoAcceptRule
from tracewheel.curator.versions import DatasetRow, Kind

BulkDecision = Literal["accept", "reject"]
_VERIFIER_PASSED = re.compile(r"^verifier \S+ passed")
_VERIFIER_RAN = re.compile(r"^verifier \S+ (passed|failed)")
_FEEDBACK = ("feedback score", "thumb ", "user corrected")
QUARANTINE_REFUSED = "quarantine: released only one by one in `datasets review`"
FLAGGED_REFUSED = "flagged by the injection screener"
HELD_BACK_REFUSED = "from a run held back by the integrity check"


class Selector(BaseModel):
    """Which rows a bulk decision covers; empty lists match everything."""

    kinds: list[Kind] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    include_decided: bool = False
    sample: int | None = Field(default=None, ge=1)
    seed: int = 0

    def record(self) -> dict[str, Any]:
        """What a decision records of the selector: only what was asked for."""
        return self.model_dump(exclude_defaults=True) | ({"seed": self.seed} if self.sample else {})


@dataclass
class RowFacts:
    """What selectors and policies look at, read from a row's lineage."""

    kind: Kind
    task: str | None
    label: str | None
    reasons: list[str]
    sources: set[str]
    verifier_passed: bool
    redacted: bool
    flagged: bool
    held_back: bool


def row_facts(row: DatasetRow, held_traces: Collection[str] = ()) -> RowFacts:
    lin = row.lineage
    traces: list[str] = list(lin.get("trace_ids") or [])
    if row.kind == "quarantine" and row.data.get("trace_id"):
        traces = [row.data["trace_id"]]
    labels = lin.get("labels") or {}
    own = labels.get(traces[0], {}) if traces else {}
    label_reasons = [str(r) for t in traces for r in (labels.get(t) or {}).get("reasons", [])]
    redaction = lin.get("redaction") or {}
    screening = lin.get("screening") or {}
    if row.kind == "quarantine":
        counts = [redaction]
        flags = list(row.data.get("flags") or [])
    else:
        counts = list(redaction.values())
        flags = [f for per_trace in screening.values() for f in per_trace or []]
    flag_reasons = [str(r) for f in flags for r in f.get("reasons", [])]
    reasons = [str(lin.get("selected_because", "")), *label_reasons, *flag_reasons]
    redacted_types = sorted({k for c in counts for k, v in (c or {}).items() if v})
    reasons += [f"redacted {t}" for t in redacted_types]
    own_reasons = [str(r) for r in own.get("reasons", [])]
    sources: set[str] = set()
    declared = lin.get("source")
    if declared:
        sources.update([declared] if isinstance(declared, str) else declared)
    if any(r.startswith(_FEEDBACK) for r in label_reasons):
        sources.add("feedback")
    if row.kind == "rewards" or any(_VERIFIER_RAN.match(r) for r in label_reasons):
        sources.add("verifier")
    return RowFacts(
        kind=row.kind,
        task=lin.get("task"),
        label=own.get("verdict"),
        reasons=reasons,
        sources=sources,
        verifier_passed=any(_VERIFIER_PASSED.match(r) for r in own_reasons),
        redacted=bool(redacted_types),
        flagged=bool(flags) or bool(lin.get("quarantined_by")) or row.kind == "quarantine",
        held_back=any(t in held_traces for t in traces),
    )


def matches(facts: RowFacts, selector: Selector) -> bool:
    if selector.kinds and facts.kind not in selector.kinds:
        return False
    if selector.labels and facts.label not in selector.labels:
        return False
    if selector.sources and not facts.sources.intersection(selector.sources):
        return False
    text = [r.lower() for r in facts.reasons]
    return not selector.reasons or any(needle.lower() in r for needle in selector.reasons for r in text)


def held_back_traces(datasets_dir: Path, tenant: str, version: str) -> set[str]:
    held = versions.read_manifest(datasets_dir, tenant, version).get("held_back") or []
    return {str(h.get("trace_id")) for h in held if isinstance(h, dict)}


def select_rows(datasets_dir: Path, tenant: str, version: str, selector: Selector) -> list[DatasetRow]:
    """The rows ``selector`` picks, in a stable order (kind, then row id); a sample is drawn with its seed."""
    done = set() if selector.include_decided else set(versions.decisions(datasets_dir, tenant, version))
    held = held_back_traces(datasets_dir, tenant, version)
    picked = [
        row
        for row in versions.all_rows(datasets_dir, tenant, version)
        if row.row_id not in done and matches(row_facts(row, held), selector)
    ]
    if selector.sample is not None and selector.sample < len(picked):
        chosen = set(random.Random(selector.seed).sample(range(len(picked)), selector.sample))
        picked = [row for i, row in enumerate(picked) if i in chosen]
    return picked


@dataclass
class Decided:
    row_id: str
    kind: str
    decision: str
    by: str


@dataclass
class Decisions:
    """What a bulk decision or an auto-accept run recorded (or, with ``dry_run``, would record)."""

    tenant: str
    version: str
    dry_run: bool
    rows: list[Decided] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    """Selected rows left undecided, by why."""
    selector: dict[str, Any] | None = None

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.rows:
            out[d.decision] = out.get(d.decision, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "counts": self.counts, "decided": len(self.rows)}


def _refusal(facts: RowFacts, decision: BulkDecision) -> str | None:
    """Why ``decision`` may not be made in bulk on this row, or None (a reject is always allowed)."""
    if decision == "reject":
        return None
    if facts.kind == "quarantine":
        return QUARANTINE_REFUSED
    if facts.flagged:
        return FLAGGED_REFUSED
    if facts.held_back:
        return HELD_BACK_REFUSED
    return None


def decide(
    datasets_dir: Path,
    tenant: str,
    version: str,
    selector: Selector,
    decision: BulkDecision,
    by: str,
    dry_run: bool = False,
) -> Decisions:
    """Record ``decision`` on every row ``selector`` picks (``by``: who decided)."""
    if decision not in ("accept", "reject"):
        raise ValueError(f"a bulk decision is accept or reject, got {decision!r}")
    held = held_back_traces(datasets_dir, tenant, version)
    out = Decisions(tenant, version, dry_run, selector=selector.record())
    for row in select_rows(datasets_dir, tenant, version, selector):
        why = _refusal(row_facts(row, held), decision)
        if why:
            out.refused[why] = out.refused.get(why, 0) + 1
        else:
            out.rows.append(Decided(row.row_id, row.kind, decision, by))
    if not dry_run and out.rows:
        entries = [(d.row_id, decision, None) for d in out.rows]
        versions.record_decisions(datasets_dir, tenant, version, entries, by, out.selector)  # type: ignore[arg-type]
    return out


def rule_matches(facts: RowFacts, rule: AutoAcceptRule) -> bool:
    return (
        facts.kind in rule.kinds
        and (not rule.labels or facts.label in rule.labels)
        and (not rule.sources or bool(facts.sources.intersection(rule.sources)))
        and (not rule.tasks or facts.task in rule.tasks)
        and (facts.verifier_passed or not rule.require_verifier_pass)
        and (not facts.redacted or rule.allow_redacted)
    )


def apply_auto_accept(
    datasets_dir: Path, tenant: str, version: str, policy: AutoAcceptPolicy, dry_run: bool = False
) -> Decisions:
    """Accept the undecided rows of ``version`` a rule of ``tenant``'s policy matches, each recorded as
    ``policy:<rule>`` with the rule. Quarantine, flagged and held-back rows are refused whatever a rule says."""
    held = held_back_traces(datasets_dir, tenant, version)
    done = versions.decisions(datasets_dir, tenant, version)
    out = Decisions(tenant, version, dry_run)
    by_rule: dict[str, list[str]] = {}
    rules = policy.rules_for(tenant)
    for row in versions.all_rows(datasets_dir, tenant, version):
        if row.row_id in done:
            continue
        facts = row_facts(row, held)
        why = _refusal(facts, "accept")
        if why:
            out.refused[why] = out.refused.get(why, 0) + 1
            continue
        rule = next((r for r in rules if rule_matches(facts, r)), None)
        if rule is not None:
            out.rows.append(Decided(row.row_id, row.kind, "accept", f"policy:{rule.name}"))
            by_rule.setdefault(rule.name, []).append(row.row_id)
    if not dry_run:
        first = {r.name: r for r in reversed(rules)}
        for name, row_ids in by_rule.items():
            rule = first[name]
            if row_ids:
                entries = [(rid, "accept", None) for rid in row_ids]
                versions.record_decisions(
                    datasets_dir,
                    tenant,
                    version,
                    entries,  # type: ignore[arg-type]
                    f"policy:{rule.name}",
                    {"policy": rule.name, "rule": rule.model_dump()},
                )
    return out
