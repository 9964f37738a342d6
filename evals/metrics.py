"""Scoring one generation: the verifier reward, ragas' non-LLM metrics, the tool-call parse, the probe checks.

ragas supplies ``ExactMatch`` and ``NonLLMStringSimilarity`` (Levenshtein) on ``SingleTurnSample`` and
``ToolCallAccuracy`` (name and arguments, in order) on ``MultiTurnSample``; none of them calls an LLM. Task success,
the pass/fail the gate compares, is the example's verifier when it has one, else a tool-call accuracy of 1, else the
normalized answer equal to the reference (``tracewheel.core.verifiers``' ``normalized`` check).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from collections.abc import Coroutine
from typing import Any

from pydantic import BaseModel
from tracewheel.evals.suites import EvalExample

from tracewheel.core.verifiers import verify

# ragas batches usage analytics to its own server unless told not to; tracewheel never phones home.
os.environ["RAGAS_DO_NOT_TRACK"] = "true"

PASS_REWARD = 1.0


class Generation(BaseModel):
    """What one model produced for one example (the engine's ``Choice``, trimmed to what is scored)."""

    text: str
    tool_calls: list[dict[str, Any]]
    tool_call_parse_error: bool
    finish_reason: str


class Score(BaseModel):
    success: bool
    reward: float | None = None  # the verifier's, when the example has one
    exact_match: float | None = None
    string_similarity: float | None = None
    tool_call_accuracy: float | None = None
    tool_call_parse_error: bool = False
    how: str = ""  # what decided success


def _ragas() -> Any:
    from ragas.dataset_schema import MultiTurnSample, SingleTurnSample
    from ragas.messages import AIMessage, HumanMessage, ToolCall
    from ragas.metrics import ExactMatch, NonLLMStringSimilarity, ToolCallAccuracy

    return {
        "single": SingleTurnSample,
        "multi": MultiTurnSample,
        "ai": AIMessage,
        "human": HumanMessage,
        "call": ToolCall,
        "exact": ExactMatch(),
        "similarity": NonLLMStringSimilarity(),
        "tools": ToolCallAccuracy(),
    }


def _run(coro: Coroutine[Any, Any, float]) -> float:
    """Await a ragas score from sync code, also when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    out: list[float] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(coro)))
    thread.start()
    thread.join()
    return out[0]


def _parsed_arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError:
        return {"__unparsed__": raw}
    return value if isinstance(value, dict) else {"__value__": value}


def exact_match(response: str, reference: str) -> float:
    r = _ragas()
    return _run(r["exact"].single_turn_ascore(r["single"](response=response, reference=reference)))


def string_similarity(response: str, reference: str) -> float:
    r = _ragas()
    return _run(r["similarity"].single_turn_ascore(r["single"](response=response, reference=reference)))


def tool_call_accuracy(
    prompt: list[dict[str, Any]], calls: list[dict[str, Any]], reference: list[dict[str, Any]]
) -> float:
    """ragas ``ToolCallAccuracy`` of the generated calls (OpenAI shape) against ``[{"name", "arguments"}]``."""
    if not calls:
        return 0.0  # ragas says the same, with a warning per example
    r = _ragas()
    user = "\n".join(m.get("content") or "" for m in prompt if m.get("role") == "user")
    made = [
        r["call"](name=c["function"]["name"], args=_parsed_arguments(c["function"].get("arguments")))
        for c in calls
    ]
    sample = r["multi"](
        user_input=[r["human"](content=user or "-"), r["ai"](content="", tool_calls=made)],
        reference_tool_calls=[r["call"](name=c["name"], args=c["arguments"]) for c in reference],
    )
    return _run(r["tools"].multi_turn_ascore(sample))


def completion(generation: Generation) -> dict[str, Any]:
    """The generation as an OpenAI assistant message, the form verifiers take."""
    return {"role": "assistant", "content": generation.text, "tool_calls": generation.tool_calls}


def score_task(example: EvalExample, generation: Generation) -> Score:
    score = Score(success=False, tool_call_parse_error=generation.tool_call_parse_error)
    if example.reference_text is not None:
        score.exact_match = exact_match(generation.text.strip(), example.reference_text.strip())
        score.string_similarity = string_similarity(generation.text.strip(), example.reference_text.strip())
    if example.reference_tool_calls is not None:
        score.tool_call_accuracy = tool_call_accuracy(
            example.messages, generation.tool_calls, example.reference_tool_calls
        )
    if example.verifier is not None:
        try:
            score.reward = float(verify(completion(generation), example.verifier).reward)
        except (ValueError, TypeError) as exc:
            score.how = f"verifier could not run: {exc}"
            return score
        score.success, score.how = score.reward >= PASS_REWARD, f"verifier {example.verifier.get('type')}"
    elif example.reference_tool_calls is not None:
        score.success, score.how = score.tool_call_accuracy == 1.0, "tool call accuracy = 1"
    elif example.reference_text is not None:
        reward = verify(generation.text, {"type": "normalized", "answer": example.reference_text}).reward
        score.success, score.how = reward >= PASS_REWARD, "normalized answer equals the reference"
    return score


# --- forgetting probes --------------------------------------------------------------------------------------------

_WORDS = re.compile(r"[\w'-]+")


def _check(check: dict[str, Any], generation: Generation) -> bool:
    text = generation.text.strip()
    kind = check["type"]
    words = _WORDS.findall(text)
    if kind == "all":
        return all(_check(c, generation) for c in check["checks"])
    if kind == "verifier":
        return verify(completion(generation), check["spec"]).reward >= PASS_REWARD
    if kind == "contains":
        folded = text.casefold()
        return any(re.search(rf"(?<!\w){re.escape(a.casefold())}(?!\w)", folded) for a in check["any"])
    if kind == "lowercase":
        return bool(text) and text == text.lower() and any(c.isalpha() for c in text)
    if kind == "uppercase":
        return bool(text) and text == text.upper() and any(c.isalpha() for c in text)
    if kind == "max_words":
        return 0 < len(words) <= check["n"]
    if kind == "min_words":
        return len(words) >= check["n"]
    if kind == "starts_with":
        return text.casefold().startswith(check["text"].casefold())
    if kind == "ends_with":
        return text.endswith(check["text"])
    if kind == "no_char":
        return bool(text) and check["char"] not in text
    if kind == "min_count":
        return text.count(check["char"]) >= check["n"]
    if kind == "tool_called":
        return (
            not generation.tool_call_parse_error
            and len(generation.tool_calls) == 1
            and generation.tool_calls[0]["function"]["name"] == check["name"]
        )
    raise ValueError(f"unknown probe check type {kind!r}")


def score_probe(example: EvalExample, generation: Generation) -> Score:
    """A probe passes when its deterministic check does (``evals/data/probes.jsonl``)."""
    if example.checker is None:
        raise ValueError(f"probe {example.example_id} has no checker")
    # A probe that offers tools tests the format: an unparseable tool call fails it, whatever else parsed.
    broken = bool(example.tools) and generation.tool_call_parse_error
    return Score(
        success=not broken and _check(example.checker, generation),
        tool_call_parse_error=generation.tool_call_parse_error,
        how=f"probe check {example.checker['type']}",
    )
