"""Stage 5a: turn labelled episodes into the four TRL conversational formats (DESIGN §4).

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

from collector.episode import Episode, Message
from curator.label import Label
from curator.versions import DatasetRow

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


def reward_rows(items: list[Labelled]) -> list[DatasetRow]:
    rows = []
    for i in items:
        if i.label.verifier is None:
            continue
        prompt, _ = split_prompt(i.messages)
        rows.append(
            DatasetRow(
                "rewards",
                {"prompt": prompt, "verifier": i.label.verifier, "tools": i.episode.tools},
                _lineage(f"checkable by verifier {i.label.verifier.get('type')}", i),
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


def dpo_rows(items: list[Labelled], max_pairs_per_group: int = 8) -> list[DatasetRow]:
    rows: list[DatasetRow] = []
    groups: dict[str, list[Labelled]] = defaultdict(list)
    for i in items:
        prompt, _ = split_prompt(i.messages)
        key = json.dumps([i.episode.task, [m["content"] for m in prompt if m["role"] in ("system", "user")]])
        groups[key].append(i)
    for members in groups.values():
        goods = sorted(
            (m for m in members if m.label.verdict == "good"), key=lambda m: m.label.rank, reverse=True
        )
        bads = sorted((m for m in members if m.label.verdict == "bad"), key=lambda m: m.label.rank)
        pairs = 0
        for n, worse in enumerate(bads):
            if not goods or pairs >= max_pairs_per_group:
                break
            better = goods[n % len(goods)]
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
                        "tools": better.episode.tools,
                    },
                    _lineage("same task and prompt: good run chosen over bad run", better, worse),
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


def derive_rows(items: list[Labelled], max_pairs_per_group: int = 8) -> list[DatasetRow]:
    """All rows of all kinds from one batch of labelled episodes."""
    return sft_rows(items) + dpo_rows(items, max_pairs_per_group) + kto_rows(items) + reward_rows(items)
