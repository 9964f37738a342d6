"""Eval examples: a tenant's held-out runs (per task) and the forgetting probes shipped with the package.

A held-out run (recorded by the curator, ``curator/split.py``: redacted, labelled) becomes one example:

- prompt: the conversation up to its first assistant turn (system and user messages), with the run's tools;
- reference: that first assistant turn, when the run's outcome allows trusting it: its tool calls (the run was not
  labelled bad), or its text (the run was good, or the user's corrected answer, or the expected answer);
- verifier: the run's verifier spec (``tracewheel.core.verifiers``), when it judges that first turn: a
  ``tool_call`` spec for a tool-calling turn, a text spec for an answer.

A run none of these can judge (the first turn is a tool call of a bad run and no tool_call spec says what is right)
is left out and counted. Each example belongs to a cluster: its conversation, and with ``cluster_by =
"conversation+template"`` also every example of the same task template (the user text with numbers and quoted
strings masked), for suites whose templated prompts succeed and fail together.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from tracewheel.curator.split import load_heldout_examples

from tracewheel.core.verifiers import SPAN_SAFE_TYPES

TEXT_VERIFIERS = frozenset({"exact", "normalized", "numeric", "regex", "json_schema", "custom"})
NO_TASK = "no-task"


class EvalExample(BaseModel):
    example_id: str
    suite: str = Field(description="'<task>' for held-out runs, 'probes' for the forgetting probes.")
    cluster: str = Field(description="Examples of one cluster are resampled together.")
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    reference_text: str | None = None
    reference_tool_calls: list[dict[str, Any]] | None = Field(
        default=None, description='[{"name": ..., "arguments": {...}}]'
    )
    verifier: dict[str, Any] | None = None
    checker: dict[str, Any] | None = Field(default=None, description="Probes: the deterministic check.")
    category: str | None = None


class Suites(BaseModel):
    examples: list[EvalExample]
    left_out: dict[str, int] = Field(default_factory=dict)
    fingerprint: str = ""

    def by_suite(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.examples:
            out[e.suite] = out.get(e.suite, 0) + 1
        return out


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


def template_key(text: str) -> str:
    """The task template of a user text: numbers and quoted strings masked, case and spacing folded.

    >>> template_key("What is 17 * 23?") == template_key("what is 4  * 5?")
    True
    """
    text = _QUOTED.sub("<s>", text.casefold())
    return " ".join(_NUMBER.sub("<n>", text).split())


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _spec_answer(spec: dict[str, Any] | None) -> str | None:
    if spec and spec.get("type") in ("exact", "normalized", "numeric") and "answer" in spec:
        return str(spec["answer"])
    return None


def _trusted(record: dict[str, Any]) -> dict[str, Any] | None:
    """The verifier under the rule GRPO applies: code- or pattern-running specs only from the operator."""
    spec = record.get("verifier")
    if not isinstance(spec, dict):
        return None
    if record.get("verifier_source") == "operator" or spec.get("type") in SPAN_SAFE_TYPES:
        return spec
    return None


def example_from_heldout(record: dict[str, Any]) -> tuple[EvalExample | None, str]:
    """One held-out run as an example, or (None, why it cannot be one)."""
    messages: list[dict[str, Any]] = record["messages"]
    first = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), None)
    if first is None or not any(m.get("role") == "user" for m in messages[:first]):
        return None, "no user turn before the first assistant turn"
    prompt = [{"role": m["role"], "content": m.get("content") or ""} for m in messages[:first]]
    turn = messages[first]
    spec = _trusted(record)
    verdict = record.get("verdict")
    reference_text = reference_calls = verifier = None
    if turn.get("tool_calls"):
        if spec and spec.get("type") == "tool_call":
            verifier = spec
            reference_calls = [{"name": spec["name"], "arguments": _arguments(spec.get("arguments"))}]
        elif verdict != "bad":
            reference_calls = [
                {"name": c["function"]["name"], "arguments": _arguments(c["function"].get("arguments"))}
                for c in turn["tool_calls"]
            ]
        else:
            return None, "first turn is a tool call of a bad run, with no tool_call verifier"
    else:
        if spec and spec.get("type") in TEXT_VERIFIERS:
            verifier = spec
        reference_text = (
            record.get("corrected_answer")
            or (turn.get("content") if verdict == "good" else None)
            or _spec_answer(spec)
        )
        if verifier is None and reference_text is None:
            return None, "no trustworthy reference answer"
    task = record.get("task") or NO_TASK
    user_text = "\n".join(m["content"] for m in prompt if m["role"] == "user")
    return (
        EvalExample(
            example_id=record["episode_id"],
            suite=task,
            cluster=record.get("group") or record["episode_id"],
            messages=prompt,
            tools=record.get("tools") or None,
            reference_text=reference_text,
            reference_tool_calls=reference_calls,
            verifier=verifier,
            category=f"template:{task}:{template_key(user_text)}",
        ),
        "",
    )


def merge_clusters(examples: list[EvalExample]) -> None:
    """Give examples that share a conversation or a task template one cluster id (union-find over both keys)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in examples:
        a, b = find(e.cluster), find(e.category or e.cluster)
        if a != b:
            parent[max(a, b)] = min(a, b)
    for e in examples:
        e.cluster = find(e.cluster)


def load_task_suites(
    splits_dir: Path, tenant: str, max_per_task: int, cluster_by: str = "conversation"
) -> Suites:
    """The tenant's held-out examples, the most recent ``max_per_task`` of each task, clustered by conversation
    (and by task template with ``cluster_by="conversation+template"``)."""
    examples: list[EvalExample] = []
    left_out: dict[str, int] = {}
    for record in load_heldout_examples(splits_dir, tenant):
        example, why = example_from_heldout(record)
        if example is None:
            left_out[why] = left_out.get(why, 0) + 1
        else:
            examples.append(example)
    kept: list[EvalExample] = []
    per_task: dict[str, int] = {}
    for e in reversed(examples):
        per_task[e.suite] = per_task.get(e.suite, 0) + 1
        if per_task[e.suite] <= max_per_task:
            kept.append(e)
        else:
            left_out["over max_examples_per_task"] = left_out.get("over max_examples_per_task", 0) + 1
    kept.reverse()
    if cluster_by == "conversation+template":
        merge_clusters(kept)
    return Suites(examples=kept, left_out=left_out, fingerprint=fingerprint(kept))


def fingerprint(examples: list[EvalExample]) -> str:
    """Identifies a suite's content: a run is reused only on the same examples."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(e.model_dump_json().encode())
    return "sha256:" + digest.hexdigest()[:16]


def text_fingerprint(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def load_probes() -> list[EvalExample]:
    """The forgetting probes shipped in ``evals/data/probes.jsonl`` (one cluster per category)."""
    text = resources.files("tracewheel.evals").joinpath("data/probes.jsonl").read_text(encoding="utf-8")
    probes = []
    for line in text.splitlines():
        if line.strip():
            item = json.loads(line)
            probes.append(
                EvalExample(
                    example_id=item["id"],
                    suite="probes",
                    cluster=item["category"],
                    category=item["category"],
                    messages=item["messages"],
                    tools=item.get("tools"),
                    checker=item["checker"],
                )
            )
    return probes


def reference_text() -> str:
    """The shipped reference prose whose perplexity must not regress (``evals/data/reference.txt``)."""
    return resources.files("tracewheel.evals").joinpath("data/reference.txt").read_text(encoding="utf-8")
