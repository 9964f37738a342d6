"""Google ADK 2.13 (its own OTel spans, LiteLLM to the fake server): the recorded captures replay into right
episodes, with the tool result ADK wraps as ``{"result": ...}`` read back as the tool's text."""

from __future__ import annotations

import json

import pytest
from _framework_capture import CAPTURES_DIR, check_episode, episodes, load_capture
from tracewheel.collector.episode import Message
from tracewheel.collector.unwrap_frameworks import expand_gemini
from tracewheel.curator.integrity import check_integrity

CAPTURES = sorted(CAPTURES_DIR.glob("google-adk-*.json"))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.stem)
def test_adk_capture_is_one_right_episode(path) -> None:
    capture = load_capture(path)
    (episode,) = episodes(capture.spans, capture.logs)
    check_episode(episode, capture.scenario, capture.expect)
    assert not check_integrity(episode).held_back, check_integrity(episode).describe()
    assert episode.usage.input_tokens > 0 and episode.model.endswith("fake-gpt")
    # What ADK recorded is its envelope; the episode holds the text inside.
    recorded = [
        json.loads(r["attributes"]).get("gen_ai.tool.call.result")
        for r in capture.spans
        if json.loads(r["attributes"]).get("gen_ai.operation.name") == "execute_tool"
    ]
    assert recorded and all(json.loads(v).keys() == {"result"} for v in recorded if v)


def test_adk_latest_semconv_sends_operation_details_records() -> None:
    capture = load_capture(CAPTURES_DIR / "google-adk-builtin-latest-2.13.0-weather.json")
    assert {r["event_name"] for r in capture.logs} == {"gen_ai.client.inference.operation.details"}


def test_google_genai_contents_expand_to_openai_messages() -> None:
    """ADK's legacy schema (and ADK 1.x) puts google-genai ``Content`` dumps in its events and llm_request."""
    call = {
        "parts": [
            {"text": None, "function_call": {"id": "c1", "name": "get_weather", "args": {"city": "Oslo"}}}
        ]
    }
    result = {
        "role": "user",
        "parts": [{"function_response": {"id": "c1", "name": "get_weather", "response": {"t": -3}}}],
    }
    image = {"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "AAAA"}}]}
    problems: list[str] = []
    out = expand_gemini(
        [
            Message(role="assistant", content=json.dumps({**call, "role": "model"})),
            Message(role="user", content=json.dumps(result)),
            Message(role="user", content=json.dumps(image)),
            Message(
                role="user",
                content='{"parts": [{"type": "text", "content": "OTel parts are not google-genai"}]}',
            ),
        ],
        problems,
    )
    assert [(m.role, m.content) for m in out[:2]] == [("assistant", None), ("tool", '{"t": -3}')]
    assert out[0].tool_calls[0].function.arguments == '{"city": "Oslo"}' and out[1].tool_call_id == "c1"
    assert problems == ["a user message holds a media part (not text)"]
    assert out[-1].content.startswith('{"parts"')  # left as it was


def test_adk_without_content_capture_is_held_back_not_trained_on() -> None:
    """ADK's default records no content unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is set: the
    same run with its content attributes gone must not look like a clean run."""
    capture = load_capture(CAPTURES_DIR / "google-adk-builtin-2.13.0-weather.json")
    content = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")
    content += ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
    spans = []
    for row in capture.spans:
        attrs = {k: v for k, v in json.loads(row["attributes"]).items() if k not in content}
        spans.append({**row, "attributes": json.dumps(attrs)})
    (episode,) = episodes(spans, [])
    assert episode.user_task is None and check_integrity(episode).held_back
