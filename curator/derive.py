"""Stage 5a: turn labelled episodes into the four TRL conversational formats (docs/01-architecture.md).

Messages are in the form chat templates read: assistant tool calls as
``{"type": "function", "function": {"name": ..., "arguments": {...}}}`` with the arguments parsed into a dict,
and tool results as ``{"role": "tool", "name": ..., "content": ...}``. Every row carries ``tools`` (TRL's
trainers pass a row's ``tools`` to the chat template).

- SFT ``{"messages", "tools"}``: good runs only (rejection sampling).
- DPO ``{"prompt", "chosen", "rejected", "tools"}``: a good and a bad run of the same task and prompt, split at
  the first assistant turn where they differ; or a user's corrected answer against the original final answer.
- KTO ``{"prompt", "completion", "label", "tools"}``: runs with a thumb.
- Rewards ``{"prompt", "verifier", "tools"}``: runs whose answer a verifier can check (GRPO).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tracewheel.collector.episode import Episode, Message
from tracewheel.curator.label import Label
from tracewheel.curator.versions import DatasetRow

from tracewheel.core.verifiers import SPAN_SAFE_TYPES

ChatMessage = dict[str, Any]


class UnusableEpisode(ValueError):
    """An episode that cannot become training text; ``reason`` is the short category counted in the report."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class Labelled:
    episode: Episode
    label: Label
    messages: list[ChatMessage]


def _arguments(raw: str, name: str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise UnusableEpisode("invalid tool-call arguments", f"{name}: {exc}") from exc
    if not isinstance(parsed, dict):
        raise UnusableEpisode("invalid tool-call arguments", f"{name}: arguments are not a JSON object")
    return parsed


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:4096]
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t"))
    return bool(sample) and odd / len(sample) > 0.1


def check_episode(episode: Episode, max_tool_result_bytes: int) -> None:
    """Cheap checks that run before redaction, so a 5 MB blob never reaches the PII engine."""
    if not any(m.role == "user" and (m.content or "").strip() for m in episode.messages):
        raise UnusableEpisode("no user turn", episode.episode_id)
    for index, m in enumerate(episode.messages):
        content = m.content or ""
        if m.role != "tool":
            continue
        size = len(content.encode("utf-8", errors="replace"))
        if size > max_tool_result_bytes:
            raise UnusableEpisode(
                "tool result too large",
                f"{episode.episode_id} message {index} ({m.name or 'tool'}): {size} bytes > {max_tool_result_bytes}",
            )
        if _looks_binary(content):
            raise UnusableEpisode(
                "binary tool result", f"{episode.episode_id} message {index} ({m.name or 'tool'})"
            )


def chat_messages(episode: Episode) -> list[ChatMessage]:
    """The episode as chat-template messages; raises ``UnusableEpisode`` when it cannot be trained on."""
    try:
        return _chat_messages(episode)
    except UnusableEpisode as exc:
        if episode.episode_id in str(exc):
            raise
        raise UnusableEpisode(exc.reason, f"{episode.episode_id}: {str(exc).split(': ', 1)[-1]}") from exc


def _chat_messages(episode: Episode) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    call_names: dict[str, str] = {}
    source: list[Message] = list(episode.messages)
    if episode.system_instructions and not any(m.role == "system" for m in source):
        out.append({"role": "system", "content": episode.system_instructions})
    for m in source:
        if m.role == "assistant":
            msg: ChatMessage = {"role": "assistant", "content": m.content or ""}
            if m.tool_calls:
                calls = []
                for call in m.tool_calls:
                    if call.id:
                        call_names[call.id] = call.function.name
                    calls.append(
                        {
                            "type": "function",
                            "function": {
                                "name": call.function.name,
                                "arguments": _arguments(call.function.arguments, call.function.name),
                            },
                        }
                    )
                msg["tool_calls"] = calls
            out.append(msg)
        elif m.role == "tool":
            name = m.name or call_names.get(m.tool_call_id or "", "")
            out.append({"role": "tool", "name": name, "content": m.content or ""})
        else:
            out.append({"role": m.role, "content": m.content or ""})
    if not any(m["role"] == "user" for m in out):
        raise UnusableEpisode("no user turn", episode.episode_id)
    last_user = max(i for i, m in enumerate(out) if m["role"] == "user")
    if not any(m["role"] == "assistant" for m in out[last_user + 1 :]):
        raise UnusableEpisode("no assistant turn after the user's", episode.episode_id)
    return out


def split_prompt(messages: list[ChatMessage]) -> tuple[list[ChatMessage], list[ChatMessage]]:
    """(prompt, completion): the prompt runs through the last user turn; the completion is the agent's part."""
    last_user = max(i for i, m in enumerate(messages) if m["role"] == "user")
    return messages[: last_user + 1], messages[last_user + 1 :]


def _lineage(reason: str, *items: Labelled) -> dict[str, Any]:
    return {
        "trace_ids": [i.episode.trace_id for i in items],
        "task": items[0].episode.task,
        "selected_because": reason,
        "labels": {
            i.episode.trace_id: {"verdict": i.label.verdict, "reasons": i.label.reasons} for i in items
        },
    }


def sft_rows(items: list[Labelled]) -> list[DatasetRow]:
    return [
        DatasetRow(
            "sft",
            {"messages": i.messages, "tools": i.episode.tools},
            _lineage("good outcome: " + "; ".join(i.label.reasons), i),
        )
        for i in items
        if i.label.verdict == "good"
    ]


def kto_rows(items: list[Labelled]) -> list[DatasetRow]:
    rows = []
    for i in items:
        if i.label.thumb is None:
            continue
        prompt, completion = split_prompt(i.messages)
        rows.append(
            DatasetRow(
                "kto",
                {
                    "prompt": prompt,
                    "completion": completion,
                    "label": i.label.thumb == "up",
                    "tools": i.episode.tools,
                },
                _lineage(f"thumb {i.label.thumb}", i),
            )
        )
    return rows


def reward_allowed(label: Label) -> bool:
    """A spec may reach GRPO (which runs it on every sampled completion) only under the rule labelling applies:
    regex, json_schema and custom specs from the operator's config, nothing but declarative checks from traces."""
    spec = label.verifier
    if spec is None:
        return False
    return label.verifier_source == "operator" or spec.get("type") in SPAN_SAFE_TYPES


def reward_rows(items: list[Labelled]) -> list[DatasetRow]:
    rows = []
    for i in items:
        if not reward_allowed(i.label):
            continue
        prompt, _ = split_prompt(i.messages)
        lineage = _lineage(
            f"checkable by verifier {i.label.verifier.get('type')} (from {i.label.verifier_source})", i
        )
        lineage["verifier_source"] = i.label.verifier_source
        rows.append(
            DatasetRow(
                "rewards", {"prompt": prompt, "verifier": i.label.verifier, "tools": i.episode.tools}, lineage
            )
        )
    return rows


def _split_pair(chosen: list[ChatMessage], rejected: list[ChatMessage]) -> int | None:
    """Index of the assistant turn where the two runs part ways, or None if they never do."""
    first = next((k for k, (a, b) in enumerate(zip(chosen, rejected, strict=False)) if a != b), None)
    if first is None:
        if len(chosen) == len(rejected):
            return None
        first = min(len(chosen), len(rejected))
    # A DPO completion must start with a model turn: runs that part at a tool result (same call, different
    # result) are split at the assistant turn that made the call.
    first = min(first, len(chosen) - 1, len(rejected) - 1)
    while first > 0 and chosen[first]["role"] != "assistant":
        first -= 1
    return first


@dataclass
class Run:
    """One run as DPO pairing sees it: a run of this batch, or one already in the parent version (``new=False``)."""

    trace_id: str
    task: str | None
    tools: list[dict[str, Any]]
    messages: list[ChatMessage]
    verdict: str
    rank: tuple[int, float]
    reasons: list[str]
    new: bool = True

    @classmethod
    def of(cls, item: Labelled) -> Run:
        e, lab = item.episode, item.label
        return cls(e.trace_id, e.task, e.tools, item.messages, lab.verdict, lab.rank, lab.reasons)


def partner_runs(rows: list[DatasetRow]) -> list[Run]:
    """Runs already curated, read back from the parent's SFT rows (good runs) and thumbs-down KTO rows (bad
    runs), so a new run can pair with an earlier run of the same prompt without re-reading old traces."""
    runs = []
    for row in rows:
        traces = row.lineage.get("trace_ids") or []
        if len(traces) != 1:
            continue
        reasons = (row.lineage.get("labels") or {}).get(traces[0], {}).get("reasons", [])
        if row.kind == "sft":
            messages, verdict, rank = row.data["messages"], "good", (2, 0.0)
        elif row.kind == "kto" and row.data.get("label") is False:
            messages, verdict, rank = row.data["prompt"] + row.data["completion"], "bad", (0, 0.0)
        else:
            continue
        runs.append(
            Run(
                traces[0],
                row.lineage.get("task"),
                row.data.get("tools", []),
                messages,
                verdict,
                rank,
                reasons,
                new=False,
            )
        )
    return runs


def _pair_lineage(better: Run, worse: Run) -> dict[str, Any]:
    return {
        "trace_ids": [better.trace_id, worse.trace_id],
        "task": better.task,
        "selected_because": "same task and prompt: good run chosen over bad run"
        + ("" if better.new and worse.new else " (one run from an earlier version)"),
        "labels": {r.trace_id: {"verdict": r.verdict, "reasons": r.reasons} for r in (better, worse)},
    }


def dpo_rows(
    items: list[Labelled], max_pairs_per_group: int = 8, partners: list[Run] = ()
) -> list[DatasetRow]:
    """Pairs of a good and a bad run of one task and prompt (at least one of them from ``items``), and
    corrections."""
    rows: list[DatasetRow] = []
    groups: dict[str, list[Run]] = defaultdict(list)
    mine = {i.episode.trace_id for i in items}
    for run in [Run.of(i) for i in items] + [p for p in partners if p.trace_id not in mine]:
        prompt, _ = split_prompt(run.messages)
        key = json.dumps([run.task, [m["content"] for m in prompt if m["role"] in ("system", "user")]])
        groups[key].append(run)
    for members in groups.values():
        goods = sorted((m for m in members if m.verdict == "good"), key=lambda m: m.rank, reverse=True)
        bads = sorted((m for m in members if m.verdict == "bad"), key=lambda m: (not m.new, m.rank))
        pairs = 0
        for n, worse in enumerate(bads):
            # Pairs of two earlier runs were the earlier version's business.
            options = goods if worse.new else [g for g in goods if g.new]
            if not options or pairs >= max_pairs_per_group:
                continue
            better = options[n % len(options)]
            split = _split_pair(better.messages, worse.messages)
            prompt_len = len(split_prompt(better.messages)[0])
            if split is None or split < prompt_len:
                continue
            rows.append(
                DatasetRow(
                    "dpo",
                    {
                        "prompt": better.messages[:split],
                        "chosen": better.messages[split:],
                        "rejected": worse.messages[split:],
                        "tools": better.tools,
                    },
                    _pair_lineage(better, worse),
                )
            )
            pairs += 1
    for i in items:
        if not i.label.corrected_answer:
            continue
        last = max((k for k, m in enumerate(i.messages) if m["role"] == "assistant"), default=None)
        if last is None or i.messages[last].get("content", "") == i.label.corrected_answer:
            continue
        rows.append(
            DatasetRow(
                "dpo",
                {
                    "prompt": i.messages[:last],
                    "chosen": [{"role": "assistant", "content": i.label.corrected_answer}],
                    "rejected": [i.messages[last]],
                    "tools": i.episode.tools,
                },
                _lineage("user-corrected answer chosen over the original", i),
            )
        )
    return rows


def derive_rows(
    items: list[Labelled], max_pairs_per_group: int = 8, partners: list[Run] = ()
) -> list[DatasetRow]:
    """All rows of all kinds from one batch of labelled episodes (``partners``: earlier runs DPO may pair with)."""
    return (
        sft_rows(items)
        + dpo_rows(items, max_pairs_per_group, partners)
        + kto_rows(items)
        + reward_rows(items)
    )
