"""Strands Agents' own OpenTelemetry spans (``strands.telemetry``), an ``Agent`` on its ``OpenAIModel`` (pointed at
the fake server; it streams). Strands uses the global tracer provider.

Instrumentations: ``builtin`` (its default: content in the deprecated per-message span events, Bedrock-style
content blocks) and ``builtin-latest`` (``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``: the
operation-details span events with ``gen_ai.input.messages`` / ``gen_ai.output.messages``)."""

from __future__ import annotations

import os
from typing import Any

FRAMEWORK = "strands"
DISTRIBUTION = "strands-agents"
PACKAGES = ["strands-agents[openai]==1.62.0"]
INSTRUMENTATIONS = {"builtin": [], "builtin-latest": []}
EXPECT: dict[str, dict[str, Any]] = {}
LIMITS = {
    "builtin": ["Content arrives as Bedrock Converse content blocks (JSON text) in the deprecated events"],
    "builtin-latest": ["Content arrives in operation-details span events; tool results as Converse blocks"],
}
_ENV = {"builtin": {}, "builtin-latest": {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental"}}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    os.environ.update(_ENV[instrumentation])
    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME
    from strands import Agent, tool
    from strands.models.openai import OpenAIModel

    @tool(name=TOOL_NAME, description=TOOL_DESCRIPTION)
    def get_weather(city: str) -> str:
        """Current weather for a city.

        Args:
            city: The city.
        """
        return scenario.result(city)

    model = OpenAIModel(client_args={"base_url": llm.base_url, "api_key": "sk-fake"}, model_id="fake-gpt")
    agent = Agent(
        name=AGENT_NAME, model=model, tools=[get_weather], system_prompt=SYSTEM_PROMPT, callback_handler=None
    )
    answer = str(agent(scenario.user)).strip()
    assert answer == scenario.final_answer, answer
