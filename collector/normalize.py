"""Spans (+ log records + feedback rows) of one trace -> one ``Episode`` (docs/02-collector.md).

Three passes:

1. ``read_step``: each span becomes a ``Step``; the family readers (``normalize_otel``, ``normalize_openllmetry``,
   ``normalize_openinference``) each fill what they recognise, current OTel first. Log records join their span by
   span id (the ``gen_ai.client.inference.operation.details`` record, deprecated per-message events).
2. Steps are ordered by start time, then depth (a parent before the child that starts with it).
3. ``_conversation`` merges every model call's input + output and every tool span's result into one transcript,
   matching messages already there (tool results by call id, tool calls by id) so history repeated in each chat
   span's input appears once.

``normalize_trace`` never raises on bad data: a reader that fails is logged and skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tracewheel.collector import (
    normalize_frameworks,
    normalize_openinference,
    normalize_openllmetry,
    normalize_otel,
)
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import Episode, Feedback, FunctionCall, Message, ToolCall, Usage
from tracewheel.collector.normalize_common import Step, as_int, as_str, coalesce_calls, json_text, load_json

logger = logging.getLogger(__name__)

Row = Mapping[str, Any]
_SPAN_READERS = (
    normalize_otel.read_attributes,
    normalize_openllmetry.read_attributes,
    normalize_openinference.read_attributes,
)


def to_datetime(unix_nano: int | None) -> datetime:
    return datetime.fromtimestamp((unix_nano or 0) / 1e9, tz=UTC)


def decoded(value: Any, default: Any) -> Any:
    """A JSON-text column (or an already-decoded value) as its value; ``default`` when unreadable."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            logger.warning("malformed JSON column; ignored: %.80r", value)
            return default
    return value if isinstance(value, type(default)) else default


def _body(value: Any) -> Any:
    """A log body column: JSON text of any value (``"null"`` when absent)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _safely(what: str, span_id: str, fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - one bad attribute must not cost the episode
        logger.warning("normalize: %s failed on span %s; skipped", what, span_id, exc_info=True)


def read_step(span: Row, logs: Iterable[Row] = ()) -> Step:
    """One span (and the log records that name it) as a ``Step``."""
    span_id = str(span.get("span_id") or "")
    start = as_int(span.get("start_time_unix_nano")) or 0
    step = Step(
        span_id=span_id,
        parent_span_id=as_str(span.get("parent_span_id")),
        name=str(span.get("name") or ""),
        start_ns=start,
        end_ns=max(as_int(span.get("end_time_unix_nano")) or start, start),
        service=as_str(span.get("service_name")),
        status_code=as_int(span.get("status_code")) or 0,
        status_message=str(span.get("status_message") or ""),
        received_ns=as_int(span.get("received_at_unix_nano")) or 0,
        span_kind=as_int(span.get("kind")) or 0,
    )
    attrs = decoded(span.get("attributes"), {})
    events = decoded(span.get("events"), [])
    for reader in _SPAN_READERS:
        _safely(reader.__module__, span_id, reader, attrs, step)
    for event in events:
        # The details event as a span event rather than a log record (emitters differ).
        if isinstance(event, dict) and event.get("name") == sc.INFERENCE_DETAILS_EVENT:
            details = event.get("attributes") if isinstance(event.get("attributes"), dict) else {}
            _safely("details span event", span_id, normalize_otel.read_details_record, details, None, step)
    old_events = [
        (e.get("name"), normalize_otel.span_event_body(e))
        for e in events
        if isinstance(e, dict) and e.get("name") in normalize_otel.DEPRECATED_EVENTS
    ]
    log_events: list[tuple[str, Any]] = []
    for record in sorted(logs, key=lambda r: as_int(r.get("time_unix_nano")) or 0):
        name = record.get("event_name")
        body = _body(record.get("body"))
        if name == sc.INFERENCE_DETAILS_EVENT:
            _safely(
                "details log record",
                span_id,
                normalize_otel.read_details_record,
                decoded(record.get("attributes"), {}),
                body,
                step,
            )
        elif name in normalize_otel.DEPRECATED_EVENTS:
            log_events.append((name, body))
    if old_events or log_events:
        _safely("deprecated events", span_id, normalize_otel.read_events, old_events + log_events, step)
    step.input_messages = coalesce_calls(step.input_messages)
    step.output_messages = coalesce_calls(step.output_messages)
    step.fill("finish_reasons", [m.finish_reason for m in step.output_messages or [] if m.finish_reason])
    step.fill("task", as_str(attrs.get(sc.TRACEWHEEL_TASK)))
    step.fill("expected", json_text(attrs.get(sc.TRACEWHEEL_EXPECTED)))
    step.fill("adapter", as_str(attrs.get(sc.TRACEWHEEL_ADAPTER)))
    step.error = _error_of(step, attrs, events)
    if step.kind is None:
        step.kind = "llm" if (step.input_messages or step.output_messages) else "other"
    return step


def _error_of(step: Step, attrs: dict[str, Any], events: list[Any]) -> str | None:
    exceptions = [
        as_str((e.get("attributes") or {}).get(sc.EXCEPTION_MESSAGE))
        or as_str((e.get("attributes") or {}).get(sc.EXCEPTION_TYPE))
        for e in events
        if isinstance(e, dict)
        and e.get("name") == sc.EXCEPTION_EVENT
        and isinstance(e.get("attributes"), dict)
    ]
    error_type = as_str(attrs.get(sc.ERROR_TYPE))
    if step.status_code != 2 and not error_type:
        return None
    detail = step.status_message or next((x for x in exceptions if x), None) or error_type or "error"
    what = f"tool {step.tool_name or step.name}" if step.kind == "tool" else step.name
    return f"{what}: {detail}"


# --- assembling ------------------------------------------------------------------------------------------------


def _depth(step: Step, by_id: dict[str, Step]) -> int:
    seen, d, parent = set(), 0, step.parent_span_id
    while parent in by_id and parent not in seen:
        seen.add(parent)
        d += 1
        parent = by_id[parent].parent_span_id
    return d


def _ordered(steps: list[Step], by_id: dict[str, Step]) -> list[Step]:
    return sorted(steps, key=lambda s: (s.start_ns, _depth(s, by_id), s.end_ns, s.span_id))


def _has_llm_ancestor(step: Step, by_id: dict[str, Step]) -> bool:
    seen, parent = set(), step.parent_span_id
    while parent in by_id and parent not in seen:
        seen.add(parent)
        if by_id[parent].kind == "llm":
            return True
        parent = by_id[parent].parent_span_id
    return False


def _is_ancestor(ancestor: Step, step: Step, by_id: dict[str, Step]) -> bool:
    seen, parent = set(), step.parent_span_id
    while parent in by_id and parent not in seen:
        if parent == ancestor.span_id:
            return True
        seen.add(parent)
        parent = by_id[parent].parent_span_id
    return False


def _canonical_args(arguments: str) -> str:
    loaded = load_json(arguments)
    return json.dumps(loaded, sort_keys=True) if not isinstance(loaded, str) else arguments.strip()


def message_key(message: Message) -> tuple[Any, ...]:
    """What makes two messages the same turn, across spans and families."""
    if message.role == "tool" and message.tool_call_id:
        return ("tool", message.tool_call_id)
    if message.tool_calls:
        return ("assistant-calls",) + tuple(
            tc.id or f"{tc.function.name}({_canonical_args(tc.function.arguments)})"
            for tc in message.tool_calls
        )
    return (message.role, " ".join((message.content or "").split()))


def merge_messages(transcript: list[Message], incoming: list[Message], new_from: int | None = None) -> None:
    """Merge ``incoming`` (one call's history + output, in order) into ``transcript`` in place.

    Messages already present are matched in order (and fill what the transcript lacked); new ones go right after
    the last match, or at the end when nothing matched (a fresh context). Messages from index ``new_from`` on
    (a call's output) that are not there yet go at the end: they came after everything already recorded, even
    when the call's recorded input is only part of the history.
    """
    position: int | None = None
    for index, message in enumerate(incoming):
        key = message_key(message)
        # Matched after the last match (text repeats, and some servers reuse call ids turn after turn); a tool
        # result is also looked for back to its turn's calls, since parallel results are recorded in any order.
        start = 0 if position is None else position
        found = next((i for i in range(start, len(transcript)) if message_key(transcript[i]) == key), None)
        if found is None and position is not None and key[0] == "tool":
            anchor = next((i for i in range(position - 1, -1, -1) if transcript[i].tool_calls), 0)
            found = next((i for i in range(anchor, position) if message_key(transcript[i]) == key), None)
        if found is None and message.tool_calls:
            # The same turn under other ids (one instrumentation records a Responses item's id in the history
            # and its call_id in the output): the same calls, in order, after the last match.
            sig = _calls_signature(message)
            after = 0 if position is None else position
            found = next(
                (i for i in range(after, len(transcript)) if _calls_signature(transcript[i]) == sig), None
            )
        if found is None:
            newest = new_from is not None and index >= new_from
            at = len(transcript) if position is None or newest else position
            transcript.insert(at, message)
            position = at + 1
            continue
        present = transcript[found]
        updates = {
            f: getattr(message, f)
            for f in ("content", "name", "finish_reason")
            if getattr(present, f) is None and getattr(message, f) is not None
        }
        if updates:
            transcript[found] = present.model_copy(update=updates)
        position = max(position or 0, found + 1)


def _calls_signature(message: Message) -> tuple[tuple[str, str], ...] | None:
    if not message.tool_calls:
        return None
    return tuple((c.function.name, _canonical_args(c.function.arguments)) for c in message.tool_calls)


def _results_in_call_order(transcript: list[Message]) -> None:
    """The tool results right after an assistant turn, in the order of its calls (parallel tools finish, and are
    recorded, in any order; the model is sent them in call order)."""
    i = 0
    while i < len(transcript):
        calls = [c.id for c in transcript[i].tool_calls or []]
        j = i + 1
        while j < len(transcript) and transcript[j].role == "tool":
            j += 1
        if len(calls) > 1 and j - i > 2:
            rank = {cid: n for n, cid in enumerate(calls) if cid}
            block = transcript[i + 1 : j]
            transcript[i + 1 : j] = sorted(block, key=lambda m: rank.get(m.tool_call_id or "", len(rank)))
        i = j if j > i + 1 else i + 1


def _same_arguments(call: ToolCall, arguments: str | None) -> bool:
    """Whether a tool span's recorded arguments are this call's (as JSON, or the one value some record)."""
    if arguments is None:
        return False
    if _canonical_args(call.function.arguments) == _canonical_args(arguments):
        return True
    loaded = load_json(call.function.arguments)
    values = list(loaded.values()) if isinstance(loaded, dict) else []
    return len(values) == 1 and str(values[0]) == arguments.strip()


def _tool_messages(step: Step, transcript: list[Message], known: list[Message]) -> list[Message]:
    """A tool step's result as a ``tool`` message, answering the call it belongs to.

    The call is found by id; failing that (frameworks often mint their own ids, or record none), an unanswered
    call to the same tool lends its id: the one with the same arguments, else the earliest (tools run in the
    order they were called), so the next chat's copy of the result matches. When no model call recorded the
    call at all (content captured on tool spans only), the call itself is restored from the tool span.
    """
    calls = [c for m in transcript for c in m.tool_calls or []]
    call_id = step.tool_call_id
    if call_id is None or not any(c.id == call_id for c in calls):
        answered = {m.tool_call_id for m in transcript if m.role == "tool"}
        open_calls = [c for c in calls if c.function.name == step.tool_name and c.id and c.id not in answered]
        if open_calls:
            matching = [c for c in open_calls if _same_arguments(c, step.tool_arguments)]
            call_id = (matching or open_calls)[0].id
        elif (recorded := _recorded_call(step, known)) is not None:
            # A later model call's input holds the turn that made this call (the model's own output was not
            # recorded): that whole turn goes in, ids and all, so the later copy matches it.
            message, call = recorded
            return [message.model_copy(update={"span_id": step.span_id}), _tool_result(step, call.id)]
        elif step.tool_name:
            restored = Message(
                role="assistant",
                tool_calls=[
                    ToolCall(
                        id=call_id,
                        function=FunctionCall(name=step.tool_name, arguments=step.tool_arguments or "{}"),
                    )
                ],
                span_id=step.span_id,
            )
            return [restored, _tool_result(step, call_id)]
    return [_tool_result(step, call_id)]


def _recorded_call(step: Step, known: list[Message]) -> tuple[Message, ToolCall] | None:
    """The assistant turn (from any model call's messages) holding this tool step's call: by id, else by name
    and arguments."""
    for message in known:
        for call in message.tool_calls or []:
            if step.tool_call_id and call.id == step.tool_call_id:
                return message, call
    for message in known:
        for call in message.tool_calls or []:
            if call.function.name == step.tool_name and _same_arguments(call, step.tool_arguments):
                return message, call
    return None


def _place_result(transcript: list[Message], result: Message) -> None:
    """A tool span's result, in the block of results right after the latest turn that made its call (ids can
    repeat across turns); filling the copy already there (from a later call's input) if there is one."""
    call_id = result.tool_call_id
    turn = max(
        (i for i, m in enumerate(transcript) if call_id and any(c.id == call_id for c in m.tool_calls or [])),
        default=None,
    )
    if turn is None:
        merge_messages(transcript, [result])
        return
    at = turn + 1
    while at < len(transcript) and transcript[at].role == "tool":
        present = transcript[at]
        if present.tool_call_id == call_id:
            updates = {f: getattr(result, f) for f in ("content", "name") if getattr(present, f) is None}
            transcript[at] = present.model_copy(update={k: v for k, v in updates.items() if v is not None})
            return
        at += 1
    transcript.insert(at, result)


def _tool_result(step: Step, call_id: str | None) -> Message:
    return Message(
        role="tool", content=step.tool_result, tool_call_id=call_id, name=step.tool_name, span_id=step.span_id
    )


def _conversation(ordered: list[Step], by_id: dict[str, Step]) -> list[Message]:
    transcript: list[Message] = []
    known = [
        m
        for s in ordered
        if s.kind == "llm"
        for m in (s.input_messages or []) + (s.output_messages or [])
        if m.tool_calls
    ]
    for step in ordered:
        if step.kind == "llm":
            inputs = step.input_messages or []
            merge_messages(transcript, inputs + (step.output_messages or []), new_from=len(inputs))
        elif step.kind == "tool" and (step.tool_name or step.tool_call_id):
            produced = _tool_messages(step, transcript, known)
            if len(produced) == 1:
                _place_result(transcript, produced[0])
            else:
                merge_messages(transcript, produced)
    _results_in_call_order(transcript)
    agents = sorted((s for s in ordered if s.kind == "agent"), key=lambda s: _depth(s, by_id))
    # An agent span's own input/output only stands in for what no model call recorded (content capture is often
    # on at the agent level only); merged blindly, its output would land before the steps that produced it.
    if not any(m.role == "user" for m in transcript):
        for agent in agents:
            if agent.input_messages:
                merged = list(agent.input_messages)
                merge_messages(merged, transcript)
                transcript[:] = merged
                break
    last = transcript[-1] if transcript else None
    if last is None or last.role != "assistant" or last.tool_calls:
        for agent in agents:
            if agent.output_messages:
                merge_messages(transcript, agent.output_messages)
                break
    return transcript


def _first(values: Iterable[Any]) -> Any:
    return next((v for v in values if v), None)


# Names frameworks give their graph nodes, workflows and wrapper spans: never an agent's name. (LangGraph's
# prebuilt nodes and default graph name, the OpenAI Agents SDK's trace name, generic span names.)
_NOT_AGENT_NAMES = frozenset(
    {
        "agent",
        "agents",
        "tools",
        "tool",
        "model",
        "call_model",
        "langgraph",
        "graph",
        "chain",
        "runnablesequence",
        "agent workflow",
        "workflow",
        "agent run",
        "agent_run",
        "invoke_agent",
        "run",
        "__start__",
        "__end__",
        "openai agent",  # opentelemetry-instrumentation-openai-agents-v2's placeholder on non-agent spans
    }
)


def _named(value: str | None) -> str | None:
    if not value or value.strip().lower() in _NOT_AGENT_NAMES:
        return None
    return value.strip()


def agent_name(ordered: list[Step]) -> str | None:
    """The run's agent: the first name an agent span states (``gen_ai.agent.name``, ``agent.name``), else one any
    span states, else the first AGENT span / graph node name that is not a framework's generic name; else
    ``None``, since a node name ("agent", "tools") would group unrelated agents' runs together."""
    agents = [s for s in ordered if s.kind == "agent"]
    return (
        _first(_named(s.agent_name) for s in agents)
        or _first(_named(s.agent_name) for s in ordered)
        or _first(_named(s.agent_label) for s in ordered)
    )


_OTLP_SERVER = 2  # OTLP SpanKind of a server's own span (tracewheel's serving side)


def _undecoded(ordered: list[Step], messages: list[Message]) -> list[str]:
    """What the run holds that could not be read: each span's own findings, and every tool result the
    transcript still lacks (with the reason a span gave for it, when one did)."""
    reasons: dict[str, str] = {}
    for step in ordered:
        for call_id, reason in step.unread_results.items():
            reasons.setdefault(call_id, reason)
    found = [reason for step in ordered for reason in step.undecoded]
    llm = [s for s in ordered if s.kind == "llm" and s.span_kind != _OTLP_SERVER]
    if llm and llm[-1].input_messages and not llm[-1].output_messages and not llm[-1].error:
        # Content was captured, yet the run's last model call kept no output: its answer is lost, not absent.
        found.append(f"the last model call ({llm[-1].name!r}) recorded its input but not its output")
    for m in messages:
        if m.role == "tool" and m.content is None:
            found.append(
                reasons.get(m.tool_call_id or "")
                or f"tool result of call {m.tool_call_id or '?'} ({m.name or 'unnamed tool'}) was not recorded"
            )
    return list(dict.fromkeys(found))


def _feedback(rows: Iterable[Row]) -> list[Feedback]:
    out = []
    for row in rows:
        try:
            score = row.get("score")
            out.append(
                Feedback(
                    score=float(score) if score is not None else None,
                    thumb=row.get("thumb") if row.get("thumb") in ("up", "down") else None,
                    comment=as_str(row.get("comment")),
                    corrected_answer=as_str(row.get("corrected_answer")),
                    received_at=to_datetime(as_int(row.get("received_at_unix_nano"))),
                )
            )
        except (TypeError, ValueError):
            logger.warning("normalize: unreadable feedback row for trace %s; skipped", row.get("trace_id"))
    return sorted(out, key=lambda f: f.received_at)


def normalize_trace(
    spans: Iterable[Row], logs: Iterable[Row] = (), feedback: Iterable[Row] = (), tenant: str | None = None
) -> Episode | None:
    """The episode of one trace, or ``None`` when there is no span to build it from.

    ``spans``/``logs``/``feedback`` are storage rows (JSON columns as text or already decoded), in any order and
    possibly duplicated (a span both flushed and still in the WAL): the latest received copy of a span wins.
    """
    latest: dict[str, Row] = {}
    for row in spans:
        sid = str(row.get("span_id") or "")
        if sid and (
            sid not in latest
            or (as_int(row.get("received_at_unix_nano")) or 0)
            >= (as_int(latest[sid].get("received_at_unix_nano")) or 0)
        ):
            latest[sid] = row
    if not latest:
        return None
    rows = list(latest.values())
    logs = list(logs)
    feedback = list(feedback)
    try:
        return _assemble(rows, logs, feedback, tenant)
    except Exception:  # noqa: BLE001 - a best-effort episode beats losing the run
        logger.exception(
            "normalize: could not assemble trace %s; keeping only its identity", rows[0].get("trace_id")
        )
        starts = [as_int(r.get("start_time_unix_nano")) or 0 for r in rows]
        ends = [as_int(r.get("end_time_unix_nano")) or 0 for r in rows]
        trace_id = str(rows[0].get("trace_id") or "")
        return Episode(
            episode_id=trace_id,
            trace_id=trace_id,
            tenant=tenant or as_str(rows[0].get("tenant")) or "",
            started_at=to_datetime(min(starts)),
            ended_at=to_datetime(max(starts + ends)),
            span_count=len(rows),
        )


def _assemble(rows: list[Row], logs: list[Row], feedback: list[Row], tenant: str | None) -> Episode:
    logs_by_span: dict[str, list[Row]] = {}
    for record in logs:
        if record.get("span_id"):
            logs_by_span.setdefault(str(record["span_id"]), []).append(record)
    steps = [read_step(row, logs_by_span.get(str(row.get("span_id")), [])) for row in rows]
    normalize_frameworks.adjust_steps(rows, steps)  # framework shapes the families do not cover
    by_id = {s.span_id: s for s in steps}
    ordered = _ordered(steps, by_id)
    trace_id = str(rows[0].get("trace_id") or "")
    tenant = tenant or as_str(rows[0].get("tenant")) or ""

    messages = _conversation(ordered, by_id)
    llm_steps = [s for s in ordered if s.kind == "llm"]
    top_llm = [s for s in llm_steps if not _has_llm_ancestor(s, by_id)]
    agents = [s for s in ordered if s.kind == "agent"]
    system = _first(s.system_instructions for s in llm_steps) or _first(s.system_instructions for s in agents)
    if system:
        messages.insert(0, Message(role="system", content=system))

    # A model call may be told twice: the agent's client span and, below it, the serving side's SERVER span.
    # It counts once; what the client span lacks (tokens, finish reasons) the nested span supplies.
    nested: dict[str, list[Step]] = {}
    for step in llm_steps:
        if step not in top_llm:
            top = next((t for t in top_llm if _is_ancestor(t, step, by_id)), None)
            if top is not None:
                nested.setdefault(top.span_id, []).append(step)

    def told(step: Step, field: str) -> Any:
        value = getattr(step, field)
        return value or _first(getattr(n, field) for n in nested.get(step.span_id, []))

    usage = Usage(
        input_tokens=sum(told(s, "input_tokens") or 0 for s in top_llm),
        output_tokens=sum(told(s, "output_tokens") or 0 for s in top_llm),
    )
    if usage.input_tokens == 0 and usage.output_tokens == 0:
        # No model call reported usage: an agent span's total is the next best (and is never added on top).
        root = _first(s for s in agents if s.input_tokens or s.output_tokens)
        if root is not None:
            usage = Usage(input_tokens=root.input_tokens or 0, output_tokens=root.output_tokens or 0)

    tools: dict[str, dict[str, Any]] = {}
    for step in llm_steps + agents:
        for definition in step.tools:
            tools.setdefault(definition["function"]["name"], definition)

    last_model_step = llm_steps[-1] if llm_steps else None
    model = None
    if last_model_step is not None:
        model = last_model_step.response_model or last_model_step.request_model
    model = model or _first(s.response_model or s.request_model for s in reversed(ordered))

    errors = [s.error for s in ordered if s.error]
    undecoded = _undecoded(ordered, messages)
    failed = any(s.error for s in ordered if s.kind != "tool")
    final = messages[-1] if messages else None
    final_answer = final.content if final and final.role == "assistant" and not final.tool_calls else None
    received = [s.received_ns for s in steps]
    received += [as_int(r.get("received_at_unix_nano")) or 0 for r in logs]
    received += [as_int(r.get("received_at_unix_nano")) or 0 for r in feedback]

    return Episode(
        episode_id=trace_id,
        tenant=tenant,
        trace_id=trace_id,
        started_at=to_datetime(min(s.start_ns for s in steps)),
        ended_at=to_datetime(max(s.end_ns for s in steps)),
        conversation_id=_first(s.conversation_id for s in ordered),
        agent_name=agent_name(ordered),
        services=sorted({s.service for s in steps if s.service}),
        system_instructions=system,
        user_task=_first(m.content for m in messages if m.role == "user"),
        messages=messages,
        final_answer=final_answer,
        tools=list(tools.values()),
        model=model,
        provider=_first(s.provider for s in reversed(llm_steps)) or _first(s.provider for s in ordered),
        usage=usage,
        task=_first(s.task for s in ordered),
        expected=_first(s.expected for s in ordered),
        adapter=_first(s.adapter for s in reversed(llm_steps)) or _first(s.adapter for s in ordered),
        status="error" if failed else "ok",
        errors=errors,
        finish_reasons=[r for s in top_llm for r in told(s, "finish_reasons") or []],
        undecoded=undecoded,
        feedback=_feedback(feedback),
        span_count=len(steps),
        last_received_at=to_datetime(max(received)) if any(received) else None,
    )
