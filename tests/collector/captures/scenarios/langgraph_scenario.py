"""LangGraph's prebuilt ReAct agent (``create_react_agent``) and LangChain 1.x's ``create_agent`` (its current
equivalent, built on LangGraph) over ``ChatOpenAI(base_url=...)``, instrumented by
openinference-instrumentation-langchain. Tool results arrive as serialized LangChain messages; graph nodes
("agent", "tools", "LangGraph") are not agent names."""

from __future__ import annotations

from typing import Any

FRAMEWORK = "langgraph"
DISTRIBUTION = "langgraph"
PACKAGES = ["langgraph==1.2.24", "langchain-openai==1.8.1", "langchain==1.5.2"]
_OPENINFERENCE = ["openinference-instrumentation-langchain==0.1.80"]
INSTRUMENTATIONS = {
    "openinference": _OPENINFERENCE,
    "openinference-streaming": _OPENINFERENCE,
    "openinference-create-agent": _OPENINFERENCE,
}
EXPECT: dict[str, dict[str, Any]] = {}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_NAME
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from openinference.instrumentation.langchain import LangChainInstrumentor

    instrumentor = LangChainInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider)

    @tool(TOOL_NAME)
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return scenario.result(city)

    model = ChatOpenAI(
        model="fake-gpt",
        base_url=llm.base_url,
        api_key="sk-fake",
        max_retries=0,
        streaming=instrumentation.endswith("-streaming"),
    )
    try:
        if instrumentation.endswith("-create-agent"):
            from langchain.agents import create_agent

            agent = create_agent(model, [get_weather], system_prompt=SYSTEM_PROMPT, name=AGENT_NAME)
        else:
            from langgraph.prebuilt import create_react_agent

            agent = create_react_agent(model, [get_weather], prompt=SYSTEM_PROMPT, name=AGENT_NAME)
        state = agent.invoke({"messages": [{"role": "user", "content": scenario.user}]})
    finally:
        instrumentor.uninstrument()
    answer = state["messages"][-1].content
    assert answer == scenario.final_answer, answer
