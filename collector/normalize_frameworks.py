"""What agent frameworks put in their spans beyond the convention families, read after the family readers
(``normalize.read_step``) and before the transcript is assembled (docs/08-frameworks.md).

``adjust_steps`` runs on every trace. Shape-based fixes apply wherever the shape appears (Converse content blocks,
framework objects around tool results, tool spans that carry no call id); framework fixes apply when a span's
instrumentation scope names the framework:

* **smolagents** (OpenInference): the model is shown its tool calls and results as text, under smolagents' own
  roles ``tool-call`` (``Calling tools:\\n[...]``) and ``tool-response`` (``Observation:\\n...``); a run ends with a
  call to the ``final_answer`` tool, whose argument is the answer. The agent span is named ``<agent>.run``.
* **LlamaIndex** (OpenInference): the agent's name is only in the workflow events' text
  (``current_agent_name='...'``).
* **Google ADK**: a tool that returns a non-dict is recorded (and, through LiteLLM, sent) as ``{"result": value}``;
  parallel results may be merged into one ``(merged tools)`` span.
* **Strands Agents**: each event-loop cycle repeats its model call's messages on a span of its own.

Never raises on bad data: a fix that fails is logged and skipped, as in ``normalize``.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from tracewheel.collector import normalize_common as common
from tracewheel.collector import semconv as sc
from tracewheel.collector.episode import FunctionCall, Message, ToolCall
from tracewheel.collector.unwrap_frameworks import (
    Unreadable,
    call_arguments,
    converse_blocks,
    expand_converse,
    expand_gemini,
    gemini_content,
    gemini_messages,
    tool_output_text,
)

logger = logging.getLogger(__name__)

Row = Mapping[str, Any]

SMOLAGENTS_SCOPE: Final = "openinference.instrumentation.smolagents"
LLAMA_INDEX_SCOPE: Final = "openinference.instrumentation.llama_index"
ADK_SCOPES: Final = ("gcp.vertex.agent", "google.adk")
STRANDS_SCOPES: Final = ("strands.telemetry",)
SMOL_TOOL_CALL_ROLE: Final = "tool-call"
SMOL_TOOL_RESPONSE_ROLE: Final = "tool-response"
SMOL_FINAL_ANSWER: Final = "final_answer"
SMOL_PYTHON: Final = "python_interpreter"
ADK_MERGED_TOOLS: Final = "(merged tools)"
STRANDS_CYCLE_OP: Final = "execute_event_loop_cycle"
_CALLING_TOOLS = re.compile(r"^\s*Calling tools:\s*\n", re.S)
_CALL_ID = re.compile(r"^\s*Call id:\s*(\S+)\s*\n")
_OBSERVATION = re.compile(r"^\s*Observation:\s*\n?")
_CODE_BLOCK = re.compile(r"<code>\s*\n?(.*?)\n?\s*</code>|```(?:py|python)?[ \t]*\n(.*?)\n\s*```", re.S)
_NEW_TASK = re.compile(r"^New task:\s*\n")
_LLAMA_AGENT = re.compile(r"current_agent_name='([^'\\]+)'")


def _attrs(row: Row) -> dict[str, Any]:
    value = common.load_json(row.get("attributes"))
    return value if isinstance(value, dict) else {}


def _problems(step: common.Step) -> list[str]:
    """Where this step's undecodable content is reported (``Episode.undecoded``)."""
    sink = getattr(step, "undecoded", None)
    return sink if isinstance(sink, list) else []


def _safely(what: str, fn: Callable[..., None], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 - one framework fix must not cost the episode
        logger.warning("normalize: framework fix %s failed; skipped", what, exc_info=True)


def adjust_steps(rows: Sequence[Row], steps: Sequence[common.Step]) -> None:
    """Apply the shape and framework fixes to ``steps`` (read from ``rows``, same order) in place."""
    scopes = {str(r.get("scope_name") or "") for r in rows}
    framework = any(
        s.startswith((SMOLAGENTS_SCOPE, LLAMA_INDEX_SCOPE, *ADK_SCOPES, *STRANDS_SCOPES)) for s in scopes
    )
    # Attributes are decoded again only for a framework's trace (read_step has its own copy).
    attrs = {str(r.get("span_id") or ""): _attrs(r) for r in rows} if framework else {}
    _safely("converse", _converse, steps)
    _safely("tool outputs", _tool_outputs, steps)
    if any(s.startswith(SMOLAGENTS_SCOPE) for s in scopes):
        _safely("smolagents", _smolagents, steps, attrs)
    if any(s.startswith(LLAMA_INDEX_SCOPE) for s in scopes):
        _safely("llama-index", _llama_index, steps, attrs)
    if any(s.startswith(ADK_SCOPES) for s in scopes):
        _safely("google-adk", _adk, steps, attrs)
    if any(s.startswith(STRANDS_SCOPES) for s in scopes):
        _safely("strands", _strands, steps, rows)
    _safely("react", _react, steps)
    _safely("tool call ids", _pair_tool_calls, steps)


# --- shapes ----------------------------------------------------------------------------------------------------


def _converse(steps: Sequence[common.Step]) -> None:
    for step in steps:
        problems = _problems(step)
        step.input_messages = expand_converse(step.input_messages, problems)
        step.output_messages = expand_converse(step.output_messages, problems)
        step.input_messages = expand_gemini(step.input_messages, problems)
        step.output_messages = expand_gemini(step.output_messages, problems)


def _unwrapped(value: str | None, where: str, problems: list[str]) -> tuple[bool, str | None]:
    """``(True, text)`` when ``value`` is a framework object around a tool result."""
    try:
        text = tool_output_text(value)
    except Unreadable as exc:
        problems.append(f"{where}: {exc}")
        return True, None
    return (text is not None), text


def _tool_outputs(steps: Sequence[common.Step]) -> None:
    for step in steps:
        problems = _problems(step)
        if step.kind == "tool":
            if step.tool_result is None and step.output_messages:
                # Emitters of the deprecated events put a tool span's result in its choice event.
                step.tool_result = step.output_messages[-1].content
            known, text = _unwrapped(step.tool_result, f"tool {step.tool_name or step.name} result", problems)
            if known:
                step.tool_result = text
            step.tool_arguments = call_arguments(step.tool_arguments) or step.tool_arguments
        for name in ("input_messages", "output_messages"):
            messages = getattr(step, name)
            if not messages:
                continue
            out = []
            for m in messages:
                if m.role == "tool":
                    known, text = _unwrapped(
                        m.content, f"tool result of call {m.tool_call_id or '?'}", problems
                    )
                    if known:
                        m = m.model_copy(update={"content": text})
                out.append(m)
            setattr(step, name, out)


def _canonical(arguments: str | None) -> str:
    loaded = common.load_json(arguments or "{}")
    return json.dumps(loaded, sort_keys=True) if isinstance(loaded, dict | list) else str(loaded).strip()


def _pair_tool_calls(steps: Sequence[common.Step]) -> None:
    """A tool span without a call id (OpenInference tool spans of Python callables) answers the earliest
    unanswered call to that tool with the same arguments (else the earliest to that tool): parallel calls to one
    tool get their own results, not the last call's."""
    ordered = sorted(steps, key=lambda s: (s.start_ns, s.end_ns, s.span_id))
    taken = {s.tool_call_id for s in ordered if s.kind == "tool" and s.tool_call_id}
    calls: list[ToolCall] = []
    for step in ordered:
        if step.kind == "llm":
            for message in step.output_messages or []:
                calls.extend(c for c in message.tool_calls or [] if c.id and c not in calls)
        elif step.kind == "tool" and step.tool_name and not step.tool_call_id:
            open_calls = [c for c in calls if c.function.name == step.tool_name and c.id not in taken]
            same = [
                c for c in open_calls if _canonical(c.function.arguments) == _canonical(step.tool_arguments)
            ]
            chosen = (same or open_calls or [None])[0]
            if chosen is not None:
                step.tool_call_id = chosen.id
                taken.add(chosen.id)


# --- ReAct text (LlamaIndex ReActAgent, CrewAI, LangChain's ReAct agents) --------------------------------------

_REACT_ACTION = re.compile(
    r"^\s*Action:\s*(?P<name>[^\n]+?)\s*\n\s*Action Input:\s*(?P<args>.+?)\s*$", re.M | re.S
)
_REACT_ANSWER = re.compile(r"^\s*(?:Final )?Answer:\s*(?P<answer>.+?)\s*$", re.M | re.S)
_REACT_OBSERVATION = re.compile(r"^\s*Observation:\s*")


def _react_args(text: str) -> str | None:
    """An ``Action Input`` as a JSON object: JSON, or a Python dict literal (LlamaIndex re-renders it so)."""
    loaded = common.load_json(text)
    if not isinstance(loaded, dict):
        try:
            loaded = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return json.dumps(loaded, ensure_ascii=False) if isinstance(loaded, dict) else None


def _react_messages(messages: list[Message] | None, ordinal: int) -> tuple[list[Message] | None, int]:
    """ReAct turns as tool-calling turns: ``Action`` / ``Action Input`` text becomes a call (id ``react_<n>``, the
    n-th action of the run, so every model call's copy gets the same id), the ``Observation:`` that follows its
    result, and ``Answer:`` the answer."""
    if not messages:
        return messages, ordinal
    out: list[Message] = []
    pending: str | None = None
    for m in messages:
        action = _REACT_ACTION.search(m.content or "") if m.role == "assistant" and not m.tool_calls else None
        args = _react_args(action.group("args")) if action else None
        if action and args is not None:
            pending = f"react_{ordinal}"
            ordinal += 1
            thought = (m.content or "")[: action.start()].strip() or None
            call = ToolCall(
                id=pending, function=FunctionCall(name=action.group("name").strip(), arguments=args)
            )
            out.append(m.model_copy(update={"content": thought, "tool_calls": [call]}))
            continue
        observed = _REACT_OBSERVATION.match(m.content or "") if m.role == "user" and pending else None
        if observed:
            out.append(
                Message(
                    role="tool",
                    content=(m.content or "")[observed.end() :],
                    tool_call_id=pending,
                    span_id=m.span_id,
                )
            )
            pending = None
            continue
        answer = _REACT_ANSWER.search(m.content or "") if m.role == "assistant" and not m.tool_calls else None
        if answer and (m.content or "").lstrip().startswith("Thought:"):
            m = m.model_copy(update={"content": answer.group("answer")})
        out.append(m)
    return out, ordinal


def _react(steps: Sequence[common.Step]) -> None:
    llm = [s for s in steps if s.kind == "llm"]
    observed = any(
        m.role == "user" and _REACT_OBSERVATION.match(m.content or "")
        for s in llm
        for m in s.input_messages or []
    )
    if not observed:
        return
    for step in llm:
        step.input_messages, ordinal = _react_messages(step.input_messages, 0)
        step.output_messages, _ = _react_messages(step.output_messages, ordinal)


# --- smolagents ------------------------------------------------------------------------------------------------


def _smol_calls(text: str) -> list[ToolCall] | None:
    """``Calling tools:\\n[{'id':..., 'type':'function', 'function': {'name':..., 'arguments': {...}}}]``."""
    body = _CALLING_TOOLS.sub("", text, count=1)
    if body == text:
        return None
    try:
        listed = ast.literal_eval(body.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    calls = []
    for item in listed if isinstance(listed, list) else []:
        fn = item.get("function") if isinstance(item, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            continue
        arguments = fn.get("arguments")
        if (
            isinstance(arguments, str)
            and fn["name"] == SMOL_PYTHON
            and not isinstance(common.load_json(arguments), dict)
        ):
            arguments = {
                "code": arguments
            }  # a CodeAgent's action: its code, under the interpreter's input name
        text_args = arguments if isinstance(arguments, str) else common.json_text(arguments or {}) or "{}"
        calls.append(
            ToolCall(
                id=common.as_str(item.get("id")), function=FunctionCall(name=fn["name"], arguments=text_args)
            )
        )
    return calls or None


def _smol_input(items: list[Any], span_id: str, problems: list[str]) -> list[Message]:
    """An LLM span's ``llm.input_messages`` with smolagents' own roles read as OpenAI messages."""
    out: list[Message] = []
    last_calls: list[ToolCall] = []
    for item in items:
        raw = item.get(sc.OI_MESSAGE) if isinstance(item, dict) else None
        if not isinstance(raw, dict):
            continue
        role = raw.get(sc.KEY_ROLE)
        text = (
            common.text_content(
                raw.get(sc.KEY_CONTENT)
                or [
                    {"type": "text", "text": c[sc.OI_MESSAGE_CONTENT].get(sc.OI_TEXT)}
                    for c in raw.get(sc.OI_CONTENTS) or []
                    if isinstance(c, dict) and isinstance(c.get(sc.OI_MESSAGE_CONTENT), dict)
                ]
            )
            or ""
        )
        if role not in (SMOL_TOOL_CALL_ROLE, SMOL_TOOL_RESPONSE_ROLE):
            calls = [
                {
                    "id": tc[sc.OI_TOOL_CALL].get(sc.KEY_ID),
                    "function": tc[sc.OI_TOOL_CALL].get(sc.OI_FUNCTION) or {},
                }
                for tc in raw.get(sc.KEY_TOOL_CALLS) or []
                if isinstance(tc, dict) and isinstance(tc.get(sc.OI_TOOL_CALL), dict)
            ]
            plain = {sc.KEY_ROLE: role, sc.KEY_CONTENT: text or None, sc.KEY_TOOL_CALLS: calls}
            plain[sc.KEY_TOOL_CALL_ID] = raw.get(sc.KEY_TOOL_CALL_ID)
            out.extend(common.openai_messages([plain], span_id) or [])
            continue
        if role == SMOL_TOOL_CALL_ROLE:
            calls = _smol_calls(text)
            if calls is None:
                problems.append("a smolagents tool-call message that does not parse")
                continue
            last_calls = calls
            if out and out[-1].role == "assistant" and not out[-1].tool_calls:
                out[-1] = out[-1].model_copy(update={"tool_calls": calls})  # the model's text, then its calls
            else:
                out.append(Message(role="assistant", tool_calls=calls, span_id=span_id))
            continue
        match = _CALL_ID.match(text)
        call_id = match.group(1) if match else None
        body = text[match.end() :] if match else text
        observed = _OBSERVATION.match(body)
        if observed:
            body = body[observed.end() :]
        if call_id is None and len(last_calls) == 1:
            call_id = last_calls[0].id
        if call_id is not None:
            out.append(Message(role="tool", content=body.strip(), tool_call_id=call_id, span_id=span_id))
        else:
            # Several calls' observations joined in one text, which cannot be split: each call's result comes
            # from its tool span (matched by id); a call no span answered stays without a result.
            out.extend(Message(role="tool", tool_call_id=c.id, span_id=span_id) for c in last_calls)
    return out


def _code_final_answer(text: str | None) -> str | None:
    """A code action (CodeAgent) whose whole code is ``final_answer(<literal>)``: the literal, as text."""
    blocks = [a or b for a, b in _CODE_BLOCK.findall(text or "")]
    if len(blocks) != 1:
        return None
    try:
        tree = ast.parse(blocks[0])
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (
        isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == SMOL_FINAL_ANSWER
    ):
        return None
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "answer"]
    if len(args) != 1:
        return None
    try:
        value = ast.literal_eval(args[0])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else common.json_text(value)


def _smol_final(messages: list[Message] | None) -> list[Message] | None:
    """A turn that only calls ``final_answer`` (a tool call, or a code action that is just that call) is the
    run's answer, as text."""
    if not messages:
        return messages
    out = []
    for m in messages:
        calls = m.tool_calls or []
        text: str | None = None
        if m.role == "assistant" and calls and all(c.function.name == SMOL_FINAL_ANSWER for c in calls):
            args = common.load_json(calls[-1].function.arguments)
            answer = args.get("answer") if isinstance(args, dict) and "answer" in args else args
            text = answer if isinstance(answer, str) else common.json_text(answer)
        elif m.role == "assistant" and not calls:
            text = _code_final_answer(m.content)
        if text is not None:
            m = Message(role="assistant", content=text, finish_reason="stop", span_id=m.span_id)
        out.append(m)
    return out


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _smol_code_actions(steps: Sequence[common.Step]) -> None:
    """CodeAgent: the model's output is text with code; the next call's history shows that same text followed by
    the call smolagents made of it (``python_interpreter``). The output takes those calls, so both read as one
    turn; tools the code called (their own spans, no call of the model's) are part of that call's result."""
    llm = [s for s in steps if s.kind == "llm"]
    made: dict[str, list[ToolCall]] = {}
    for step in llm:
        for m in step.input_messages or []:
            if m.role == "assistant" and m.content and m.tool_calls:
                made.setdefault(_norm(m.content), m.tool_calls)
    for step in llm:
        step.output_messages = [
            m.model_copy(update={"tool_calls": made[_norm(m.content)]})
            if m.role == "assistant" and not m.tool_calls and _norm(m.content) in made
            else m
            for m in step.output_messages or []
        ] or step.output_messages
    called = {
        c.function.name
        for step in llm
        for m in (step.input_messages or []) + (step.output_messages or [])
        for c in m.tool_calls or []
    }
    for step in steps:
        if step.kind == "tool" and step.tool_name and step.tool_name not in called:
            step.kind = "other"


def _smol_task(message: Message) -> Message:
    """smolagents frames the user's task as ``New task:\n<task>``: the task is the user's turn."""
    if message.role == "user" and message.content:
        match = _NEW_TASK.match(message.content)
        if match:
            return message.model_copy(update={"content": message.content[match.end() :]})
    return message


def _smolagents(steps: Sequence[common.Step], attrs: dict[str, dict[str, Any]]) -> None:
    for step in steps:
        a = attrs.get(step.span_id, {})
        if step.kind == "llm":
            items = common.unflatten(a, sc.LLM_INPUT_MESSAGES)
            if any(
                isinstance(i, dict)
                and isinstance(i.get(sc.OI_MESSAGE), dict)
                and i[sc.OI_MESSAGE].get(sc.KEY_ROLE) in (SMOL_TOOL_CALL_ROLE, SMOL_TOOL_RESPONSE_ROLE)
                for i in items
            ):
                _, rest = common.split_system(_smol_input(items, step.span_id, _problems(step)))
                step.input_messages = rest
            step.input_messages = _smol_final(step.input_messages)
            step.output_messages = _smol_final(step.output_messages)
            if step.output_messages and step.output_messages[-1].finish_reason == "stop":
                step.finish_reasons = ["stop"]
        if step.kind == "llm":
            step.input_messages = [_smol_task(m) for m in step.input_messages or []] or step.input_messages
        elif step.kind == "tool" and step.tool_name == SMOL_FINAL_ANSWER:
            step.kind = "other"  # the answer itself, already a text turn
        elif step.kind == "agent" and step.name.endswith(".run"):
            name = step.name.removesuffix(".run")
            if step.agent_name in (None, step.name):
                step.agent_name = name
            if getattr(step, "agent_label", None) == step.name:
                step.agent_label = name  # type: ignore[attr-defined]
    _smol_code_actions(steps)


# --- LlamaIndex ------------------------------------------------------------------------------------------------


def _llama_index(steps: Sequence[common.Step], attrs: dict[str, dict[str, Any]]) -> None:
    if any(s.agent_name for s in steps):
        return
    for step in sorted(steps, key=lambda s: (s.start_ns, s.span_id)):
        a = attrs.get(step.span_id, {})
        for key in (sc.INPUT_VALUE, sc.OUTPUT_VALUE):
            value = a.get(key)
            match = _LLAMA_AGENT.search(value) if isinstance(value, str) else None
            if match:
                root = next((s for s in steps if s.parent_span_id not in {t.span_id for t in steps}), step)
                root.agent_name = match.group(1)
                return


# --- Google ADK ------------------------------------------------------------------------------------------------


def _adk_result(text: str | None) -> str | None:
    loaded = common.load_json(text)
    if isinstance(loaded, dict) and set(loaded) == {"result"}:
        return common.json_text(loaded["result"])
    return text


ADK_LLM_REQUEST: Final = "gcp.vertex.agent.llm_request"
ADK_LLM_RESPONSE: Final = "gcp.vertex.agent.llm_response"
ADK_TOOL_ARGS: Final = "gcp.vertex.agent.tool_call_args"
ADK_TOOL_RESPONSE: Final = "gcp.vertex.agent.tool_response"


def _adk_legacy_call(step: common.Step, a: dict[str, Any]) -> bool:
    """ADK's own ``call_llm`` span (schema 1, and ADK 1.x): the google-genai request and response as JSON.
    ``True`` when it held a request with contents."""
    request = common.load_json(a.get(ADK_LLM_REQUEST))
    if not isinstance(request, dict) or not isinstance(request.get("contents"), list):
        return False
    problems = _problems(step)
    inputs: list[Message] = []
    for content in request["contents"]:
        found = gemini_content(content)
        if found is not None:
            inputs.extend(gemini_messages(found, step.span_id, problems))
    config = request.get("config") if isinstance(request.get("config"), dict) else {}
    system = config.get("system_instruction")
    if isinstance(system, dict | list):
        system = common.text_content(system.get("parts") if isinstance(system, dict) else system)
    step.kind = "llm"
    step.input_messages = inputs
    step.fill("system_instructions", common.as_str(system))
    step.fill("request_model", common.as_str(request.get("model")))
    tools = []
    for tool in config.get("tools") or []:
        for declaration in (tool.get("function_declarations") or []) if isinstance(tool, dict) else []:
            if isinstance(declaration, dict):
                declaration = dict(declaration)
                declaration.setdefault("parameters", declaration.pop("parameters_json_schema", None))
                definition = common.tool_definition(declaration)
                if definition is not None:
                    tools.append(definition)
    step.fill("tools", tools)
    response = common.load_json(a.get(ADK_LLM_RESPONSE))
    if isinstance(response, dict):
        found = gemini_content(response.get("content"))
        if found is not None:
            outputs = gemini_messages({**found, "role": "model"}, step.span_id, problems)
            reason = common.finish_reason(str(response.get("finish_reason") or "").lower() or None)
            if outputs and reason:
                outputs[-1] = outputs[-1].model_copy(update={"finish_reason": reason})
            step.output_messages = outputs
        step.fill("response_model", common.as_str(response.get("model_version")))
    return True


def _adk(steps: Sequence[common.Step], attrs: dict[str, dict[str, Any]]) -> None:
    legacy = {s.span_id for s in steps if _adk_legacy_call(s, attrs.get(s.span_id, {}))}
    for step in steps:
        if step.parent_span_id in legacy and step.kind == "llm":
            step.kind = (
                "other"  # the inference span inside ADK's call_llm: the same call, its content in events
            )
        a = attrs.get(step.span_id, {})
        if step.kind == "tool" and step.tool_result is None:
            step.tool_result = common.json_text(common.load_json(a.get(ADK_TOOL_RESPONSE)))
        if step.kind == "tool" and step.tool_arguments in (None, "{}"):
            step.tool_arguments = (
                common.json_text(common.load_json(a.get(ADK_TOOL_ARGS))) or step.tool_arguments
            )
    for step in steps:
        if step.kind == "tool":
            if step.tool_name == ADK_MERGED_TOOLS:
                step.kind = "other"  # the per-call tool spans and the next model call carry each result
                continue
            step.tool_result = _adk_result(step.tool_result)
        for name in ("input_messages", "output_messages"):
            messages = getattr(step, name)
            if messages:
                setattr(
                    step,
                    name,
                    [
                        m.model_copy(update={"content": _adk_result(m.content)}) if m.role == "tool" else m
                        for m in messages
                    ],
                )


# --- Strands Agents --------------------------------------------------------------------------------------------


def _choice_outputs(events: Any, step: common.Step) -> list[Message]:
    """``gen_ai.choice`` events whose ``message`` is text (Strands: Converse blocks as JSON text), in order."""
    out: list[Message] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("name") != sc.EVENT_CHOICE:
            continue
        body = event.get("attributes") if isinstance(event.get("attributes"), dict) else {}
        message = body.get("message")
        if isinstance(message, str) and message:
            reason = common.finish_reason(body.get(sc.KEY_FINISH_REASON))
            out.append(Message(role="assistant", content=message, finish_reason=reason, span_id=step.span_id))
    return expand_converse(out, _problems(step)) or []


def _strands(steps: Sequence[common.Step], rows: Sequence[Row]) -> None:
    by_id = {str(r.get("span_id") or ""): r for r in rows}
    for step in steps:
        row = by_id.get(step.span_id, {})
        attrs = _attrs(row)
        if attrs.get(sc.GEN_AI_OPERATION_NAME) == STRANDS_CYCLE_OP:
            step.kind = "other"  # repeats its chat span's messages
            continue
        blocks = converse_blocks(step.system_instructions)
        if blocks is not None:
            step.system_instructions = "\n".join(b["text"] for b in blocks if isinstance(b.get("text"), str))
        if step.kind in ("llm", "agent", "tool"):
            outputs = _choice_outputs(common.load_json(row.get("events")), step)
            if outputs and not any(m.content or m.tool_calls for m in step.output_messages or []):
                step.output_messages = outputs
                if step.kind == "tool" and not step.tool_result:
                    known, text = _unwrapped(
                        outputs[-1].content, f"tool {step.tool_name} result", _problems(step)
                    )
                    step.tool_result = text if known else outputs[-1].content
            if step.kind == "agent" and step.output_messages:
                last = step.output_messages[-1]
                if last.content and not last.tool_calls:  # the agent's copy of the answer ends in a newline
                    step.output_messages[-1] = last.model_copy(update={"content": last.content.strip()})
