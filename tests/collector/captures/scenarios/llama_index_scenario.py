"""LlamaIndex ``FunctionAgent`` (agent workflows) on ``OpenAILike`` (pointed at the fake server; it streams),
traced by ``openinference-instrumentation-llama-index``."""

from __future__ import annotations

from typing import Any

FRAMEWORK = "llama-index"
DISTRIBUTION = "llama-index-core"
PACKAGES = [
    "llama-index-core==0.14.25",
    "llama-index-llms-openai-like==0.8.1",
    "llama-index-llms-openai==0.8.3",
]
INSTRUMENTATIONS = {"openinference": ["openinference-instrumentation-llama-index==4.6.1"]}
EXPECT: dict[str, dict[str, Any]] = {}
LIMITS = [
    "FunctionAgent only: ReActAgent's turns are Thought/Action text, not tool calls (not recorded).",
    "Streaming LLM spans carry no token counts: usage is 0.",
    "The agent's name is read from the workflow events' text (current_agent_name).",
]


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    import asyncio

    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.tools import FunctionTool
    from llama_index.llms.openai_like import OpenAILike
    from openinference.instrumentation.llama_index import LlamaIndexInstrumentor

    LlamaIndexInstrumentor().instrument(tracer_provider=telemetry.tracer_provider)

    def get_weather(city: str) -> str:
        return scenario.result(city)

    tool = FunctionTool.from_defaults(fn=get_weather, name=TOOL_NAME, description=TOOL_DESCRIPTION)
    model = OpenAILike(
        model="fake-gpt",
        api_base=llm.base_url,
        api_key="sk-fake",
        is_chat_model=True,
        is_function_calling_model=True,
    )
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
