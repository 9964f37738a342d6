"""The scripted fake LLM the framework captures run against (tests/_fake_llm.py), through the official openai
client: the same answers streamed and not, parallel tool calls with their ids, the final answer after results."""

from __future__ import annotations

import json

import openai
from _fake_llm import serving
from _framework_capture import SCENARIOS, TOOL_NAME
from _tool_specs import function_tool

TOOL = function_tool(TOOL_NAME, "Current weather for a city.", "city")


def _streamed(client: openai.OpenAI, messages: list[dict]) -> tuple[str, list[dict], str]:
    text, calls, finish = "", {}, ""
    stream = client.chat.completions.create(
        model="m", messages=messages, tools=[TOOL], stream=True, stream_options={"include_usage": True}
    )
    for chunk in stream:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for tc in choice.delta.tool_calls or []:
                call = calls.setdefault(tc.index, {"id": tc.id, "name": "", "arguments": ""})
                call["name"] += (tc.function and tc.function.name) or ""
                call["arguments"] += (tc.function and tc.function.arguments) or ""
            finish = choice.finish_reason or finish
    return text, [calls[i] for i in sorted(calls)], finish


def test_fake_llm_answers_the_script_streamed_and_not() -> None:
    scenario = SCENARIOS["parallel"]
    with serving(scenario.script()) as llm:
        client = openai.OpenAI(base_url=llm.base_url, api_key="sk-fake", max_retries=0)
        messages: list[dict] = [{"role": "user", "content": scenario.user}]
        first = client.chat.completions.create(model="m", messages=messages, tools=[TOOL])
        calls = first.choices[0].message.tool_calls
        assert first.choices[0].finish_reason == "tool_calls"
        assert [json.loads(c.function.arguments)["city"] for c in calls] == list(scenario.cities)
        assert len({c.id for c in calls}) == 2

        text, streamed, finish = _streamed(client, messages)
        assert text == "" and finish == "tool_calls"
        assert [(c["id"], c["name"], c["arguments"]) for c in streamed] == [
            (c.id, c.function.name, c.function.arguments) for c in calls
        ]

        messages.append(first.choices[0].message.model_dump(exclude_none=True))
        for call in calls:
            city = json.loads(call.function.arguments)["city"]
            messages.append({"role": "tool", "tool_call_id": call.id, "content": scenario.result(city)})
        final = client.chat.completions.create(model="m", messages=messages, tools=[TOOL])
        assert final.choices[0].message.content == scenario.final_answer
        assert _streamed(client, messages) == (scenario.final_answer, [], "stop")
        assert len(llm.requests) == 4
