"""The ``openai`` client in a hand-written agent loop, instrumented by the three families' openai
instrumentations. These wrap model calls only: without a root span each call is its own trace; the
``-agent-run`` variants wrap the run in ``tracewheel.instrument.agent_run`` (one trace, one episode)."""

from __future__ import annotations

import json
from typing import Any

FRAMEWORK = "openai"
DISTRIBUTION = "openai"
PACKAGES = ["openai==3.54.0", "httpx==0.28.1"]  # openai-v2 imports httpx; openai 3 uses httpx2
_OTEL = ["opentelemetry-instrumentation-openai-v2==2.4b0", "opentelemetry-util-genai==1.1b0"]
_OPENINFERENCE = ["openinference-instrumentation-openai==0.1.66"]
_OPENLLMETRY = ["opentelemetry-instrumentation-openai==0.62.4"]
INSTRUMENTATIONS = {
    "otel-v2": _OTEL,
    "otel-v2-agent-run": _OTEL,
    "openinference": _OPENINFERENCE,
    "openinference-agent-run": _OPENINFERENCE,
    "openllmetry-agent-run": _OPENLLMETRY,
}
# Model calls only: no agent name unless agent_run gives one; one trace per model call without it.
_PER_CALL = {"episodes": 2, "agent_name": None}
EXPECT: dict[str, dict[str, Any]] = {"otel-v2": _PER_CALL, "openinference": _PER_CALL}


def _instrument(instrumentation: str, telemetry: Any) -> Any:
    family = instrumentation.removesuffix("-agent-run")
    if family == "otel-v2":
        import os

        os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "SPAN_ONLY"
        os.environ["OTEL_SEMCONV_STABILITY_OPT_IN"] = "gen_ai_latest_experimental"
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
    elif family == "openinference":
        from openinference.instrumentation.openai import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
    else:
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, logger_provider=telemetry.logger_provider
    )
    return instrumentor


def _loop(scenario: Any, llm: Any) -> str:
    import openai
    from _framework_capture import SYSTEM_PROMPT, TOOL_DESCRIPTION, TOOL_NAME

    tool = {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": TOOL_DESCRIPTION,
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    client = openai.OpenAI(base_url=llm.base_url, api_key="sk-fake", max_retries=0)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": scenario.user},
    ]
    while True:
        response = client.chat.completions.create(model="fake-gpt", messages=messages, tools=[tool])
        message = response.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            city = json.loads(call.function.arguments)["city"]
            messages.append({"role": "tool", "tool_call_id": call.id, "content": scenario.result(city)})


def run(instrumentation: str, scenario: Any, llm: Any, telemetry: Any) -> None:
    from _framework_capture import AGENT_NAME

    instrumentor = _instrument(instrumentation, telemetry)
    try:
        if instrumentation.endswith("-agent-run"):
            from tracewheel.instrument import agent_run

            with agent_run(AGENT_NAME, task="weather", tracer_provider=telemetry.tracer_provider):
                answer = _loop(scenario, llm)
        else:
            answer = _loop(scenario, llm)
    finally:
        instrumentor.uninstrument()
    assert answer == scenario.final_answer, answer
