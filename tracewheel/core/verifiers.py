"""Verifiers: checkable rewards for GRPO and for outcome labelling.

A verifier spec is a JSON object with a ``type`` and that type's fields (docs/06-verifiers.md has the full format)::

    {"type": "exact", "answer": "Paris"}
    {"type": "normalized", "answer": "Paris"}
    {"type": "regex", "pattern": "[A-D]"}
    {"type": "numeric", "answer": 42, "tolerance": 0.001}
    {"type": "json_schema", "schema": {...}}
    {"type": "tool_call", "name": "get_weather", "arguments": {"city": "Paris"}}
    {"type": "custom", "command": ["python3", "check.py"] | "check.py" | "inline python code"}

Every spec may also carry ``max_chars`` (the length cap, default ``DEFAULT_MAX_CHARS``).

A completion is the assistant's text, an OpenAI-style assistant message (``content`` + ``tool_calls``), or a TRL
conversational completion (a list of messages, the last assistant one counts).

The answer is taken from a longer completion in one way for every text type, and only ONE candidate is ever
checked, and it must be one answer as a whole, so listing or hedging cannot win (see ``answer_region``). Rewards are
1.0 or 0.0 for the built-in types; a custom verifier may return any reward in [0, 1].

Trust: ``regex``, ``json_schema`` and ``custom`` specs run code or patterns (a custom command, a regex that could
burn CPU) and come only from the operator's config; trace data may ask only for the declarative ``SPAN_SAFE_TYPES``
(see ``span_spec``). Every regex, in a regex spec or a JSON Schema ``pattern``, runs on RE2 (linear time).

    >>> verify("Let me think.\\nAnswer: 42", {"type": "numeric", "answer": 42}).reward
    1.0
    >>> verify("0 1 2 42 100", {"type": "numeric", "answer": 42}).reward
    0.0
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pydantic
import re2
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MAX_CHARS = 4096
"""Completions longer than this (text plus serialized tool calls) get reward 0 unless the spec sets ``max_chars``."""

VERIFIER_TYPES = ("exact", "normalized", "regex", "numeric", "json_schema", "tool_call", "custom")

SPAN_SAFE_FIELDS: dict[str, tuple[str, ...]] = {
    "exact": ("answer",),
    "normalized": ("answer",),
    "numeric": ("answer", "tolerance"),
    "tool_call": ("name", "arguments"),
}
"""The declarative checks trace data (``tracewheel.expected``) may ask for, and the fields it may set on each:
they compare against a reference answer, run no code and cost time linear in the completion."""
SPAN_SAFE_TYPES = frozenset(SPAN_SAFE_FIELDS)
OPERATOR_ONLY_TYPES = frozenset(VERIFIER_TYPES) - SPAN_SAFE_TYPES
"""regex and json_schema patterns and custom commands: only the operator's config may set them."""

DEFAULT_TOLERANCE = 1e-6
DEFAULT_CUSTOM_TIMEOUT_S = 5.0
MAX_CUSTOM_TIMEOUT_S = 60.0
DEFAULT_CUSTOM_MEMORY_MB = 512
MIN_CUSTOM_MEMORY_MB = 16
MAX_CUSTOM_MEMORY_MB = 4096
CUSTOM_WORKERS = 4
"""Custom verifiers run this many sandboxed processes at once when a batch is scored."""


@dataclass(frozen=True)
class Verdict:
    """A reward in [0, 1] and why it was given.

    ``reason`` is free text that may quote the completion (for people running ``tracewheel verify``); ``code`` is a
    short fixed word (``match``, ``mismatch``, ``no_answer``, ...) that is safe to store next to training data.
    """

    reward: float
    reason: str
    code: str = field(default="", repr=False, compare=False)


def _fail(reason: str, code: str = "mismatch") -> Verdict:
    return Verdict(0.0, reason, code)


def _pass(reason: str, code: str = "match") -> Verdict:
    return Verdict(1.0, reason, code)


class UntrustedSpecError(ValueError):
    """Trace data asked for a verifier that only the operator's config may set."""


# --------------------------------------------------------------------------------------------------------------
# Completions


def completion_message(completion: Any) -> dict[str, Any]:
    """The assistant message of a completion as ``{"content": str, "tool_calls": list}``.

    >>> completion_message([{"role": "assistant", "content": "hi"}])["content"]
    'hi'
    """
    if isinstance(completion, str):
        return {"content": completion, "tool_calls": []}
    if isinstance(completion, list):
        assistant = [
            m for m in completion if isinstance(m, dict) and m.get("role", "assistant") == "assistant"
        ]
        if not assistant:
            return {"content": "", "tool_calls": []}
        completion = assistant[-1]
    if not isinstance(completion, dict):
        raise TypeError(
            f"completion must be a string, a message dict or a list of messages, got {type(completion).__name__}"
        )
    content = completion.get("content")
    if isinstance(content, list):  # OpenAI content parts
        content = "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and p.get("type", "text") == "text"
        )
    return {
        "content": content if isinstance(content, str) else "",
        "tool_calls": list(completion.get("tool_calls") or []),
    }


def _completion_size(message: dict[str, Any]) -> int:
    calls = (
        json.dumps(message["tool_calls"], ensure_ascii=False, default=str) if message["tool_calls"] else ""
    )
    return len(message["content"]) + len(calls)


_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_ANSWER_MARKER = re.compile(r"\b(?:final\s+)?answer\s*(?:is\b\s*:?|:)", re.I)


def answer_region(text: str, whole: bool = False) -> str:
    """The one candidate answer in a completion's text; "" when there is none.

    ``<think>`` blocks are dropped first. Then: the ``\\boxed{...}`` answer (several boxes must all agree, or
    there is no single answer); else the text after the last "Answer:" / "answer is" marker, up to the end of its
    first non-empty line; else the whole stripped text. The whole text, not its last line: a completion that lists
    candidates on several lines is not one answer. With ``whole`` (multi-line reference answers) the whole stripped
    text is always the candidate.

    >>> answer_region("We add 40 and 2.\\nThe answer is 42.")
    '42.'
    >>> answer_region("0\\n1\\n2")
    '0\\n1\\n2'
    >>> answer_region("\\\\boxed{1} or \\\\boxed{2}")
    ''
    """
    text = _THINK.sub("", text)
    if whole:
        return text.strip()
    boxed = {b.strip() for b in _BOXED.findall(text)}
    if boxed:
        return boxed.pop() if len(boxed) == 1 else ""
    markers = list(_ANSWER_MARKER.finditer(text))
    if markers:
        rest = text[markers[-1].end() :].strip()
        return rest.splitlines()[0].strip() if rest else ""
    return text.strip()


# --------------------------------------------------------------------------------------------------------------
# One function per type


def verify_exact(text: str, answer: str) -> Verdict:
    """The candidate equals the answer, byte for byte, after trimming surrounding whitespace.

    >>> verify_exact("Answer: Paris", "Paris").reward
    1.0
    >>> verify_exact("paris", "Paris").reward
    0.0
    """
    candidate = answer_region(text, whole="\n" in answer.strip())
    if not candidate:
        return _fail("no single answer found", "no_answer")
    if candidate == answer.strip():
        return _pass("exact match")
    return _fail(f"expected {answer.strip()!r}, got {_short(candidate)!r}")


def normalize_text(text: str) -> str:
    """Unicode NFKC, case-folded, markdown emphasis and surrounding punctuation/quotes dropped, spaces collapsed.

    >>> normalize_text("  **The  Eiffel Tower.** ")
    'the eiffel tower'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[*_`]+", "", text)
    text = " ".join(text.split())
    return text.strip(" .,;:!?\"'()[]{}")


def verify_normalized(text: str, answer: str) -> Verdict:
    """The candidate equals the answer after ``normalize_text`` on both.

    >>> verify_normalized("The answer is: **paris**.", "Paris").reward
    1.0
    """
    candidate = normalize_text(answer_region(text, whole="\n" in answer.strip()))
    if not candidate:
        return _fail("no single answer found", "no_answer")
    if candidate == normalize_text(answer):
        return _pass("normalized match")
    return _fail(f"expected {normalize_text(answer)!r}, got {_short(candidate)!r}")


def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """Compile a verifier regex with RE2, whose matching time is linear in the text (no catastrophic backtracking).

    Raises ``ValueError`` for what RE2 cannot run (backreferences, lookaround) or does not parse.

    >>> compile_pattern(r"(a)\\1")
    Traceback (most recent call last):
    ...
    ValueError: pattern '(a)\\\\1' is not supported by RE2 (linear-time regexes: no backreferences or lookaround): invalid escape sequence: \\1
    """
    return _compile_pattern(pattern, ignore_case)


@lru_cache(maxsize=1024)
def _compile_pattern(pattern: str, ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False  # the error is raised to the caller; RE2 would also print it to stderr
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        )
        raise ValueError(
            f"pattern {pattern!r} is not supported by RE2 (linear-time regexes: no backreferences or lookaround): "
            f"{detail}"
        ) from None


def verify_regex(text: str, pattern: str, ignore_case: bool = False) -> Verdict:
    """The candidate (see ``answer_region``) matches ``pattern`` as a whole, on RE2.

    >>> verify_regex("Answer: B", "[A-D]").reward
    1.0
    >>> verify_regex("A B C D", "[A-D]").reward
    0.0
    >>> verify_regex("A\\nB", "[A-D]").reward
    0.0
    """
    candidate = answer_region(text)
    if not candidate:
        return _fail("no single answer found", "no_answer")
    if compile_pattern(pattern, ignore_case).fullmatch(candidate):
        return _pass("regex full match")
    return _fail(f"{_short(candidate)!r} does not fully match {pattern!r}")


_NUMBER = r"[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?|[-+−]?\.\d+(?:[eE][-+]?\d+)?"
# The candidate must be one number, optionally dressed: "= $1,234.50", "**42**", "12%", "42." -- never a sentence
# or a list, so a completion cannot name several numbers and have one of them picked.
_NUMERIC_CANDIDATE = re.compile(rf"[=\s*`$€£]*(?P<num>{_NUMBER})(?:/(?P<den>\d+))?[\s*`%]*\.?[\s*`]*")


def parse_number(candidate: str) -> float | None:
    """The number a candidate states, or None when it is not exactly one number.

    >>> parse_number(" 42.0 "), parse_number("1,000"), parse_number("3/4"), parse_number("4 or 5")
    (42.0, 1000.0, 0.75, None)
    """
    match = _NUMERIC_CANDIDATE.fullmatch(candidate)
    if not match:
        return None
    value = float(match["num"].replace(",", "").replace("−", "-"))
    if match["den"]:
        den = float(match["den"])
        if den == 0:
            return None
        value /= den
    return value if math.isfinite(value) else None


# A number inside a sentence: not glued to a word or another number before it ("v2", "1.2.3"), nor to digits after.
_NUMBER_IN_TEXT = re.compile(rf"(?<![\w.,/])(?:{_NUMBER})(?:/\d+)?(?![\d])")
# Prose, not a JSON value or markup (an echoed spec such as {"answer": 42} names one number too).
_NOT_PROSE = re.compile(r"[{}\[\]<>|\\]")
_EQUALS_TAIL = re.compile(r"=([^=\n]*)\Z")


def numeric_candidate(text: str) -> str:
    """The part of a completion that states its numeric answer.

    As ``answer_region``, and when there is no box and no "Answer:" marker, the text after a final ``=`` (on the
    last line: "40 + 2 = 42").

    >>> numeric_candidate("x = 40 + 2 = 42")
    '42'
    """
    text = _THINK.sub("", text).strip()
    if not _BOXED.search(text) and not _ANSWER_MARKER.search(text):
        equals = _EQUALS_TAIL.search(text)
        if equals:
            return equals.group(1).strip()
    return answer_region(text)


def single_number(candidate: str) -> float | None:
    """The one number a candidate states: the candidate is a (dressed) number, or prose naming exactly one number.

    >>> single_number("It takes 3 hours."), single_number("3 or 4 hours"), single_number('{"answer": 3}')
    (3.0, None, None)
    """
    value = parse_number(candidate)
    if value is not None or _NOT_PROSE.search(candidate):
        return value
    numbers = _NUMBER_IN_TEXT.findall(candidate)
    return parse_number(numbers[0]) if len(numbers) == 1 else None


def verify_numeric(text: str, answer: float, tolerance: float = DEFAULT_TOLERANCE) -> Verdict:
    """The completion states one number (see ``numeric_candidate``), within ``tolerance`` (absolute) of the answer.

    >>> verify_numeric("Answer: 42.0", 42).reward
    1.0
    >>> verify_numeric("It takes 42 hours.", 42).reward
    1.0
    >>> verify_numeric("40 or 42", 42).reward
    0.0
    """
    candidate = numeric_candidate(text)
    if not candidate:
        return _fail("no single answer found", "no_answer")
    value = single_number(candidate)
    if value is None:
        return _fail(f"{_short(candidate)!r} does not state exactly one number", "not_one_number")
    if abs(value - answer) <= tolerance:
        return _pass(f"{value:g} within {tolerance:g} of {answer:g}")
    return _fail(f"{value:g} is not within {tolerance:g} of {answer:g}")


_FENCED = re.compile(r"```(?:json)?\s*\n(.*?)```", re.S | re.I)


def extract_json(text: str) -> tuple[bool, Any]:
    """The one JSON value a completion gives: the whole text, else the first fenced block, else the first object.

    >>> extract_json('Here: {"a": 1} and {"b": 2}')
    (True, {'a': 1})
    """
    text = _THINK.sub("", text).strip()
    for candidate in (text, *[m.strip() for m in _FENCED.findall(text)[:1]]):
        try:
            return True, json.loads(candidate)
        except ValueError:
            pass
    start = text.find("{")
    if start >= 0:
        try:
            return True, json.JSONDecoder().raw_decode(text, start)[0]
        except ValueError:
            pass
    return False, None


def verify_json_schema(text: str, schema: dict[str, Any]) -> Verdict:
    """The completion's JSON value (see ``extract_json``) is valid against ``schema``.

    >>> schema = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
    >>> verify_json_schema('{"city": "Paris"}', schema).reward
    1.0
    >>> verify_json_schema('{"town": "Paris"}', schema).reward
    0.0
    """
    found, value = extract_json(text)
    if not found:
        return _fail("no JSON value found", "no_answer")
    error = jsonschema.exceptions.best_match(_schema_validator(schema).iter_errors(value))
    if error is None:
        return _pass("valid against the schema")
    return _fail(f"schema violation: {_short(error.message)}")


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    # jsonschema's own `pattern` runs Python's backtracking `re` on the completion's strings.
    if validator.is_type(instance, "string") and not compile_pattern(pattern).search(instance):
        yield jsonschema.ValidationError(f"{_short(instance)!r} does not match {pattern!r}")


def _schema_validator(schema: dict[str, Any] | bool) -> Any:
    base = jsonschema.validators.validator_for(schema)
    return jsonschema.validators.extend(base, {"pattern": _re2_pattern})(schema)


def _check_schema_regexes(schema: Any) -> None:
    """Every ``pattern`` must compile on RE2; ``patternProperties`` is refused (jsonschema matches its keys with
    Python's ``re`` in several keywords, so RE2 cannot stand in for it: use ``propertyNames`` with a ``pattern``)."""
    if isinstance(schema, list):
        for item in schema:
            _check_schema_regexes(item)
    elif isinstance(schema, dict):
        if isinstance(schema.get("pattern"), str):
            compile_pattern(schema["pattern"])
        if isinstance(schema.get("patternProperties"), dict):
            raise ValueError(
                "json_schema verifier `schema` uses patternProperties, which would run regexes on Python's "
                "backtracking engine; use propertyNames with a pattern (checked on RE2) instead"
            )
        for value in schema.values():
            _check_schema_regexes(value)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Any
    """Parsed JSON arguments, or the raw string when it is not JSON."""


_TOOL_CALL_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_TOOL_CALL_KEYS = {"name", "arguments", "id", "type"}


def _parse_call(obj: Any) -> ToolCall | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # OpenAI shape: {"id", "type": "function", "function": {...}}
        if obj.get("type", "function") != "function":
            return None
        obj = obj["function"]
    elif not set(obj) <= _TOOL_CALL_KEYS or obj.get("type", "function") != "function":
        # Anything shaped otherwise (a verifier spec echoed back, say) is not a tool call.
        return None
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None
    arguments = obj.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            pass
    return ToolCall(name=name, arguments=arguments)


def extract_tool_calls(completion: Any) -> list[ToolCall | None]:
    """Tool calls a completion makes: structured ``tool_calls``, else ``<tool_call>`` blocks, else a bare call object.

    A malformed call is kept as None so that it still counts.

    >>> extract_tool_calls('<tool_call>{"name": "f", "arguments": {"x": 1}}</tool_call>')
    [ToolCall(name='f', arguments={'x': 1})]
    """
    message = completion_message(completion)
    if message["tool_calls"]:
        return [_parse_call(c) for c in message["tool_calls"]]
    text = _THINK.sub("", message["content"])
    blocks = _TOOL_CALL_TAG.findall(text)
    calls: list[ToolCall | None] = []
    if blocks:
        for block in blocks:
            try:
                obj = json.loads(block.strip())
            except ValueError:
                calls.append(None)
                continue
            calls.extend(_parse_call(o) for o in (obj if isinstance(obj, list) else [obj]))
        return calls
    found, obj = extract_json(text)
    if found and isinstance(obj, dict) and text.strip().startswith(("{", "```")):
        call = _parse_call(obj)
        return [call] if call else []
    return []


def json_equal(a: Any, b: Any) -> bool:
    """Equality of parsed JSON values: key order never matters, 1 == 1.0, but true != 1.

    >>> json_equal({"a": 1, "b": [True]}, {"b": [True], "a": 1.0}), json_equal({"a": True}, {"a": 1})
    (True, False)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def verify_tool_call(completion: Any, name: str, arguments: dict[str, Any]) -> Verdict:
    """The completion makes exactly one tool call, to ``name``, with arguments equal as parsed JSON.

    >>> call = {"role": "assistant", "tool_calls": [{"type": "function",
    ...         "function": {"name": "get_weather", "arguments": '{"unit": "C", "city": "Paris"}'}}]}
    >>> verify_tool_call(call, "get_weather", {"city": "Paris", "unit": "C"}).reward
    1.0
    """
    calls = extract_tool_calls(completion)
    if not calls:
        return _fail("no tool call found", "no_answer")
    if len(calls) != 1:
        return _fail(f"expected exactly one tool call, got {len(calls)}", "several_answers")
    call = calls[0]
    if call is None:
        return _fail("malformed tool call", "no_answer")
    if call.name != name:
        return _fail(f"called {call.name!r}, expected {name!r}")
    if not json_equal(call.arguments, arguments):
        return _fail(
            f"arguments {_short(json.dumps(call.arguments, default=str))} differ from the expected ones"
        )
    return _pass("tool call matches")


def custom_command(spec: dict[str, Any]) -> list[str]:
    """The argv a custom spec runs: an argv list as is, a ``.py`` path with this Python, other text as inline code.

    >>> custom_command({"type": "custom", "command": "print(1)"})[1:]
    ['-c', 'print(1)']
    """
    command = spec["command"]
    if isinstance(command, list):
        return [str(part) for part in command]
    if command.strip().endswith(".py") and "\n" not in command.strip():
        return [sys.executable, str(Path(command.strip()).resolve())]
    return [sys.executable, "-c", command]


def verify_custom(completion: Any, spec: dict[str, Any]) -> Verdict:
    """Run a custom verifier in the sandbox: the completion (as given, plus its ``text`` and ``tool_calls``) and the
    spec (as ``task``) go to its stdin as JSON;
    the last line of its stdout is ``{"reward": float, "reason": str}`` or a bare number in [0, 1]. A crash, a
    timeout or any other output is reward 0 with the reason.
    """
    from tracewheel.core.sandbox import run_sandboxed

    limits = CustomSpec.model_validate(spec)
    message = completion_message(completion)
    payload = json.dumps(
        {
            "completion": completion,
            "text": message["content"],
            "tool_calls": message["tool_calls"],
            "task": spec,
        },
        ensure_ascii=False,
        default=str,
    )
    result = run_sandboxed(
        custom_command(spec),
        stdin=payload.encode(),
        timeout_s=limits.timeout_s,
        memory_mb=limits.memory_mb,
    )
    if result.failure:
        return _fail(f"custom verifier {result.failure}", "custom_failed")
    return parse_custom_output(result.stdout.decode("utf-8", "replace"))


def parse_custom_output(stdout: str) -> Verdict:
    """Read a custom verifier's answer; anything but a finite reward in [0, 1] is reward 0 with the reason.

    >>> parse_custom_output('log line\\n{"reward": 0.5, "reason": "half"}')
    Verdict(reward=0.5, reason='half')
    >>> parse_custom_output("yes").reward
    0.0
    """
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if not lines:
        return _fail("custom verifier printed nothing", "custom_bad_output")
    try:
        out = json.loads(lines[-1])
    except ValueError:
        return _fail(f"custom verifier printed no JSON: {_short(lines[-1])!r}", "custom_bad_output")
    reason = "custom verifier"
    if isinstance(out, dict):
        reason = str(out.get("reason") or reason)[:500]
        out = out.get("reward")
    if (
        isinstance(out, bool)
        or not isinstance(out, (int, float))
        or not math.isfinite(out)
        or not 0 <= out <= 1
    ):
        return _fail(f"custom verifier gave no reward in [0, 1]: {_short(lines[-1])!r}", "custom_bad_output")
    return Verdict(float(out), reason, "custom")


# --------------------------------------------------------------------------------------------------------------
# The spec and the one entry point


class CustomSpec(BaseModel):
    """The fields of a custom spec that bound its run; other fields (an ``answer``, say) go to the command as data."""

    model_config = ConfigDict(extra="allow")
    type: str = "custom"
    command: list[str] | str
    timeout_s: float = Field(default=DEFAULT_CUSTOM_TIMEOUT_S, gt=0, le=MAX_CUSTOM_TIMEOUT_S, strict=True)
    memory_mb: int = Field(
        default=DEFAULT_CUSTOM_MEMORY_MB, ge=MIN_CUSTOM_MEMORY_MB, le=MAX_CUSTOM_MEMORY_MB, strict=True
    )


def span_spec(spec: Any) -> dict[str, Any]:
    """Check a spec that came from trace data (``tracewheel.expected``); return a clean copy with only the fields
    its type may carry there. Raises ``UntrustedSpecError`` for a type that runs code or regexes (only the
    operator's config may set those) and ``ValueError`` for a bad spec.

    >>> span_spec({"type": "exact", "answer": "Paris", "max_chars": 10**9})
    {'type': 'exact', 'answer': 'Paris'}
    >>> span_spec({"type": "custom", "command": ["sh", "-c", "id"]})
    Traceback (most recent call last):
    ...
    tracewheel.core.verifiers.UntrustedSpecError: trace data may not set a custom verifier (only the operator's config may)
    """
    if isinstance(spec, dict) and spec.get("type") in OPERATOR_ONLY_TYPES:
        raise UntrustedSpecError(
            f"trace data may not set a {spec['type']} verifier (only the operator's config may)"
        )
    spec = validate_spec(spec)
    if spec["type"] not in SPAN_SAFE_TYPES:
        raise UntrustedSpecError(
            f"trace data may not set a {spec['type']} verifier (only the operator's config may)"
        )
    return {"type": spec["type"], **{k: spec[k] for k in SPAN_SAFE_FIELDS[spec["type"]] if k in spec}}


def validate_spec(spec: Any) -> dict[str, Any]:
    """Check a verifier spec at the door; return it. Raises ``ValueError`` naming the bad field.

    >>> validate_spec({"type": "numeric", "answer": "42"})["type"]
    'numeric'
    """
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError as exc:
            raise ValueError(f"verifier spec is not JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise TypeError(f"verifier spec must be a JSON object, got {type(spec).__name__}")
    kind = spec.get("type")
    if kind not in VERIFIER_TYPES:
        raise ValueError(f"verifier `type` must be one of {VERIFIER_TYPES}, got {kind!r}")
    max_chars = spec.get("max_chars", DEFAULT_MAX_CHARS)
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars <= 0:
        raise ValueError(f"verifier `max_chars` must be a positive integer, got {max_chars!r}")
    if kind in ("exact", "normalized"):
        answer = spec.get("answer")
        if not isinstance(answer, str) or not (answer.strip() if kind == "exact" else normalize_text(answer)):
            raise ValueError(f"{kind} verifier needs a non-empty string `answer`, got {answer!r}")
    elif kind == "regex":
        pattern = spec.get("pattern")
        if not isinstance(pattern, str):
            raise ValueError(f"regex verifier needs a string `pattern`, got {pattern!r}")
        try:
            compile_pattern(pattern, bool(spec.get("ignore_case", False)))
        except ValueError as exc:
            raise ValueError(f"regex verifier `pattern`: {exc}") from None
        if "example" in spec and not isinstance(spec["example"], str):
            raise ValueError("regex verifier `example` must be a string (an answer the pattern accepts)")
    elif kind == "numeric":
        _numeric_answer(spec)
        tolerance = spec.get("tolerance", DEFAULT_TOLERANCE)
        if (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, (int, float))
            or not 0 <= tolerance < math.inf
        ):
            raise ValueError(f"numeric verifier `tolerance` must be a finite number >= 0, got {tolerance!r}")
    elif kind == "json_schema":
        schema = spec.get("schema")
        if not isinstance(schema, (dict, bool)):
            raise ValueError(f"json_schema verifier needs a `schema` object, got {type(schema).__name__}")
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.exceptions.SchemaError as exc:
            raise ValueError(
                f"json_schema verifier `schema` is not a valid JSON Schema: {exc.message}"
            ) from None
        try:
            _check_schema_regexes(schema)
        except ValueError as exc:
            raise ValueError(f"json_schema verifier `schema`: {exc}") from None
    elif kind == "tool_call":
        if not isinstance(spec.get("name"), str) or not spec["name"]:
            raise ValueError(f"tool_call verifier needs a non-empty string `name`, got {spec.get('name')!r}")
        _tool_arguments(spec)
    elif kind == "custom":
        command = spec.get("command")
        if isinstance(command, list):
            if not command or not all(isinstance(p, str) and p for p in command):
                raise ValueError("custom verifier `command` list must be non-empty strings (an argv)")
        elif not isinstance(command, str) or not command.strip():
            raise ValueError(
                "custom verifier needs a `command`: an argv list, a .py path, or inline Python code"
            )
        try:
            CustomSpec.model_validate(spec)
        except pydantic.ValidationError as exc:
            problems = "; ".join(f"`{'.'.join(map(str, e['loc']))}` {e['msg']}" for e in exc.errors())
            raise ValueError(f"custom verifier: {problems}") from None
    return spec


def _numeric_answer(spec: dict[str, Any]) -> float:
    answer = spec.get("answer")
    value = None
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        value = float(answer)
    elif isinstance(answer, str):
        value = parse_number(answer.strip())
    if value is None or not math.isfinite(value):
        raise ValueError(f"numeric verifier needs a finite number `answer`, got {answer!r}")
    return value


def _tool_arguments(spec: dict[str, Any]) -> dict[str, Any]:
    arguments = spec.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            raise ValueError("tool_call verifier `arguments` string is not JSON") from None
    if not isinstance(arguments, dict):
        raise ValueError(
            f"tool_call verifier `arguments` must be a JSON object, got {type(arguments).__name__}"
        )
    return arguments


def verify(completion: str | dict[str, Any] | list[dict[str, Any]], spec: dict[str, Any] | str) -> Verdict:
    """Score one completion against one verifier spec. Raises ``ValueError``/``TypeError`` for a bad spec.

    >>> verify({"role": "assistant", "content": "The answer is 3.14"}, {"type": "numeric", "answer": 3.14159,
    ...        "tolerance": 0.01})
    Verdict(reward=1.0, reason='3.14 within 0.01 of 3.14159')
    """
    spec = validate_spec(spec)
    message = completion_message(completion)
    max_chars = spec.get("max_chars", DEFAULT_MAX_CHARS)
    if _completion_size(message) > max_chars:
        return _fail(f"completion longer than the cap of {max_chars} characters", "over_length")
    kind = spec["type"]
    text = message["content"]
    if kind == "exact":
        return verify_exact(text, spec["answer"])
    if kind == "normalized":
        return verify_normalized(text, spec["answer"])
    if kind == "regex":
        return verify_regex(text, spec["pattern"], bool(spec.get("ignore_case", False)))
    if kind == "numeric":
        return verify_numeric(text, _numeric_answer(spec), float(spec.get("tolerance", DEFAULT_TOLERANCE)))
    if kind == "json_schema":
        return verify_json_schema(text, spec["schema"])
    if kind == "tool_call":
        return verify_tool_call(message, spec["name"], _tool_arguments(spec))
    return verify_custom(completion, spec)


def verifier_reward(
    completions: list[Any], verifier: list[dict[str, Any] | str], **kwargs: Any
) -> list[float]:
    """GRPO reward function: TRL passes the dataset's ``verifier`` column (one spec per completion) as a kwarg.

    >>> verifier_reward(["Answer: 4", "5"], [{"type": "numeric", "answer": 4}] * 2)
    [1.0, 0.0]
    """
    if len(completions) != len(verifier):
        raise ValueError(
            f"`verifier` must give one spec per completion: {len(verifier)} for {len(completions)}"
        )
    pairs = list(zip(completions, verifier, strict=True))
    if any('"custom"' in s if isinstance(s, str) else s.get("type") == "custom" for s in verifier):
        # Custom verifiers wait on a sandboxed process each: run a few at once.
        with ThreadPoolExecutor(CUSTOM_WORKERS) as pool:
            return list(pool.map(lambda pair: verify(*pair).reward, pairs))
    return [verify(c, s).reward for c, s in pairs]


def spec_label(spec: dict[str, Any]) -> str:
    """A short name for a spec in messages.

    >>> spec_label({"type": "numeric", "answer": 42})
    'numeric(answer=42)'
    """
    kind = spec.get("type", "?")
    key = {
        "exact": "answer",
        "normalized": "answer",
        "numeric": "answer",
        "regex": "pattern",
        "tool_call": "name",
        "custom": "command",
    }.get(kind)
    if key and key in spec:
        value = spec[key] if isinstance(spec[key], str) else json.dumps(spec[key], default=str)
        return f"{kind}({key}={_short(value, 40)})"
    return kind


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
