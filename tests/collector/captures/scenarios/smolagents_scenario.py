"""smolagents ``ToolCallingAgent`` on ``OpenAIServerModel`` (pointed at the fake server), traced by
``openinference-instrumentation-smolagents``.

smolagents shows the model its own tool calls and results as text (``Calling tools:\\n[...]`` as an assistant
message, ``Observation:\\n...`` as a user message) and ends a run with a call to its ``final_answer`` tool, so the
fake model here answers the way a model prompted by smolagents does: the scenario's tool calls first, then
``final_answer`` once an observation is in the conversation."""

from __future__ import annotations

import json
from typing import Any

FRAMEWORK = "smolagents"
DISTRIBUTION = "smolagents"
PACKAGES = ["smolagents[openai]==1.26.0"]
INSTRUMENTATIONS = {"openinference": ["openinference-instrumentation-smolagents==0.1.43"]}
EXPECT: dict[str, dict[str, Any]] = {}
LIMITS = [
    "Captures are of ToolCallingAgent. CodeAgent (tested live): a code action is one python_interpreter call "
    "(the code under 'code', as smolagents shows it to the model), the execution logs its result, the tools the "
    "code called stay inside that result, and final_answer(<literal>) code is the answer.",
    "The final_answer tool call becomes the plain-text final answer; smolagents' 'New task:' framing and "
    "'Observation:' prefix are dropped, and its long built-in system prompt is kept.",
    "Parallel calls' observations reach the model joined in one text: each call's result comes from its tool span.",
]


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return content or ""


def _answer(llm: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The fake model's turn as smolagents' prompt asks for it (replaces ``FakeLLM.answer`` for this run)."""
    script = llm.script
    observed = any(
        m.get("role") == "tool" or (m.get("role") != "system" and _text(m).startswith("Observation:"))
        for m in body.get("messages") or []
    )
    if observed:
        args = [{"answer": script.final_answer}]
        names, ids = ["final_answer"], ["call_final_answer"]
    else:
        args, names, ids = list(script.calls), [script.tool] * len(script.calls), list(script.call_ids)
    calls = [
        {"id": i, "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
        for i, n, a in zip(ids, names, args, strict=True)
    ]
    return {"message": {"role": "assistant", "content": None, "tool_calls": calls}, "finish": "tool_calls"}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME
    from openinference.instrumentation.smolagents import SmolagentsInstrumentor

    llm.answer = lambda body: _answer(llm, body)
    instrumentor = SmolagentsInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider)
    try:
        _run_agent(scenario, llm, AGENT_NAME, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME)
    finally:
        instrumentor.uninstrument()  # a live test may run again in the same process


def _run_agent(
    scenario: Any, llm: Any, agent_name: str, system: str, tool_description: str, tool_name: str
) -> None:
    from smolagents import OpenAIServerModel, Tool, ToolCallingAgent

    class Weather(Tool):
        name = tool_name
        description = tool_description
        inputs = {"city": {"type": "string", "description": "The city."}}
        output_type = "string"

        def forward(self, city: str) -> str:
            return scenario.result(city)

    model = OpenAIServerModel(model_id="fake-gpt", api_base=llm.base_url, api_key="sk-fake")
    agent = ToolCallingAgent(
        tools=[Weather()], model=model, name=agent_name, instructions=system, max_steps=4, verbosity_level=0
    )
    answer = agent.run(scenario.user)
    assert answer == scenario.final_answer, answer


def _code_answer(llm: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The fake model as a CodeAgent prompt asks: a code action calling the tool per city, then one calling
    ``final_answer`` once an observation is in the conversation."""
    script = llm.script
    observed = any(
        m.get("role") != "system" and _text(m).startswith("Observation:") for m in body.get("messages") or []
    )
    if observed:
        code = f"final_answer({script.final_answer!r})"
    else:
        code = "\n".join(f"print({script.tool}(city={c['city']!r}))" for c in script.calls)
    content = f"Thought: I look the weather up.\n<code>\n{code}\n</code>"
    return {"message": {"role": "assistant", "content": content}, "finish": "stop"}


def run_code_agent(scenario: Any, llm: Any, telemetry: Any) -> None:
    """A ``CodeAgent`` (actions are Python code; not recorded as a capture, its turns are no tool calls of the
    scenario's shape): run live by tests/collector/test_framework_smolagents.py."""
    from _framework_capture import AGENT_NAME, TOOL_DESCRIPTION, TOOL_NAME
    from openinference.instrumentation.smolagents import SmolagentsInstrumentor
    from smolagents import CodeAgent, OpenAIServerModel, Tool

    llm.answer = lambda body: _code_answer(llm, body)
    instrumentor = SmolagentsInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider)
    try:

        class Weather(Tool):
            name = TOOL_NAME
            description = TOOL_DESCRIPTION
            inputs = {"city": {"type": "string", "description": "The city."}}
            output_type = "string"

            def forward(self, city: str) -> str:
                return scenario.result(city)

        model = OpenAIServerModel(model_id="fake-gpt", api_base=llm.base_url, api_key="sk-fake")
        agent = CodeAgent(tools=[Weather()], model=model, name=AGENT_NAME, max_steps=4, verbosity_level=0)
        answer = agent.run(scenario.user)
        assert answer == scenario.final_answer, answer
    finally:
        instrumentor.uninstrument()
