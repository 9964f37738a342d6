"""LlamaIndex ``FunctionAgent`` (agent workflows) on ``OpenAILike`` (pointed at the fake server; it streams),
traced by ``openinference-instrumentation-llama-index``."""

from __future__ import annotations

import json
from typing import Any

FRAMEWORK = "llama-index"
DISTRIBUTION = "llama-index-core"
PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-llms-openai-like==0.8.1",
    "llama-index-llms-openai==0.8.3",
]
_OPENINFERENCE = ["openinference-instrumentation-llama-index==4.6.1"]
# "openinference-react": the same instrumentation over a ReActAgent (tool calls as Thought/Action text).
INSTRUMENTATIONS = {"openinference": _OPENINFERENCE, "openinference-react": _OPENINFERENCE}
EXPECT: dict[str, dict[str, Any]] = {}
_COMMON = [
    "Streaming LLM spans carry no token counts: usage is 0",
    "The agent's name is read from the workflow events' text (current_agent_name)",
]
LIMITS = {
    "openinference": _COMMON,
    "openinference-react": [
        "ReActAgent: its Action / Action Input text is read as a tool call (id react_<n>), the Observation as its "
        "result and the Answer as the final answer; one call per turn, so no parallel capture",
        *_COMMON,
    ],
}


def _react_answer(llm: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The fake model as LlamaIndex's ReAct prompt asks: an Action for the city, then the Answer."""
    script = llm.script
    history = [
        m.get("content") or "" for m in (body.get("messages") or [])[1:] if isinstance(m.get("content"), str)
    ]
    if any(text.startswith("Observation:") for text in history):
        content = f"Thought: I can answer without using any more tools.\nAnswer: {script.final_answer}"
    else:
        content = f"Thought: I need the weather.\nAction: {script.tool}\nAction Input: {json.dumps(script.calls[0])}"
    return {"message": {"role": "assistant", "content": content}, "finish": "stop"}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    import asyncio

    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME
    from llama_index.core.agent.workflow import FunctionAgent, ReActAgent
    from llama_index.core.tools import FunctionTool
    from llama_index.llms.openai_like import OpenAILike
    from openinference.instrumentation.llama_index import LlamaIndexInstrumentor

    react = instrumentation == "openinference-react"
    if react and len(scenario.cities) > 1:
        raise NotImplementedError("a ReAct agent makes one tool call per turn: no parallel scenario")
    LlamaIndexInstrumentor().instrument(tracer_provider=telemetry.tracer_provider)

    def get_weather(city: str) -> str:
        return scenario.result(city)

    tool = FunctionTool.from_defaults(fn=get_weather, name=TOOL_NAME, description=TOOL_DESCRIPTION)
    model = OpenAILike(
        model="fake-gpt",
        api_base=llm.base_url,
        api_key="sk-fake",
        is_chat_model=True,
        is_function_calling_model=not react,
    )
    if react:
        llm.answer = lambda body: _react_answer(llm, body)
        agent: Any = ReActAgent(name=AGENT_NAME, tools=[tool], llm=model)
    else:
        agent = FunctionAgent(
            name=AGENT_NAME,
            description="Answers weather questions.",
            tools=[tool],
            llm=model,
            system_prompt=SYSTEM_PROMPT,
        )

    async def main() -> str:
        return str(await agent.run(user_msg=scenario.user))

    answer = asyncio.run(main())
    assert answer == scenario.final_answer, answer
