"""Stage 5a: turn labelled episodes into the four TRL conversational formats (docs/01-architecture.md).

Messages are in the form TRL's tool-calling examples and chat templates read: assistant tool calls as
``{"type": "function", "id": ..., "function": {"name": ..., "arguments": {...}}}`` with the arguments parsed into
a dict, and tool results as ``{"role": "tool", "tool_call_id": ..., "name": ..., "content": ...}``. Every call keeps
an id and its result the same ``tool_call_id``, since parallel calls (two ``get_weather`` calls in one turn) are
ambiguous without them: the run's own id where it has a unique one, else a stable synthetic ``call_<n>`` (the
n-th call of the run), given to the call and to the result paired with it (``integrity.pair_tool_results``). Every
row carries ``tools`` (TRL's trainers pass a row's ``tools`` to the chat template).

Only runs that pass the integrity check (``curator/integrity.py``) become messages: ``chat_messages`` refuses the
others with ``HeldBack``, whoever calls it.

- SFT ``{"messages", "tools"}``: good runs (rejection sampling), and runs a user corrected, with the correction as
  their last answer (lineage ``source = "correction"``).
- DPO ``{"prompt", "chosen", "rejected", "tools"}``: a good and a bad run of the same task and prompt, split at
  the first assistant turn where they differ; or a user's corrected answer against the original final answer.
  A pair is kept only when its two sides differ in substance (``differ_in_substance``): the tool calls made, the
  tool results used, or the final answer's words; two runs that part only in filler ("Let me check that." vs
  "Let me look that up.") teach nothing and are dropped, counted.
- KTO ``{"prompt", "completion", "label", "tools"}``: runs with a thumb.
- Rewards ``{"prompt", "verifier", "tools"}``: runs whose answer a verifier can check (GRPO).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from tracewheel.collector.episode import Episode, Message
from tracewheel.curator.integrity import Integrity, check_integrity, check_messages, pair_tool_results
from tracewheel.curator.label import Label
from tracewheel.curator.versions import DatasetRow

from tracewheel.core.verifiers import SPAN_SAFE_TYPES

ChatMessage = dict[str, Any]


class UnusableEpisode(ValueError):
    """An episode that cannot become training text; ``reason`` is the short category counted in the report."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class HeldBack(UnusableEpisode):
    """A run the integrity check holds back (``curator/integrity.py``); ``integrity`` says every defect found."""

    def __init__(self, episode_id: str, integrity: Integrity) -> None:
        ValueError.__init__(self, f"{episode_id} held back: {integrity.describe()}")
        self.reason = str(integrity.reason)
        self.integrity = integrity


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
    """Cheap checks that run before redaction, so a 5 MB blob never reaches the PII engine: first the integrity
    check (raises ``HeldBack``), then the size and shape of tool results (raises ``UnusableEpisode``)."""
    integrity = check_integrity(episode)
    if integrity.held_back:
        raise HeldBack(episode.episode_id, integrity)
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


def _call_ids(source: list[Message]) -> dict[tuple[int, int], str]:
    """One id per call (``(message index, call index)``): the run's own where it is unique in the run, else
    ``call_<n>`` for the n-th call (skipping ids the run uses), so a row never holds two calls with one id."""
    calls = [(i, k, c.id) for i, m in enumerate(source) for k, c in enumerate(m.tool_calls or [])]
    seen = Counter(cid for _, _, cid in calls if cid)
    taken = set(seen)
    out: dict[tuple[int, int], str] = {}
    for n, (i, k, cid) in enumerate(calls, start=1):
        if cid and seen[cid] == 1:
            out[(i, k)] = cid
            continue
        synthetic, bump = f"call_{n}", n
        while synthetic in taken:
            bump += len(calls)
            synthetic = f"call_{bump}"
        taken.add(synthetic)
        out[(i, k)] = synthetic
    return out


def _chat_messages(episode: Episode) -> list[ChatMessage]:
    integrity = check_integrity(episode)
    if integrity.held_back:
        raise HeldBack(episode.episode_id, integrity)
    out: list[ChatMessage] = []
    source: list[Message] = list(episode.messages)
    ids = _call_ids(source)
    answers = pair_tool_results(source).answers
    if episode.system_instructions and not any(m.role == "system" for m in source):
        out.append({"role": "system", "content": episode.system_instructions})
    for index, m in enumerate(source):
        if m.role == "assistant":
            msg: ChatMessage = {"role": "assistant", "content": m.content or ""}
            if m.tool_calls:
                msg["tool_calls"] = [
                    {
                        "type": "function",
                        "id": ids[(index, k)],
                        "function": {
                            "name": call.function.name,
                            "arguments": _arguments(call.function.arguments, call.function.name),
                        },
                    }
                    for k, call in enumerate(m.tool_calls)
                ]
            out.append(msg)
        elif m.role == "tool":
            # Integrity passed, so every result answers exactly one call: it takes that call's id and name.
            a, k = answers[index]
            call = source[a].tool_calls[k]  # type: ignore[index]  # the pairing only names calls that exist
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": ids[(a, k)],
                    "name": m.name or call.function.name,
                    "content": m.content or "",
                }
            )
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


CORRECTION_SOURCE = "correction"
"""Lineage ``source`` of an SFT row made from a user's corrected answer (what auto-accept rules select on)."""


def corrected_messages(item: Labelled) -> list[ChatMessage] | None:
    """The run with its last assistant turn replaced by the user's corrected answer; None when there is no
    correction or it says what the run already said."""
    if not item.label.corrected_answer:
        return None
    last = max((k for k, m in enumerate(item.messages) if m["role"] == "assistant"), default=None)
    if last is None or item.messages[last].get("content", "") == item.label.corrected_answer:
        return None
    return [*item.messages[:last], {"role": "assistant", "content": item.label.corrected_answer}]


def sft_rows(items: list[Labelled]) -> list[DatasetRow]:
    """Good runs as they went, and corrected runs as the user said they should have gone (the conversation up to
    the last answer, then the correction: SFT from successes and corrections)."""
    rows = [
        DatasetRow(
            "sft",
            {"messages": i.messages, "tools": i.episode.tools},
            _lineage("good outcome: " + "; ".join(i.label.reasons), i),
        )
        for i in items
        if i.label.verdict == "good"
    ]
    for i in items:
        messages = None if i.label.verdict == "good" else corrected_messages(i)
        if messages is None:
            continue
        lineage = _lineage("user-corrected answer as the last turn", i)
        lineage["source"] = CORRECTION_SOURCE
        rows.append(DatasetRow("sft", {"messages": messages, "tools": i.episode.tools}, lineage))
    return rows


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


def _without_ids(message: ChatMessage) -> ChatMessage:
    """A message as compared between runs: call ids are each run's own, not what it did."""
    out = {k: v for k, v in message.items() if k != "tool_call_id"}
    if out.get("tool_calls"):
        out["tool_calls"] = [{k: v for k, v in c.items() if k != "id"} for c in out["tool_calls"]]
    return out


def _split_pair(chosen: list[ChatMessage], rejected: list[ChatMessage]) -> int | None:
    """Index of the assistant turn where the two runs part ways, or None if they never do."""
    first = next(
        (
            k
            for k, (a, b) in enumerate(zip(chosen, rejected, strict=False))
            if _without_ids(a) != _without_ids(b)
        ),
        None,
    )
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


# Words that carry no substance in an agent's reply: acknowledgements and announcements of a tool call. Matched
# on text already case-folded, with punctuation turned into spaces ("I'll" -> "i ll").
_ACTION = r"(?:check|look|see|find|search|verify|confirm|get|fetch|pull|try|think|look into|dig into)"
_OBJECT = r"(?: (?:that|this|it|them|for you|on that|on this|into that|into this|quickly|now|real quick))*"
_FILLER = re.compile(
    r"\b(?:"
    rf"(?:let me|let s|i ll|i will|i am going to|i m going to|i can|allow me to) (?:just )?{_ACTION}{_OBJECT}(?: up)?"
    r"|one moment|just a moment|one second|just a second|hold on|bear with me|give me a moment"
    r"|sure thing|sure|okay|ok|certainly|of course|absolutely|alright|all right|no problem|got it|great question"
    r"|great|happy to help|glad to help|i d be happy to help|here is|here s|here are|thanks|thank you|please"
    r"|a|an|the"
    r")\b"
)
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


def _words(text: str | None, strip_filler: bool) -> tuple[str, ...]:
    """The words of ``text`` compared between runs: case, spacing and punctuation do not count, nor (in prose)
    filler."""
    folded = _PUNCT.sub(" ", unicodedata.normalize("NFKC", text or "").casefold())
    if strip_filler:
        folded = _FILLER.sub(" ", folded)
    return tuple(folded.split())


def _canonical_arguments(arguments: Any) -> str:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return " ".join(_words(arguments, strip_filler=False))
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False)


def substance(completion: list[ChatMessage]) -> tuple[Any, ...]:
    """What a completion does, as DPO compares it: the tool calls it makes (name and arguments, in order), the
    tool results it reads, and the words of its final answer (the last assistant message with text and no tool
    calls) without filler. Text an assistant writes beside its tool calls is filler: runs whose calls are the same
    are told apart by what came back and what they answered, not by how they announced the call."""
    calls = tuple(
        (c.get("function", {}).get("name"), _canonical_arguments(c.get("function", {}).get("arguments")))
        for m in completion
        if m.get("role") == "assistant"
        for c in m.get("tool_calls") or []
    )
    results = tuple(
        _words(m.get("content"), strip_filler=False) for m in completion if m.get("role") == "tool"
    )
    final = next(
        (
            m.get("content")
            for m in reversed(completion)
            if m.get("role") == "assistant" and not m.get("tool_calls") and (m.get("content") or "").strip()
        ),
        None,
    )
    return calls, results, _words(final, strip_filler=True)


def differ_in_substance(chosen: list[ChatMessage], rejected: list[ChatMessage]) -> bool:
    """Whether a DPO pair's sides differ in what they do, not only in filler (see ``substance``)."""
    return substance(chosen) != substance(rejected)


NOT_SUBSTANTIVE = "dpo pair differs only in filler"


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
        if check_messages(messages).held_back:
            # Written before the integrity check (or by hand): a run it would hold back pairs with nothing.
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
    items: list[Labelled],
    max_pairs_per_group: int = 8,
    partners: list[Run] = (),
    dropped: Counter[str] | None = None,
) -> list[DatasetRow]:
    """Pairs of a good and a bad run of one task and prompt (at least one of them from ``items``), and
    corrections; pairs whose sides differ only in filler are left out and counted in ``dropped``."""
    dropped = Counter() if dropped is None else dropped
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
            # The good runs take turns; one that parts from this bad run only in filler gives way to the next.
            pick, filler = None, False
            for k in range(len(options)):
                better = options[(n + k) % len(options)]
                split = _split_pair(better.messages, worse.messages)
                prompt_len = len(split_prompt(better.messages)[0])
                if split is None or split < prompt_len:
                    continue
                if differ_in_substance(better.messages[split:], worse.messages[split:]):
                    pick = better, split
                    break
                filler = True
            if pick is None:
                if filler:
                    dropped[NOT_SUBSTANTIVE] += 1
                continue
            better, split = pick
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
        corrected = [{"role": "assistant", "content": i.label.corrected_answer}]
        if not differ_in_substance(corrected, [i.messages[last]]):
            dropped[NOT_SUBSTANTIVE] += 1
            continue
        rows.append(
            DatasetRow(
                "dpo",
                {
                    "prompt": i.messages[:last],
                    "chosen": corrected,
                    "rejected": [i.messages[last]],
                    "tools": i.episode.tools,
                },
                _lineage("user-corrected answer chosen over the original", i),
            )
        )
    return rows


def derive_rows(
    items: list[Labelled],
    max_pairs_per_group: int = 8,
    partners: list[Run] = (),
    dropped: Counter[str] | None = None,
) -> list[DatasetRow]:
    """All rows of all kinds from one batch of labelled episodes (``partners``: earlier runs DPO may pair with;
    ``dropped`` counts the pairs left out, by reason)."""
    return (
        sft_rows(items)
        + dpo_rows(items, max_pairs_per_group, partners, dropped)
        + kto_rows(items)
        + reward_rows(items)
    )
