"""Stage 4: label each episode's outcome good, bad or unknown from every signal it carries, with the reasons.

Signals: feedback (score, thumb, corrected answer), ``tracewheel.expected`` checked by the task's verifier, span
status and tool errors, and finish reasons. Any bad signal makes the run bad (one truncated answer or one tool
error is enough to keep it out of SFT); a run is good only when some signal says so and none says otherwise.

Trace data is not trusted to choose code: ``tracewheel.expected`` may carry a reference answer or a declarative
built-in check (``tracewheel.core.verifiers.SPAN_SAFE_TYPES``); regex, json_schema and custom verifiers come only
from the operator's ``[curator.tasks.<task>]``. A span that asks for more is labelled without its verifier, and the
label says why. Reasons end up in dataset lineage, so a verifier's free text (which can quote the completion, or
whatever a custom command printed) is never stored: only its short code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tracewheel.collector.episode import Episode
from tracewheel.curator.settings import CuratorSettings, TaskRule

from tracewheel.core.verifiers import UntrustedSpecError, span_spec, verify

Verdict = Literal["good", "bad", "unknown"]
# tracewheel.core.verifiers.verify(completion, spec): completion is text or an assistant message; it returns a Verdict
# (reward, reason) -- read through _reward() so a plain (reward, reason) tuple works too.
VerifyFn = Callable[[Any, dict[str, Any]], Any]
# Types that compare against a reference answer, and so need tracewheel.expected to be checkable.
_REFERENCE_TYPES = frozenset({"exact", "normalized", "numeric"})
MAX_REASON_CHARS = 200
"""Each reason stored with a label (and so in dataset lineage) is cut to this length."""
VerifierSource = Literal["operator", "trace"]


@dataclass
class Label:
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)
    score: float | None = None
    thumb: str | None = None
    corrected_answer: str | None = None
    verifier: dict[str, Any] | None = None
    verifier_reward: float | None = None
    verifier_source: VerifierSource | None = None
    """Where the spec came from: the operator's task rule, or a declarative check in the trace data."""
    refused_verifier: str | None = None
    """Why a verifier the trace data asked for was not run (it may only come from the operator's config)."""

    @property
    def rank(self) -> tuple[int, float]:
        """Orders runs of one task from worse to better (for DPO pairs)."""
        order = {"bad": 0, "unknown": 1, "good": 2}[self.verdict]
        return order, self.score if self.score is not None else (self.verifier_reward or 0.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_verify_fn() -> VerifyFn:
    """The verifier of ``tracewheel.core.verifiers``: every verifier type, sandboxed where it runs code."""
    return verify


@dataclass(frozen=True)
class ChosenVerifier:
    spec: dict[str, Any]
    source: VerifierSource


def verifier_spec(episode: Episode, rule: TaskRule) -> dict[str, Any] | None:
    """The verifier that checks this run (see ``choose_verifier``), or None.

    Raises ``UntrustedSpecError`` when ``tracewheel.expected`` asks for a verifier only the operator may set, and
    ``ValueError`` when it carries a malformed spec.
    """
    chosen = choose_verifier(episode, rule)
    return chosen.spec if chosen else None


def choose_verifier(episode: Episode, rule: TaskRule) -> ChosenVerifier | None:
    """A declarative JSON spec in ``tracewheel.expected`` (only its allowed fields), or the task's spec filled in
    with the expected answer as data, or the task's own complete spec; None when nothing can check the run."""
    expected = episode.expected
    if expected is not None:
        try:
            parsed = json.loads(expected)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("type"), str):
            return ChosenVerifier(span_spec(parsed), "trace")
        if rule.verifier is None:
            return ChosenVerifier({"type": "normalized", "answer": expected}, "trace")
        # The operator's check, with the trace's answer as data (a custom command reads it as `answer`).
        return ChosenVerifier({**rule.verifier, "answer": expected}, "operator")
    if rule.verifier and (rule.verifier.get("type") not in _REFERENCE_TYPES or "answer" in rule.verifier):
        return ChosenVerifier(dict(rule.verifier), "operator")
    return None


def _completion_for(episode: Episode, spec: dict[str, Any]) -> Any:
    if spec.get("type") == "tool_call":
        # The assistant turn that called tools is what a tool-call task is judged on, not the closing text.
        calling = [m for m in episode.messages if m.role == "assistant" and m.tool_calls]
        if calling:
            return {
                "role": "assistant",
                "content": calling[-1].content or "",
                "tool_calls": [c.model_dump(exclude_none=True) for c in calling[-1].tool_calls or []],
            }
    if episode.final_answer is not None:
        return episode.final_answer
    answers = [m.content for m in episode.messages if m.role == "assistant" and m.content]
    return answers[-1] if answers else ""


def _reward(result: Any) -> tuple[float, str]:
    """The reward and a short code for the lineage; a plugin's free-text reason is not kept."""
    if hasattr(result, "reward"):
        return float(result.reward), str(getattr(result, "code", "") or "no code")
    reward, _reason = result
    return float(reward), "no code"


def _cap(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON_CHARS else reason[: MAX_REASON_CHARS - 1] + "…"


def label_episode(episode: Episode, settings: CuratorSettings, verify: VerifyFn) -> Label:
    rule = settings.rule_for(episode.task)
    good: list[str] = []
    bad: list[str] = []
    notes: list[str] = []
    label = Label(verdict="unknown")

    feedback = sorted(episode.feedback, key=lambda f: f.received_at)
    scores = [f.score for f in feedback if f.score is not None]
    thumbs = [f.thumb for f in feedback if f.thumb is not None]
    corrections = [f.corrected_answer for f in feedback if f.corrected_answer]
    if scores:
        label.score = scores[-1]
        if rule.min_score is not None:
            (good if label.score >= rule.min_score else bad).append(
                f"feedback score {label.score:g} {'>=' if label.score >= rule.min_score else '<'} {rule.min_score:g}"
            )
    if thumbs:
        label.thumb = thumbs[-1]
        (good if label.thumb == "up" else bad).append(f"thumb {label.thumb}")
    if corrections:
        label.corrected_answer = corrections[-1]
        bad.append("user corrected the answer")

    try:
        chosen = choose_verifier(episode, rule)
    except UntrustedSpecError as exc:
        chosen = None
        label.refused_verifier = f"tracewheel.expected refused, not run: {exc}"
        notes.append(label.refused_verifier)
    except (ValueError, TypeError) as exc:
        chosen = None
        label.refused_verifier = f"tracewheel.expected carries a bad verifier spec, not run: {exc}"
        notes.append(label.refused_verifier)
    if chosen is not None:
        spec = chosen.spec
        label.verifier, label.verifier_source = spec, chosen.source
        try:
            reward, code = _reward(verify(_completion_for(episode, spec), spec))
        except Exception as exc:  # a broken plugin verifier must not stop curation of the other runs
            notes.append(f"verifier {spec.get('type')} could not run: {exc}")
        else:
            label.verifier_reward = float(reward)
            passed = reward >= rule.pass_reward
            (good if passed else bad).append(
                f"verifier {spec.get('type')} {'passed' if passed else 'failed'} (reward {reward:g}: {code})"
            )

    if episode.status == "error":
        bad.append("run ended with error status")
    if episode.errors and rule.tool_errors_are_bad:
        bad.append(f"{len(episode.errors)} error(s): {episode.errors[0][:120]}")
    truncated = sorted({r for r in episode.finish_reasons if r in rule.bad_finish_reasons})
    if truncated:
        bad.append(f"finish reason {', '.join(truncated)}")

    if bad:
        label.verdict = "bad"
    elif good and (not rule.require_verifier or label.verifier_reward is not None):
        label.verdict = "good"
    elif good:
        notes.append("task requires a verifier pass; none available")
    label.reasons = [_cap(r) for r in (bad + good + notes if label.verdict == "bad" else good + notes)]
    if not label.reasons:
        label.reasons = ["no outcome signal"]
    return label
