"""Episode integrity: whether a run's conversation is whole enough to train on, checked before any row is derived.

A run is *held back* (no SFT, DPO, KTO or reward row, not even a quarantine candidate) when its conversation is
not one a chat template can render as the run happened, or holds content tracewheel could not read:

- it ends on a tool message, or has no final answer: the last assistant message with content and no tool calls,
  after the last user message;
- an assistant tool call has no result, or a tool result answers no call. Results answer the calls of the
  assistant message right before them (the OpenAI chat rule that chat templates assume), matched by
  ``tool_call_id``; where ids are missing, by tool name, then by position, so parallel calls to one tool pair in
  order;
- a turn follows the final answer (an answer shown, then more tool calls: the run was recorded out of order);
- it has no user message, an empty turn (a user or assistant message with neither text nor tool calls), a tool
  result whose content is missing, or anything the collector listed in ``Episode.undecoded``.

An unreadable tool result is the case that matters most: a run whose poisoned tool result was lost would pass
injection screening and look clean, so it never becomes a row at all (issue 11). The same checks run on
conversations read back from earlier dataset versions (``check_messages``), so an old row cannot make a run
look clean either.

Findings name where the defect is (message index, role, tool name, call id), never message content: they are
printed by ``curate`` and ``episodes show`` and listed by ``datasets held-back``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tracewheel.collector.episode import Episode, Message


class Defect(StrEnum):
    """Why a run is held back; the reason code counted by ``curate``. Declared most telling first: a run with
    several defects is counted under the first."""

    UNDECODED = "undecoded content"
    UNREADABLE_TOOL_RESULT = "unreadable tool result"
    NO_USER = "no user message"
    ENDS_ON_TOOL = "ends on a tool message"
    CALL_WITHOUT_RESULT = "tool call without result"
    RESULT_WITHOUT_CALL = "tool result without call"
    AFTER_FINAL_ANSWER = "turn after the final answer"
    EMPTY_TURN = "empty turn"
    NO_FINAL_ANSWER = "no final answer"


_PRIORITY = {d: n for n, d in enumerate(Defect)}
_MAX_DETAIL = 200  # characters of a collector's undecoded reason kept in a finding


@dataclass(frozen=True)
class Finding:
    defect: Defect
    detail: str
    message_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"defect": str(self.defect), "detail": self.detail, "message_index": self.message_index}


@dataclass(frozen=True)
class Integrity:
    """The verdict on one conversation: held back when there is any finding."""

    findings: tuple[Finding, ...] = ()

    @property
    def held_back(self) -> bool:
        return bool(self.findings)

    @property
    def reason(self) -> Defect | None:
        """The reason the run is counted under (the first defect in ``Defect``'s order)."""
        return min((f.defect for f in self.findings), key=_PRIORITY.__getitem__, default=None)

    def describe(self) -> str:
        return "; ".join(f"{f.defect}: {f.detail}" for f in self.findings) or "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "held_back": self.held_back,
            "reason": str(self.reason) if self.reason else None,
            "findings": [f.to_dict() for f in self.findings],
        }


# --- one view of a message, from an Episode's Message or from a chat-template dict read back from a row ---------


@dataclass(frozen=True)
class _Call:
    id: str | None
    name: str


@dataclass(frozen=True)
class _Msg:
    role: str
    content: str | None
    calls: tuple[_Call, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


def _of_message(m: Message) -> _Msg:
    calls = tuple(_Call(c.id or None, c.function.name) for c in m.tool_calls or [])
    return _Msg(m.role, m.content, calls, m.tool_call_id or None, m.name or None)


def _of_dict(m: Mapping[str, Any]) -> _Msg:
    calls = tuple(
        _Call(c.get("id") or None, str((c.get("function") or {}).get("name") or ""))
        for c in m.get("tool_calls") or []
    )
    content = m.get("content")
    return _Msg(
        str(m.get("role")),
        content if isinstance(content, str) else None,
        calls,
        m.get("tool_call_id") or None,
        m.get("name") or None,
    )


# --- pairing tool results with the calls they answer --------------------------------------------------------------


@dataclass
class Pairing:
    """Which call each tool result answers: ``answers[tool message index] = (assistant index, call index)``."""

    answers: dict[int, tuple[int, int]] = field(default_factory=dict)
    unanswered: list[tuple[int, int]] = field(default_factory=list)
    orphans: list[int] = field(default_factory=list)


def _pair(messages: Sequence[_Msg]) -> Pairing:
    out = Pairing()
    # A result naming a call of another turn is misplaced; one naming no call of the run at all carries an id the
    # framework made up on its own side (a converted or regenerated id), and pairs like a result without one.
    known_ids = {c.id for m in messages if m.role == "assistant" for c in m.calls if c.id}
    i = 0
    while i < len(messages):
        m = messages[i]
        if m.role == "tool":  # a result with no assistant tool-call turn right before it
            out.orphans.append(i)
            i += 1
            continue
        if m.role != "assistant" or not m.calls:
            i += 1
            continue
        block = i + 1
        end = block
        while end < len(messages) and messages[end].role == "tool":
            end += 1
        open_calls = list(range(len(m.calls)))
        leftover: list[int] = []
        # By id first, so a result without an id cannot take the call a later result names.
        for t in range(block, end):
            tid = messages[t].tool_call_id
            match = next((k for k in open_calls if tid and m.calls[k].id == tid), None)
            if match is not None:
                out.answers[t] = (i, match)
                open_calls.remove(match)
            elif tid in known_ids:
                out.orphans.append(t)  # names a call another turn made (or one already answered)
            else:
                leftover.append(t)
        names = {c.name for c in m.calls}
        for t in leftover:
            # Where ids are missing: the first open call of the same tool; a result without a name, or with a name
            # no call of the turn has (a framework's display name), takes the first open call.
            name = messages[t].name if messages[t].name in names else None
            match = next((k for k in open_calls if name is None or m.calls[k].name == name), None)
            if match is None:
                out.orphans.append(t)
            else:
                out.answers[t] = (i, match)
                open_calls.remove(match)
        out.unanswered.extend((i, k) for k in open_calls)
        i = end
    out.orphans.sort()
    return out


def pair_tool_results(messages: Sequence[Message]) -> Pairing:
    """The pairing of an episode's tool results with its calls (``derive`` gives each pair one id from it)."""
    return _pair([_of_message(m) for m in messages])


def _final_answer_index(messages: Sequence[_Msg]) -> int | None:
    return next(
        (
            i
            for i in range(len(messages) - 1, -1, -1)
            if messages[i].role == "assistant"
            and not messages[i].calls
            and (messages[i].content or "").strip()
        ),
        None,
    )


def _where(messages: Sequence[_Msg], index: int) -> str:
    m = messages[index]
    what = f"message {index} ({m.role}"
    if m.role == "tool":
        what += f" {m.name or '?'}" + (f", call {m.tool_call_id}" if m.tool_call_id else "")
    return what + ")"


def _check(messages: Sequence[_Msg], undecoded: Iterable[str] = ()) -> Integrity:
    found: list[Finding] = []

    def add(defect: Defect, detail: str, index: int | None = None) -> None:
        found.append(Finding(defect, detail, index))

    for reason in undecoded:
        text = " ".join(str(reason).split())
        add(Defect.UNDECODED, text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…")
    for i, m in enumerate(messages):
        if m.role == "tool" and m.content is None:
            add(Defect.UNREADABLE_TOOL_RESULT, f"{_where(messages, i)} has no readable content", i)
        elif m.role in ("user", "assistant") and not (m.content or "").strip() and not m.calls:
            add(Defect.EMPTY_TURN, f"{_where(messages, i)} has neither text nor tool calls", i)
    users = [i for i, m in enumerate(messages) if m.role == "user" and (m.content or "").strip()]
    if not users:
        add(Defect.NO_USER, "the conversation has no user message with text")
    if messages and messages[-1].role == "tool":
        add(
            Defect.ENDS_ON_TOOL,
            f"the last message is {_where(messages, len(messages) - 1)}",
            len(messages) - 1,
        )
    pairing = _pair(messages)
    for a, k in pairing.unanswered:
        call = messages[a].calls[k]
        add(
            Defect.CALL_WITHOUT_RESULT,
            f"message {a} calls {call.name or '?'}"
            + (f" (id {call.id})" if call.id else "")
            + " with no result",
            a,
        )
    for t in pairing.orphans:
        add(Defect.RESULT_WITHOUT_CALL, f"{_where(messages, t)} answers no call of the turn before it", t)
    final = _final_answer_index(messages)
    last_user = users[-1] if users else None
    if final is None or (last_user is not None and final < last_user):
        add(
            Defect.NO_FINAL_ANSWER,
            "no assistant message with text and no tool calls after the last user message",
        )
    if final is not None and (last_user is None or final > last_user):
        for i in range(final + 1, len(messages)):
            if messages[i].role in ("assistant", "system"):
                add(
                    Defect.AFTER_FINAL_ANSWER,
                    f"{_where(messages, i)} follows the final answer (message {final})",
                    i,
                )
    return Integrity(tuple(found))


def check_integrity(episode: Episode) -> Integrity:
    """The verdict on an episode as the collector built it (run before redaction: nothing here reads content)."""
    return _check([_of_message(m) for m in episode.messages], episode.undecoded)


def check_messages(messages: Sequence[Mapping[str, Any]]) -> Integrity:
    """The same verdict on chat-template messages (a row's ``messages``, or ``prompt + completion``)."""
    return _check([_of_dict(m) for m in messages])


@dataclass(frozen=True)
class HeldBackRun:
    """A run the integrity check holds back, as ``datasets held-back`` lists it."""

    tenant: str
    trace_id: str
    last_received_at: datetime | None
    integrity: Integrity

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "trace_id": self.trace_id,
            "last_received_at": self.last_received_at.isoformat() if self.last_received_at else None,
            **self.integrity.to_dict(),
        }


def held_back_runs(episodes: Iterable[Episode]) -> list[HeldBackRun]:
    """The runs among ``episodes`` that curation holds back, with why."""
    out = []
    for episode in episodes:
        verdict = check_integrity(episode)
        if verdict.held_back:
            out.append(
                HeldBackRun(
                    episode.tenant,
                    episode.trace_id,
                    episode.last_received_at or episode.ended_at,
                    verdict,
                )
            )
    return out
