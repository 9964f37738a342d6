"""pydantic-ai's own instrumentation (``Agent(instrument=InstrumentationSettings(version=N))``), each data-format
version: the default, the deprecated 2 and 3 (tool results in ``tool_call_response`` parts keyed ``result`` and
in ``tool_response`` on the tool span), and 6 (tool results under ``role: tool``)."""

from __future__ import annotations

from typing import Any

FRAMEWORK = "pydantic-ai"
DISTRIBUTION = "pydantic-ai-slim"
PACKAGES = ["pydantic-ai-slim[openai]==2.68.0"]
INSTRUMENTATIONS = {"builtin": [], "builtin-v2": [], "builtin-v3": [], "builtin-v6": []}
EXPECT: dict[str, dict[str, Any]] = {}
_VERSIONS = {"builtin": None, "builtin-v2": 2, "builtin-v3": 3, "builtin-v6": 6}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_NAME
    from pydantic_ai import Agent, InstrumentationSettings
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    version = _VERSIONS[instrumentation]
    settings = InstrumentationSettings(
        tracer_provider=telemetry.tracer_provider, **({"version": version} if version else {})
    )
    model = OpenAIChatModel("fake-gpt", provider=OpenAIProvider(base_url=llm.base_url, api_key="sk-fake"))
    agent = Agent(model, name=AGENT_NAME, system_prompt=SYSTEM_PROMPT)
    agent.instrument = settings

    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return scenario.result(city)

    agent.tool_plain(name=TOOL_NAME)(get_weather)
    result = agent.run_sync(scenario.user)
    assert result.output == scenario.final_answer, result.output
