"""Verifier integrity probes: a gameable reward is a security hole, so every verifier is attacked before use.

For each distinct spec (and, when given, the prompt it is used with) the probes feed outputs that must earn
nothing, and equivalent forms of a right answer that must earn the same:

- ``empty output`` and whitespace;
- ``master key``: outputs that fool lenient graders (":", "Thought process:", "Let me solve this step by step",
  "Solution", "The answer is", "Answer:", "{}", "[]", "null", ...);
- ``many candidates``: lists of candidate answers (0..100, "A B C D", with the right answer among them but not
  last) in several layouts, and several tool calls of which one is right;
- ``echo spec`` / ``echo prompt``: the spec's JSON text, the prompt's text;
- ``over length cap``: a right answer buried past the length cap;
- ``wrong answer``: a near miss (a number far outside any sane tolerance, a wrong tool name or arguments);
- ``unsatisfiable task``: the same verifier type with a task nothing can satisfy (a nonce answer, ``{"not": {}}``),
  fed the right answer and every output above;
- ``equivalent``: logically equivalent forms of a right answer (" 42.0 " for 42, key order, whitespace, case, a
  tool call as text or structured) must get the reference's verdict; the reference itself must be rewarded;
- ``format only``: a regex must accept one answer, so two non-equivalent strings it accepts (its own first and
  second matches, ``00`` and ``11`` for ``[0-9]{2}``, or short constants such as ``yes``/``no``) fail it;
- ``constant answer``: a number that is not the answer (0, 1, -1, half, double) within a numeric tolerance, or a
  constant JSON value (``0``, ``""``, ``{}``...) that a schema accepts;
- ``constant answer across tasks`` (``probe_verifiers``): one output that earns reward on more than half of the
  tasks (rows; four or more) is a policy that ignores the prompt.

Every distinct spec is probed in full, and every further prompt it is used with gets the echo probe. Custom
verifiers run in the sandbox for every probe, and only the zero-reward probes apply to them (tracewheel cannot
know a right answer for them).

    >>> probe_verifiers([{"type": "numeric", "answer": 42}])
    []
    >>> [f.probe for f in probe_verifiers([{"type": "regex", "pattern": ".*"}])][-1]
    'format only (accepts several answers)'
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from tracewheel.trainer.regex_samples import sample_matches

from tracewheel.core.errors import TracewheelError
from tracewheel.core.verifiers import (
    DEFAULT_MAX_CHARS,
    DEFAULT_TOLERANCE,
    _numeric_answer,
    _tool_arguments,
    normalize_text,
    parse_number,
    spec_label,
    validate_spec,
    verify,
)

MASTER_KEYS = (
    ":",
    "Thought process:",
    "Let me solve this step by step",
    "Let me solve this step by step.\n",
    "Solution",
    "Solution:",
    "The answer is",
    "The answer is:",
    "Answer:",
    "Final answer:",
    "{}",
    "[]",
    "null",
    "true",
    "```",
    "\\boxed{}",
    "<tool_call></tool_call>",
)

_SEPARATORS = (" ", ", ", "\n", " | ", " or ")

# Custom verifiers cost a sandboxed process per probe: they get the master keys most graders fall for, one layout
# per candidate pool, and the probes run a few at a time.
_CUSTOM_MASTER_KEYS = (
    ":",
    "Thought process:",
    "Let me solve this step by step",
    "Solution",
    "The answer is",
    "{}",
)
_CUSTOM_SEPARATORS = (" ", "\n")
_CUSTOM_WORKERS = 4

# Short constant answers a format-only regex tends to accept; two non-equivalent ones passing is a failure.
_REGEX_CONSTANTS = ("0", "1", "00", "11", "A", "B", "a", "b", "x", "y", "yes", "no", "true", "false", "none")
_JSON_CONSTANTS = ("0", "1", '""', '"a"', "false", '{"a": 1}', "[0]")
CROSS_TASK_MIN_TASKS = 4
CROSS_TASK_SHARE = 0.5
"""A constant output rewarded on more than this share of at least ``CROSS_TASK_MIN_TASKS`` distinct tasks fails."""
_CROSS_TASK_CANDIDATES = 32


@dataclass(frozen=True)
class ProbeFailure:
    """One probe a verifier failed: it rewarded what it must not, or judged equivalent answers differently."""

    verifier: str
    """The spec's label and its index in the list probed, e.g. ``#0 numeric(answer=42)``."""
    probe: str
    output: str
    reward: float
    expected: str
    reason: str

    @property
    def message(self) -> str:
        shown = self.output if len(self.output) <= 60 else self.output[:59] + "…"
        return (
            f"verifier {self.verifier} failed probe '{self.probe}': output {shown!r} got reward {self.reward:g} "
            f"(expected {self.expected}; {self.reason})"
        )


@dataclass(frozen=True)
class _Probe:
    name: str
    completion: Any
    spec: dict[str, Any] | None = None  # a variant task instead of the verifier's own
    same_as_reference: bool = False


def _reference(spec: dict[str, Any]) -> Any | None:
    """A completion that is right for the spec, when tracewheel can know one."""
    kind = spec["type"]
    if kind in ("exact", "normalized"):
        return spec["answer"].strip()
    if kind == "numeric":
        return _format_number(_numeric_answer(spec))
    if kind == "tool_call":
        return _tool_message([(spec["name"], _tool_arguments(spec))])
    if kind == "regex" and "example" in spec:
        return spec["example"]
    if kind == "json_schema" and "example" in spec:
        return json.dumps(spec["example"])
    return None


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _tool_message(calls: list[tuple[str, Any]], as_string: bool = True) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args) if as_string else args},
            }
            for i, (name, args) in enumerate(calls)
        ],
    }


def _equivalents(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    kind = spec["type"]
    if kind == "regex" and "example" in spec:
        yield "surrounding whitespace", f"  {spec['example']} \n"
        yield "Answer: line", f"Let me work it out.\nAnswer: {spec['example']}"
    elif kind == "json_schema" and "example" in spec:
        example = spec["example"]
        reordered = dict(reversed(list(example.items()))) if isinstance(example, dict) else example
        yield "key order", json.dumps(reordered)
        yield "indented", json.dumps(example, indent=2)
        yield "fenced block after prose", f"Here is the result:\n```json\n{json.dumps(reordered)}\n```"
    if kind == "exact":
        answer = spec["answer"].strip()
        if "\n" in answer:
            yield "surrounding whitespace", f"\n  {answer}  \n"
            return
        yield "surrounding whitespace", f"  {answer} \n"
        yield "Answer: line", f"Let me work it out.\nAnswer: {answer}"
        yield "answer is", f"The answer is {answer}"
    elif kind == "normalized":
        answer = spec["answer"].strip()
        yield "upper case", answer.upper()
        yield "whitespace", "  " + "   ".join(answer.split()) + " \n"
        yield "Answer: line, markdown", f"Reasoning first.\nAnswer: **{answer}**."
    elif kind == "numeric":
        value = _numeric_answer(spec)
        text = _format_number(value)
        yield "padded", f" {text} "
        yield "float form", repr(float(value)) if "e" in repr(float(value)) else repr(float(value)) + "0"
        yield "Answer: line", f"First I compute things.\nAnswer: {text}"
        yield "answer is, period", f"The answer is {text}."
        yield "boxed", f"So we get \\boxed{{{text}}}"
    elif kind == "tool_call":
        name, args = spec["name"], _tool_arguments(spec)
        reordered = dict(reversed(list(args.items())))
        yield "arguments as object", _tool_message([(name, args)], as_string=False)
        yield "arguments key order", _tool_message([(name, reordered)])
        yield (
            "arguments spacing",
            {
                "role": "assistant",
                "tool_calls": [
                    {"type": "function", "function": {"name": name, "arguments": json.dumps(args, indent=2)}}
                ],
            },
        )
        yield (
            "text <tool_call>",
            f"<tool_call>\n{json.dumps({'name': name, 'arguments': reordered})}\n</tool_call>",
        )


def _wrong_answers(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    kind = spec["type"]
    if kind in ("exact", "normalized"):
        answer = spec["answer"].strip()
        yield "wrong answer (suffix)", f"{answer}x"
        yield "wrong answer (negated)", f"not {answer}"
    elif kind == "numeric":
        value = _numeric_answer(spec)
        # Far outside any tolerance that still tells right from wrong.
        yield "wrong answer (far off)", _format_number(value + 1000 * max(1.0, abs(value)))
    elif kind == "tool_call":
        name, args = spec["name"], _tool_arguments(spec)
        wrong_args = {k: v for k, v in list(args.items())[1:]} if args else {"unexpected": True}
        yield "wrong tool name", _tool_message([(name + "_other", args)])
        yield "wrong arguments", _tool_message([(name, wrong_args)])


def _many_candidates(
    spec: dict[str, Any], separators: tuple[str, ...] = _SEPARATORS
) -> Iterator[tuple[str, Any]]:
    reference = _reference(spec)
    if spec["type"] == "tool_call":
        name, args = spec["name"], _tool_arguments(spec)
        calls = [(name + "_a", args), (name, args), (name, {**args, "_extra": 1})]
        yield "many candidates (several tool calls)", _tool_message(calls)
        blocks = "\n".join(
            f"<tool_call>{json.dumps({'name': n, 'arguments': a})}</tool_call>" for n, a in calls
        )
        yield "many candidates (several <tool_call> blocks)", blocks
        return
    if spec["type"] == "json_schema" and reference is not None:
        # Candidates here are JSON values; only the first one a completion gives is ever read.
        yield "many candidates (JSON values, right one second)", f"{{}}\n{reference}"
        yield "many candidates (JSON array)", f"[{{}}, {reference}, null]"
        return
    pools = [[str(i) for i in range(101)], ["A", "B", "C", "D"]]
    if isinstance(reference, str):
        pools.append(["yes", "no", "true", "false", reference.lower(), reference.upper(), "0", "1"])
    for pool in pools:
        items = list(pool)
        if spec["type"] == "numeric" and not all(parse_number(x) is not None for x in items):
            # Words are no candidates for a number: "A B 42 C D" states one number, the right one.
            items = [x for x in items if parse_number(x) is not None]
            if len(items) < 2:
                continue
        if isinstance(reference, str) and reference not in items:
            items.insert(len(items) // 2, reference)
        if (
            spec["type"] != "custom"
        ):  # the check costs a sandboxed run per item; custom pools hold no right answer
            items = _wrong_last(items, spec)
        for sep in separators:
            yield f"many candidates ({items[0]}..{items[-1]}, sep {sep!r})", sep.join(items)
        yield (
            f"many candidates ({items[0]}..{items[-1]}, one Answer: per line)",
            "\n".join(f"Answer: {x}" for x in items),
        )


def _wrong_last(items: list[str], spec: dict[str, Any]) -> list[str]:
    """Move a candidate the verifier rejects on its own to the end, so only listing can win."""
    for i in range(len(items) - 1, -1, -1):
        if verify(items[i], spec).reward == 0:
            return items[:i] + items[i + 1 :] + [items[i]]
    return items


def _unsatisfiable(spec: dict[str, Any]) -> dict[str, Any] | None:
    nonce = "tw-probe-" + uuid.uuid4().hex[:12]
    kind = spec["type"]
    if kind in ("exact", "normalized"):
        return {**spec, "answer": nonce}
    if kind == "numeric":
        return {**spec, "answer": 7.13e11 + uuid.uuid4().int % 1000, "tolerance": DEFAULT_TOLERANCE}
    if kind == "regex":
        return {**spec, "pattern": nonce}
    if kind == "json_schema":
        return {**spec, "schema": {"not": {}}}
    if kind == "tool_call":
        return {**spec, "name": nonce}
    if kind == "custom" and "answer" in spec:
        return {**spec, "answer": nonce}
    return None


def _prompt_texts(prompt: Any) -> list[str]:
    if prompt is None:
        return []
    if isinstance(prompt, str):
        return [prompt]
    texts = [m.get("content") for m in prompt if isinstance(m, dict) and isinstance(m.get("content"), str)]
    user = [
        m["content"] for m in prompt if isinstance(m, dict) and m.get("role") == "user" and m.get("content")
    ]
    out = [t for t in ("\n".join(t for t in texts if t), user[-1] if user else "") if t]
    return list(dict.fromkeys(out))


def _probes(spec: dict[str, Any], prompt: Any) -> Iterator[_Probe]:
    custom = spec["type"] == "custom"
    yield _Probe("empty output", "")
    yield _Probe("whitespace only", " \n\t ")
    for key in _CUSTOM_MASTER_KEYS if custom else MASTER_KEYS:
        yield _Probe(f"master key {key!r}", key)
    zero_outputs: list[tuple[str, Any]] = list(
        _many_candidates(spec, _CUSTOM_SEPARATORS if custom else _SEPARATORS)
    )
    zero_outputs.append(("echo spec (JSON)", json.dumps(spec)))
    zero_outputs.append(("echo spec (indented JSON)", json.dumps(spec, indent=2)))
    zero_outputs.extend(("echo prompt", text) for text in _prompt_texts(prompt))
    zero_outputs.extend(_wrong_answers(spec))
    for name, output in zero_outputs:
        yield _Probe(name, output)
    reference = _reference(spec)
    max_chars = spec.get("max_chars", DEFAULT_MAX_CHARS)
    filler = "Let me think about this carefully. " * (max_chars // 35 + 2)
    tail = reference if isinstance(reference, str) else json.dumps(spec)
    yield _Probe("over length cap", f"{filler}\nAnswer: {tail}")
    unsat = _unsatisfiable(spec)
    if unsat is not None:
        outputs = [("right answer of the original task", reference)] if reference is not None else []
        outputs += [(f"master key {k!r}", k) for k in MASTER_KEYS[: 2 if custom else 6]]
        outputs += zero_outputs[: 2 if custom else 6]
        for name, output in outputs:
            yield _Probe(f"unsatisfiable task: {name}", output, spec=unsat)
    if reference is not None:
        yield _Probe("reference answer", reference, same_as_reference=True)
        for name, output in _equivalents(spec):
            yield _Probe(f"equivalent: {name}", output, same_as_reference=True)


def _equivalent(a: str, b: str) -> bool:
    """Two answers that are one answer: equal after ``normalize_text``, or the same number."""
    if normalize_text(a) == normalize_text(b):
        return True
    x, y = parse_number(a.strip()), parse_number(b.strip())
    return x is not None and x == y


def _leniency_failures(spec: dict[str, Any], label: str) -> list[ProbeFailure]:
    """Format-only regexes and constants that a numeric tolerance or a schema lets through."""
    kind = spec["type"]
    failures: list[ProbeFailure] = []
    if kind == "regex":
        accepted: list[str] = []
        candidates = [*sample_matches(spec["pattern"]), *_REGEX_CONSTANTS]
        for candidate in dict.fromkeys(candidates):
            if candidate.strip() and verify(candidate, spec).reward > 0:
                if not any(_equivalent(candidate, a) for a in accepted):
                    accepted.append(candidate)
            if len(accepted) >= 2:
                failures.append(
                    ProbeFailure(
                        label,
                        "format only (accepts several answers)",
                        accepted[1],
                        1.0,
                        "reward 0 (a regex verifier must accept one answer)",
                        f"it also accepts {accepted[0]!r}: the pattern checks a format, not the answer",
                    )
                )
                break
    elif kind == "numeric":
        answer = _numeric_answer(spec)
        constants = [
            _format_number(value)
            for value in dict.fromkeys((0.0, 1.0, -1.0, answer / 2, answer * 2, answer * 1.5))
            # a constant within the tolerance is the answer itself
            if not abs(value - answer) <= max(DEFAULT_TOLERANCE, 1e-9 * abs(answer))
        ]
        failures += _rewarded_constants(
            spec, label, constants, "reward 0 (the tolerance is wider than the answer can bear)"
        )
    elif kind == "json_schema":
        failures += _rewarded_constants(
            spec, label, _JSON_CONSTANTS, "reward 0 (the schema accepts a constant)"
        )
    return failures


def _rewarded_constants(
    spec: dict[str, Any], label: str, constants: Iterable[str], expected: str
) -> list[ProbeFailure]:
    """The constant answers that earn a reward, each a failure that should have been ``expected``."""
    failures = []
    for output in constants:
        verdict = verify(output, spec)
        if verdict.reward > 0:
            failures.append(
                ProbeFailure(
                    label, f"constant answer {output}", output, verdict.reward, expected, verdict.reason
                )
            )
    return failures


def probe_verifier(spec: dict[str, Any], prompt: Any = None, label: str | None = None) -> list[ProbeFailure]:
    """Run every probe on one spec; an invalid spec is one failure (probe ``valid spec``)."""
    try:
        spec = validate_spec(spec)
    except (ValueError, TypeError) as exc:
        shown = spec if isinstance(spec, str) else json.dumps(spec, default=str)
        return [ProbeFailure(label or "?", "valid spec", shown, 0.0, "a valid spec", str(exc))]
    label = label or spec_label(spec)
    failures: list[ProbeFailure] = []
    is_custom = spec["type"] == "custom"
    probes = [p for p in _probes(spec, prompt) if not (is_custom and p.same_as_reference)]
    if is_custom:
        with ThreadPoolExecutor(_CUSTOM_WORKERS) as pool:
            verdicts = list(pool.map(lambda p: verify(p.completion, p.spec or spec), probes))
    else:
        verdicts = [verify(p.completion, p.spec or spec) for p in probes]
    for probe, verdict in zip(probes, verdicts, strict=True):
        shown = probe.completion if isinstance(probe.completion, str) else json.dumps(probe.completion)
        if probe.same_as_reference:
            if verdict.reward != 1.0:
                failures.append(
                    ProbeFailure(
                        label, probe.name, shown, verdict.reward, "reward 1 (a right answer)", verdict.reason
                    )
                )
        elif verdict.reward != 0.0 or math.isnan(verdict.reward):
            failures.append(
                ProbeFailure(label, probe.name, shown, verdict.reward, "reward 0", verdict.reason)
            )
    failures.extend(_leniency_failures(spec, label))
    return failures


def _echo_failures(spec: dict[str, Any], prompt: Any, label: str) -> list[ProbeFailure]:
    failures = []
    for text in _prompt_texts(prompt):
        verdict = verify(text, spec)
        if verdict.reward != 0.0:
            failures.append(
                ProbeFailure(label, "echo prompt", text, verdict.reward, "reward 0", verdict.reason)
            )
    return failures


def probe_verifiers(specs: list[dict[str, Any]], prompts: list[Any] | None = None) -> list[ProbeFailure]:
    """Probe every distinct spec in full, the echo probe for every further prompt it is used with, and constant
    outputs across all the tasks (with its prompt, when ``prompts`` is given: one per spec); return the failures.

    >>> [f.probe for f in probe_verifiers([{"type": "exact", "answer": "Solution"}])][:1]
    ["master key 'Solution'"]
    """
    if prompts is not None and len(prompts) != len(specs):
        raise ValueError(f"`prompts` must give one prompt per spec: {len(prompts)} for {len(specs)}")
    probed: dict[str, tuple[dict[str, Any], str]] = {}  # spec key -> (valid spec, label)
    uses: dict[str, int] = {}  # spec key -> distinct prompts it is used with
    invalid: set[str] = set()
    seen: set[str] = set()
    failures: list[ProbeFailure] = []
    for i, spec in enumerate(specs):
        prompt = prompts[i] if prompts is not None else None
        if isinstance(spec, str):
            try:
                spec = json.loads(spec)
            except ValueError:
                pass  # reported as an invalid spec below
        key = json.dumps(spec, sort_keys=True, default=str)
        label = f"#{i} {spec_label(spec) if isinstance(spec, dict) else '?'}"
        prompt_key = json.dumps([key, prompt], sort_keys=True, default=str)
        if key in invalid or prompt_key in seen:
            continue
        seen.add(prompt_key)
        uses[key] = uses.get(key, 0) + 1  # a task is a distinct (spec, prompt)
        if key not in probed:
            found = probe_verifier(spec, prompt, label=label)
            failures.extend(found)
            if any(f.probe == "valid spec" for f in found):
                invalid.add(key)
                continue
            probed[key] = (validate_spec(spec), label)
        else:
            failures.extend(_echo_failures(probed[key][0], prompt, probed[key][1]))
    failures.extend(_cross_task_failures([(*probed[k], uses[k]) for k in probed]))
    return failures


def _cross_task_failures(tasks: list[tuple[dict[str, Any], str, int]]) -> list[ProbeFailure]:
    """One output that earns reward on most tasks (rows): the policy can ignore the prompt and say it."""
    tasks = [t for t in tasks if t[0]["type"] != "custom"]  # a sandboxed run per try
    total = sum(n for _, _, n in tasks)
    if total < CROSS_TASK_MIN_TASKS:
        return []
    counts: dict[str, int] = {}
    outputs: dict[str, Any] = {}
    for spec, _, n in tasks:
        candidates = [_reference(spec)]
        if spec["type"] == "regex":
            candidates += sample_matches(spec["pattern"])[:1]
        for candidate in candidates:
            if candidate is None:
                continue
            key = json.dumps(candidate, sort_keys=True, default=str)
            counts[key] = counts.get(key, 0) + n
            outputs.setdefault(key, candidate)
    for constant in ("yes", "no", "true", "false", "0", "1", "A"):
        key = json.dumps(constant)
        counts.setdefault(key, 0)
        outputs.setdefault(key, constant)
    ranked = sorted(counts, key=lambda k: -counts[k])[:_CROSS_TASK_CANDIDATES]
    failures = []
    for key in ranked:
        output = outputs[key]
        paid = [(label, n) for spec, label, n in tasks if verify(output, spec).reward > 0]
        won = sum(n for _, n in paid)
        if won > CROSS_TASK_SHARE * total:
            shown = output if isinstance(output, str) else json.dumps(output)
            failures.append(
                ProbeFailure(
                    paid[0][0],
                    "constant answer across tasks",
                    shown,
                    1.0,
                    f"reward on at most {CROSS_TASK_SHARE:.0%} of the tasks",
                    f"rewarded on {won} of {total} tasks: a policy can ignore the prompt and give this",
                )
            )
    return failures


def assert_verifiers_sound(specs: list[dict[str, Any]], prompts: list[Any] | None = None) -> None:
    """Raise ``TracewheelError`` naming the verifier, the probe and the reward when any verifier is gameable."""
    failures = probe_verifiers(specs, prompts)
    if not failures:
        return
    verifiers = {f.verifier for f in failures}
    more = f" ({len(failures)} probe failures across {len(verifiers)} verifier(s); `tracewheel verify --probe` lists them)"
    raise TracewheelError(
        f"refusing to train on a gameable reward: {failures[0].message}{more if len(failures) > 1 else ''}"
    )
