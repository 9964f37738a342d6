"""The embedded SmolLM2-135M-Instruct served for real: a named tool choice comes back as a parsed tool call."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest
from _serving_harness import new_tenant, running_server, serving_home
from tracewheel.serving.app import create_app
from tracewheel.serving.engine import open_engine
from tracewheel.serving.peft_backend import PeftBackend

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.mark.slow
def test_embedded_model_calls_a_tool_through_the_openai_client(
    tmp_path: Path, serving_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEWHEEL_TRAINER__CACHE_DIR", str(serving_cache_dir))
    settings = serving_home(tmp_path)
    key = new_tenant(settings, "acme")
    engine = open_engine(settings.serving, settings.trainer, settings.paths)
    try:
        with running_server(create_app(settings, backend=PeftBackend(engine))) as url:
            client = openai.OpenAI(base_url=url, api_key=key, max_retries=0)
            kwargs = {
                "model": "tracewheel",  # no champion yet: the base model
                "messages": [{"role": "user", "content": "What's the weather in Paris?"}],
                "tools": [WEATHER],
                "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
                "max_tokens": 40,
                "temperature": 0,
            }
            answer = client.chat.completions.create(**kwargs)
            streamed = list(client.chat.completions.create(**kwargs, stream=True))
    finally:
        engine.close()
    call = answer.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert isinstance(json.loads(call.function.arguments), dict)
    deltas = [c.choices[0].delta for c in streamed if c.choices and c.choices[0].delta.tool_calls]
    assert deltas[0].tool_calls[0].function.name == "get_weather"
    assert deltas[0].tool_calls[0].function.arguments == call.function.arguments
