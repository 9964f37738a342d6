"""Which prompts rejection sampling may sample: the verifiable prompts of a dataset version that training may use.

A prompt is a curator ``rewards`` row (``{"prompt": [messages], "verifier": spec, "tools": [...]}``, see
``curator/derive.py``). It is sampled only when all of these hold, the rules training and review already apply:

- **reviewed**: the row has an ``accept`` or ``edit`` decision (an edit's row is used), as ``versions.training_rows``
  requires by default; a rejected row never; ``reviewed_only=False`` takes every row not rejected (``--all-rows``);
- **trusted verifier**: a spec that runs code or patterns (regex, json_schema, custom) only when the operator's
  config set it (lineage ``verifier_source == "operator"``); trace data may only ask for ``SPAN_SAFE_TYPES``
  (the rule of ``versions._verifier_allowed`` and ``derive.reward_allowed``). An untrusted spec is never run;
- **not quarantined, not flagged, not held back**: only top-level rewards rows (a quarantined run's rows sit inside
  its ``quarantine`` row; even once released they are not sampled, since a sample would carry the flagged prompt
  into new rows), none whose run the injection screener flagged or the integrity check held back
  (``review_bulk.row_facts``);
- **not held out**: no run of the row is on the held-out side of the tenant's split (``curator/split.py``); the
  curator already drops such rows, this holds it again for versions written by hand or before the split;
- **not already learned**: the version does not already hold ``max_kept`` rejection-sampling SFT rows (not
  rejected) for this prompt;
- **once**: rows of the same prompt, tools and verifier (several runs of one question) are sampled once, the
  newest.

Order: first the prompts the version has no SFT answer for (their runs failed or had no outcome: the wins there
are new, where a prompt with a good run's row mostly gives that answer back, which is dropped as a duplicate), then
most recent first, where a row's age is how many ancestor versions (following ``manifest.parent``) already held it;
ties by row id, so the same version always gives the same prompts.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracewheel.core.verifiers import SPAN_SAFE_TYPES, validate_spec
from tracewheel.curator import review_bulk, versions
from tracewheel.curator.derive import split_prompt
from tracewheel.curator.settings import CuratorSettings
from tracewheel.curator.split import load_split
from tracewheel.curator.versions import DatasetRow

logger = logging.getLogger(__name__)

SOURCE = "rejection_sampling"
"""The lineage ``source`` of the rows rejection sampling writes (what review selectors and auto-accept rules name)."""
MAX_ANCESTORS = 32
"""How far back the parent chain is followed to date rows; older rows all count as equally old."""


@dataclass
class Prompt:
    """One verifiable prompt, with what sampling and the kept rows need from its rewards row."""

    row_id: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    verifier: dict[str, Any]
    lineage: dict[str, Any]
    pass_reward: float
    bad_finish_reasons: list[str]
    already_kept: int = 0

    @property
    def trace_ids(self) -> list[str]:
        return list(self.lineage.get("trace_ids") or [])

    @property
    def verifier_type(self) -> str:
        return str(self.verifier.get("type"))


@dataclass
class PromptSelection:
    prompts: list[Prompt] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    """Rewards rows not sampled, by why (counted on the result and the manifest)."""


def trusted_spec(row: DatasetRow, data: dict[str, Any], edited: bool) -> bool:
    """The rule GRPO applies before it runs a row's verifier (``versions.training_rows``): declarative specs from
    anywhere, code- or pattern-running ones only from the operator's config (or a reviewer's edit)."""
    spec = data.get("verifier")
    if not isinstance(spec, dict):
        return False
    return edited or spec.get("type") in SPAN_SAFE_TYPES or row.lineage.get("verifier_source") == "operator"


def prompt_key(messages: list[dict[str, Any]]) -> str:
    """A prompt as compared between rows: call ids are each row's own, not what the run did."""
    plain = []
    for m in messages:
        m = {k: v for k, v in m.items() if k != "tool_call_id"}
        if m.get("tool_calls"):
            m["tool_calls"] = [{k: v for k, v in c.items() if k != "id"} for c in m["tool_calls"]]
        plain.append(m)
    return json.dumps(plain, sort_keys=True, ensure_ascii=False, default=str)


def learned_counts(rows: list[DatasetRow], decided: dict[str, dict[str, Any]]) -> Counter[str]:
    """Rejection-sampling SFT rows (not rejected) per prompt (``prompt_key``): a prompt that comes back in a new
    run is the same prompt."""
    out: Counter[str] = Counter()
    for row in rows:
        if row.kind != "sft" or row.lineage.get("source") != SOURCE:
            continue
        if (decided.get(row.row_id) or {}).get("decision") == "reject":
            continue
        messages = row.data.get("messages") or []
        if len(messages) > 1:
            out[prompt_key(messages[:-1])] += 1
    return out


def answered_prompts(rows: list[DatasetRow], decided: dict[str, dict[str, Any]]) -> set[str]:
    """Prompts (``prompt_key``) the SFT rows (not rejected) already answer."""
    out: set[str] = set()
    for row in rows:
        messages = row.data.get("messages") or []
        if (decided.get(row.row_id) or {}).get("decision") == "reject":
            continue
        if any(isinstance(m, dict) and m.get("role") == "user" for m in messages):
            out.add(prompt_key(split_prompt(messages)[0]))
    return out


def row_ages(datasets_dir: Path, tenant: str, version: str, row_ids: set[str]) -> dict[str, int]:
    """How many consecutive ancestors of ``version`` already held each rewards row (0: new in ``version``)."""
    ages = dict.fromkeys(row_ids, 0)
    alive = set(row_ids)
    seen = {version}
    parent = versions.read_manifest(datasets_dir, tenant, version).get("parent")
    depth = 0
    while parent and parent not in seen and alive and depth < MAX_ANCESTORS:
        seen.add(parent)
        depth += 1
        try:
            held = {r.row_id for r in versions.read_rows(datasets_dir, tenant, parent, "rewards")}
            parent = versions.read_manifest(datasets_dir, tenant, parent).get("parent")
        except Exception:  # an ancestor deleted by hand: the chain ends there
            break
        alive &= held
        for row_id in alive:
            ages[row_id] = depth
    return ages


def select_prompts(
    curator: CuratorSettings,
    datasets_dir: Path,
    splits_dir: Path,
    tenant: str,
    version: str,
    *,
    max_prompts: int,
    max_kept: int,
    reviewed_only: bool = True,
) -> PromptSelection:
    """The prompts of ``version`` rejection sampling may sample, most recent first, at most ``max_prompts``."""
    out = PromptSelection()
    decided = versions.decisions(datasets_dir, tenant, version)
    held = review_bulk.held_back_traces(datasets_dir, tenant, version)
    heldout = load_split(splits_dir, tenant).heldout_episodes()
    sft = versions.read_rows(datasets_dir, tenant, version, "sft")
    learned = learned_counts(sft, decided)
    answered = answered_prompts(sft, decided)
    candidates: list[Prompt] = []
    for row in versions.read_rows(datasets_dir, tenant, version, "rewards"):
        verdict = (decided.get(row.row_id) or {}).get("decision")
        if verdict == "reject":
            out.skipped["rejected in review"] += 1
            continue
        if reviewed_only and verdict not in ("accept", "edit"):
            out.skipped["not reviewed"] += 1
            continue
        edited = verdict == "edit"
        data = (decided[row.row_id].get("edited") or row.data) if edited else row.data
        facts = review_bulk.row_facts(row, held)
        if facts.flagged:
            out.skipped["flagged by the injection screener"] += 1
            continue
        if facts.held_back:
            out.skipped["held back by the integrity check"] += 1
            continue
        if heldout.intersection(row.lineage.get("trace_ids") or []):
            out.skipped["held out for evaluation"] += 1
            continue
        if not trusted_spec(row, data, edited):
            # Never run: a spec that runs code or patterns must come from the operator's config.
            out.skipped["verifier not from the operator's config"] += 1
            logger.warning(
                "rewards row %s not sampled: its verifier is not from the operator's config", row.row_id
            )
            continue
        try:
            spec = validate_spec(data["verifier"])
        except (ValueError, TypeError) as exc:
            out.skipped["bad verifier spec"] += 1
            logger.warning("rewards row %s not sampled: %s", row.row_id, exc)
            continue
        messages = data.get("prompt")
        if not isinstance(messages, list) or not any(
            isinstance(m, dict) and m.get("role") == "user" for m in messages
        ):
            out.skipped["no user turn in the prompt"] += 1
            continue
        key = prompt_key(messages)
        if learned[key] >= max_kept:
            out.skipped["already learned"] += 1
            continue
        rule = curator.rule_for(row.lineage.get("task"))
        candidates.append(
            Prompt(
                row_id=row.row_id,
                messages=messages,
                tools=list(data.get("tools") or []),
                verifier=spec,
                lineage=row.lineage,
                pass_reward=rule.pass_reward,
                bad_finish_reasons=list(rule.bad_finish_reasons),
                already_kept=learned[key],
            )
        )
    ages = row_ages(datasets_dir, tenant, version, {p.row_id for p in candidates})
    candidates.sort(key=lambda p: (prompt_key(p.messages) in answered, ages[p.row_id], p.row_id))
    unique: dict[tuple[str, str, str], Prompt] = {}
    for prompt in candidates:
        # Several runs of one prompt with one check: sampled once (the newest), the rest would only repeat it.
        same = (
            prompt_key(prompt.messages),
            json.dumps(prompt.tools, sort_keys=True, default=str),
            json.dumps(prompt.verifier, sort_keys=True, default=str),
        )
        if same in unique:
            out.skipped["same prompt and verifier as a newer row"] += 1
        else:
            unique[same] = prompt
    chosen = list(unique.values())
    out.prompts = chosen[:max_prompts]
    if len(chosen) > max_prompts:
        out.skipped["over max_prompts"] += len(chosen) - max_prompts
    return out
