"""Google ADK's own OpenTelemetry spans (``google.adk.telemetry``): an ``LlmAgent`` on ADK's ``LiteLlm`` wrapper
with an ``openai/`` model pointed at the fake server, run through an in-memory ``Runner``.

Instrumentations (each with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT set, or ADK records no content):
``builtin`` (ADK 2.x's default schema: ``invoke_workflow`` / ``invoke_agent`` / ``generate_content`` /
``execute_tool`` spans with ``gen_ai.input.messages`` etc., and the operation-details log records),
``builtin-latest`` (plus ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``) and ``builtin-legacy``
(``ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN=1``: ADK 1.x's schema, the google-genai request and response as
``gcp.vertex.agent.llm_request`` / ``llm_response`` JSON on ``call_llm`` spans).

The ``google-adk-builtin-1.39.1-*`` captures are ADK 1.39.1 (the last 1.x) run by this module's ``builtin``
instrumentation, its default telemetry being that legacy schema; to record them again, pin
``google-adk==1.39.1`` in ``PACKAGES``."""

from __future__ import annotations

import os
from typing import Any

FRAMEWORK = "google-adk"
DISTRIBUTION = "google-adk"
PACKAGES = ["google-adk==2.13.0", "litellm==1.110.2"]
INSTRUMENTATIONS = {"builtin": [], "builtin-latest": [], "builtin-legacy": []}
EXPECT: dict[str, dict[str, Any]] = {}
_CONTENT = (
    "Content is recorded only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT set (any value but false): "
    "without it the episode has no user turn and empty tool results, and curation holds it back"
)
_RESULT = (
    'A tool that returns a non-dict is recorded (and sent through LiteLLM) as {"result": value}; the episode '
    "holds the value, a dict result stays its JSON"
)
_LITELLM = "Recorded through LiteLlm with an openai/ model; the native Gemini path needs a Gemini backend"
_LEGACY = (
    "Schema 1 (ADK 1.x's default): content is read from gcp.vertex.agent.llm_request / llm_response on call_llm "
    "spans (google-genai contents); ADK 1.x's own log events hold only '<elided>'"
)
LIMITS = {
    "builtin": [_CONTENT, _RESULT, _LITELLM, "ADK 1.x captures: " + _LEGACY],
    "builtin-latest": [_CONTENT, _RESULT, _LITELLM],
    "builtin-legacy": [_CONTENT, _RESULT, _LITELLM, _LEGACY],
}
_ENV = {
    "builtin": {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT"},
    "builtin-latest": {
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT",
    },
    "builtin-legacy": {
        "ADK_TELEMETRY_SCHEMA_VERSION_OPT_IN": "1",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_AND_EVENT",
    },
}


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    os.environ.update(_ENV[instrumentation])
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not fetch its price list
    import asyncio

    from _framework_capture import AGENT_NAME, SYSTEM_PROMPT, TOOL_NAME
    from google.adk.agents import LlmAgent
    from google.adk.models.lite_llm import LiteLlm
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return scenario.result(city)

    get_weather.__name__ = TOOL_NAME
    model = LiteLlm(model="openai/fake-gpt", api_base=llm.base_url, api_key="sk-fake")
    agent = LlmAgent(name=AGENT_NAME, model=model, instruction=SYSTEM_PROMPT, tools=[get_weather])
    sessions = InMemorySessionService()
    runner = Runner(app_name="weather_app", agent=agent, session_service=sessions)

    async def main() -> str:
        session = await sessions.create_session(app_name="weather_app", user_id="user-1")
        message = types.Content(role="user", parts=[types.Part(text=scenario.user)])
        final = ""
        async for event in runner.run_async(user_id="user-1", session_id=session.id, new_message=message):
            if event.is_final_response() and event.content and event.content.parts:
                final = "".join(p.text or "" for p in event.content.parts)
        return final

    answer = asyncio.run(main())
    assert answer == scenario.final_answer, answer
