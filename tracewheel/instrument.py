"""One root span per agent run: ``agent_run`` wraps a run in an OTel GenAI ``invoke_agent`` span that carries
``tracewheel.task`` and ``tracewheel.expected``, so the whole run is one trace and the collector makes it one
episode.

Why a helper: instrumentations that only wrap model calls (the ``openai`` client with openai-v2, OpenLLMetry or
OpenInference) give every call its own root span, so one agent run arrives as several traces, each a separate
episode. Frameworks that make their own root span (pydantic-ai, LangGraph, the OpenAI Agents SDK) start it in the
active OTel context: inside ``agent_run`` their spans become children of ours, and the run's task and reference
answer travel with it however the framework names its spans.

Usage, as a context manager or a decorator (sync and async)::

    from tracewheel.instrument import agent_run, set_expected

    with agent_run("weather", task="weather", expected={"type": "normalized", "answer": "sunny"}):
        ...  # model calls, tools, a framework's run

    @agent_run("calculator", task="arithmetic")
    async def solve(question: str, answer: float) -> str:
        set_expected({"type": "numeric", "answer": answer, "tolerance": 0})  # known only per call
        ...

Depends on ``opentelemetry-api`` alone (no SDK, nothing else from tracewheel), so an agent process can import it
cheaply; with no SDK configured every span is a no-op. Attributes follow the GenAI semantic conventions
(``gen_ai.*``, development status, as of semconv 1.37): span name ``invoke_agent {gen_ai.agent.name}``, kind
INTERNAL (an agent running in this process).
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager, contextmanager
from typing import Any, Final, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

__all__ = ["AgentRun", "agent_run", "set_expected", "set_task"]

GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
"""The operation a span stands for; ``invoke_agent`` here."""
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
"""Human-readable name of the agent."""
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
"""Id of the conversation (session, thread) the run belongs to."""
ERROR_TYPE: Final = "error.type"
"""Class of the error that ended the operation."""
TRACEWHEEL_TASK: Final = "tracewheel.task"
"""Which task (and so which verifier and outcome rules) applies to the run; ``[curator.tasks.<task>]``."""
TRACEWHEEL_EXPECTED: Final = "tracewheel.expected"
"""The reference answer or a verifier spec, as a JSON string on the wire."""
OP_INVOKE_AGENT: Final = "invoke_agent"

_SCOPE: Final = "tracewheel.instrument"
_SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.37.0"

F = TypeVar("F", bound=Callable[..., Any])


def encode_expected(expected: Any) -> str:
    """``tracewheel.expected`` as sent: a str is kept as it is (a plain reference answer, or JSON already encoded);
    anything else JSON-serializable (a verifier spec dict, a list, a number) is JSON-encoded."""
    if isinstance(expected, str):
        return expected
    try:
        return json.dumps(expected, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"expected must be a str or JSON-serializable, got {type(expected).__name__}"
        ) from exc


def _check_str(value: Any, name: str) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")


class AgentRun(AbstractContextManager[Span], AbstractAsyncContextManager[Span]):
    """An ``invoke_agent`` span around a run; see the module docstring. Built by ``agent_run``.

    As a context manager it yields the span (set more attributes on it); each ``with`` starts a new span, so the
    object may be reused, though not entered twice at once. As a decorator every call gets a span of its own.
    """

    def __init__(
        self,
        agent_name: str,
        *,
        task: str | None = None,
        expected: Any = None,
        conversation_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        if not isinstance(agent_name, str) or not agent_name.strip():
            raise ValueError(f"agent_name must be a non-empty str, got {agent_name!r}")
        _check_str(task, "task")
        _check_str(conversation_id, "conversation_id")
        self.agent_name = agent_name
        self.attributes: dict[str, Any] = dict(attributes or {})
        self.attributes.update({GEN_AI_OPERATION_NAME: OP_INVOKE_AGENT, GEN_AI_AGENT_NAME: agent_name})
        if conversation_id is not None:
            self.attributes[GEN_AI_CONVERSATION_ID] = conversation_id
        if task is not None:
            self.attributes[TRACEWHEEL_TASK] = task
        if expected is not None:
            self.attributes[TRACEWHEEL_EXPECTED] = encode_expected(expected)
        self._tracer_provider = tracer_provider
        self._open: list[AbstractContextManager[Span]] = []

    # --- context manager ------------------------------------------------------------------------------------

    @contextmanager
    def _span(self) -> Iterator[Span]:
        # The tracer is looked up on entry, not at construction: a module-level decorator runs before the
        # application installs its TracerProvider.
        tracer = trace.get_tracer(_SCOPE, schema_url=_SCHEMA_URL, tracer_provider=self._tracer_provider)
        with tracer.start_as_current_span(
            f"{OP_INVOKE_AGENT} {self.agent_name}",
            kind=SpanKind.INTERNAL,
            attributes=self.attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as exc:
                # Recorded here rather than by the SDK so a cancelled or interrupted run is marked too, with the
                # semconv error.type next to the exception event.
                span.record_exception(exc)
                span.set_attribute(ERROR_TYPE, type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                raise

    def __enter__(self) -> Span:
        cm = self._span()
        span = cm.__enter__()
        self._open.append(cm)
        return span

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        return self._open.pop().__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        return self.__exit__(exc_type, exc, tb)

    # --- decorator ------------------------------------------------------------------------------------------

    def __call__(self, func: F) -> F:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            # The span would end when the generator object is created, before the run happens.
            raise TypeError(
                f"agent_run cannot decorate the generator {func.__qualname__}; use it as a context manager "
                "inside the generator"
            )
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with self._span():
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self._span():
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]


def agent_run(
    agent_name: str,
    *,
    task: str | None = None,
    expected: Any = None,
    conversation_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    tracer_provider: trace.TracerProvider | None = None,
) -> AgentRun:
    """An ``invoke_agent {agent_name}`` span around an agent run, as a context manager or decorator.

    Args:
        agent_name: ``gen_ai.agent.name``; the episode's agent name.
        task: ``tracewheel.task``: which ``[curator.tasks.<task>]`` rules and verifier apply.
        expected: ``tracewheel.expected``: a reference answer (str, kept as is) or a verifier spec (a dict, e.g.
            ``{"type": "numeric", "answer": 42, "tolerance": 0}``; JSON-encoded, as the wire carries it).
        conversation_id: ``gen_ai.conversation.id``, when runs belong to one conversation.
        attributes: more span attributes.
        tracer_provider: defaults to the global one (``opentelemetry.trace.set_tracer_provider``).
    """
    return AgentRun(
        agent_name,
        task=task,
        expected=expected,
        conversation_id=conversation_id,
        attributes=attributes,
        tracer_provider=tracer_provider,
    )


def set_task(task: str) -> None:
    """Set ``tracewheel.task`` on the current span (the ``agent_run`` span, or whichever span a framework made
    current): for a task known only once the run has started."""
    _check_str(task, "task")
    trace.get_current_span().set_attribute(TRACEWHEEL_TASK, task)


def set_expected(expected: Any) -> None:
    """Set ``tracewheel.expected`` on the current span; a str is kept, anything else is JSON-encoded. The collector
    reads both attributes from any span of the trace, so this works inside a framework's own spans too."""
    trace.get_current_span().set_attribute(TRACEWHEEL_EXPECTED, encode_expected(expected))
