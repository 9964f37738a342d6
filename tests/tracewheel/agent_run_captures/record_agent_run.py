"""Record an agent framework's run inside ``tracewheel.instrument.agent_run`` as an OTLP/JSON fixture.

Run with the Python of a throwaway venv that has the framework, the OTel SDK and the OTLP encoders installed (never
the dev venv): ``<venv>/bin/python tests/tracewheel/agent_run_captures/record_agent_run.py pydantic-ai`` (or ``langgraph``,
``openai-agents``). The run talks to the fake LLM (``tests/_fake_llm.py``); the spans go to an in-memory exporter
and are written as ``<framework>-<version>.json`` here, with the package versions. Captures were made with
pydantic-ai-slim 2.68.0; langgraph 1.2.24 + langchain-openai 1.8.1 + openinference-instrumentation-langchain 0.1.80;
openai-agents 0.24.0 + openinference-instrumentation-openai-agents 2.6.0.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2]), str(HERE.parents[1])]  # the repository (tracewheel.instrument), tests/

from _fake_llm import FakeLLM, Script, serving  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from opentelemetry import trace  # noqa: E402
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from tracewheel.instrument import agent_run  # noqa: E402

AGENT, TASK, EXPECTED, QUESTION = (
    "weather",
    "weather",
    {"type": "normalized", "answer": "Sunny."},
    "Weather in Paris?",
)
SCRIPT = Script(tool="get_weather", calls=({"city": "Paris"},), call_ids=("call_1",), final_answer="Sunny.")


def pydantic_ai(llm: FakeLLM) -> tuple[str, list[str]]:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    Agent.instrument_all()
    model = OpenAIChatModel("fake-gpt", provider=OpenAIProvider(base_url=llm.base_url, api_key="sk-fake"))

    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    agent = Agent(model, name="weather-bot", system_prompt="Be brief.", tools=[get_weather])
    with agent_run(AGENT, task=TASK, expected=EXPECTED):
        return agent.run_sync(QUESTION).output, ["pydantic-ai-slim"]


def langgraph(llm: FakeLLM) -> tuple[str, list[str]]:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent
    from openinference.instrumentation.langchain import LangChainInstrumentor

    LangChainInstrumentor().instrument()

    @tool("get_weather")
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    model = ChatOpenAI(model="fake-gpt", base_url=llm.base_url, api_key="sk-fake", max_retries=0)
    graph = create_react_agent(model, [get_weather], prompt="Be brief.", name="weather-graph")
    with agent_run(AGENT, task=TASK, expected=EXPECTED):
        state = graph.invoke({"messages": [{"role": "user", "content": QUESTION}]})
    packages = ["langgraph", "langchain-openai", "openinference-instrumentation-langchain"]
    return state["messages"][-1].content, packages


def openai_agents(llm: FakeLLM) -> tuple[str, list[str]]:
    from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_trace_processors
    from openai import AsyncOpenAI
    from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    set_trace_processors([])  # nothing to OpenAI's trace endpoint; OpenInference adds its own processor
    OpenAIAgentsInstrumentor().instrument()

    @function_tool
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return "sunny"

    client = AsyncOpenAI(base_url=llm.base_url, api_key="sk-fake")
    model = OpenAIChatCompletionsModel(model="fake-gpt", openai_client=client)
    agent = Agent(name="weather-agent", instructions="Be brief.", tools=[get_weather], model=model)

    async def run() -> str:
        with agent_run(AGENT, task=TASK, expected=EXPECTED):
            return (await Runner.run(agent, QUESTION)).final_output

    return asyncio.run(run()), ["openai-agents", "openinference-instrumentation-openai-agents"]


FRAMEWORKS = {"pydantic-ai": pydantic_ai, "langgraph": langgraph, "openai-agents": openai_agents}


def _hex_ids(doc: Any) -> Any:
    # OTLP/JSON spells trace and span ids in hex (protobuf's JSON mapping would give base64).
    if isinstance(doc, dict):
        return {
            k: base64.b64decode(v).hex() if k in ("traceId", "spanId", "parentSpanId") else _hex_ids(v)
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [_hex_ids(v) for v in doc]
    return doc


def main(framework: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": f"{framework}-agent"}))
    spans = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    with serving(SCRIPT) as llm:
        answer, packages = FRAMEWORKS[framework](llm)
    assert answer == SCRIPT.final_answer, answer
    versions = {p: version(p) for p in [*packages, "opentelemetry-sdk"]}
    request = json_format.MessageToDict(encode_spans(spans.get_finished_spans()))
    doc = {"meta": {"framework": framework, "packages": versions}, "traces": _hex_ids(request)}
    out = HERE / f"{framework}-{versions[packages[0]]}.json"
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(out)


if __name__ == "__main__":
    main(sys.argv[1])
