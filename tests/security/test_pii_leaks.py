"""Issue 10: PII that survived curation. Each leak is a regression test on the whole redactor (Presidio + spaCy +
the recognizers), with texts written for these tests (not the benchmark sets)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

import pytest
from tracewheel.collector.episode import Episode, Message
from tracewheel.curator.redaction.redact import Redactor

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def _redacted(redactor: Redactor, text: str) -> str:
    return redactor.redact_texts([text])[0].text


LEAKS = {
    "street address, street and town": (
        "Deliver to 3307 Juniper Hollow Lane, Apt 5C, Missoula, MT 59801 before noon.",
        ["3307", "Juniper", "Hollow", "Missoula", "59801"],
    ),
    "European address": (
        "Rechnung an Talstraße 88, 70188 Stuttgart senden.",
        ["Talstraße", "70188", "Stuttgart"],
    ),
    "address fields in JSON": (
        json.dumps({"street": "Bergweg 3", "postal_code": "3011 AB", "city": "Rotterdam"}),
        ["Bergweg", "3011 AB"],
    ),
    ".internal e-mail": ("bounce from r.castellanos@mail.quarry.internal", ["castellanos", "quarry"]),
    ".local e-mail": ("notify deploy-alerts@ops.local on failure", ["deploy-alerts"]),
    "lowercase name after cc'd": ("cc'd tomasz wieczorek on it yesterday", ["tomasz", "wieczorek"]),
    "hyphenated surname": (
        "Escalated to Philippa Harcourt-Mensah in legal.",
        ["Philippa", "Harcourt", "Mensah"],
    ),
    "driver's licence": ("Driver's License No. K6620193, class B", ["K6620193"]),
    "licence under a JSON key": (json.dumps({"drivers_license": "T221-904-66-118-2"}), ["T221-904-66-118-2"]),
    "date of birth": ("Patient DOB: 1981-07-29, admitted 2026-11-30", ["1981-07-29"]),
    "date of birth in words": ("she was born on 9 October 1994 in Leeds", ["October 1994"]),
    "dotted US phone": ("my desk line is 415.867.5301", ["867.5301", "415.867"]),
    "cued number no plan validates": ("call me back at 555-0148 after six", ["555-0148"]),
    "phone field with an unassigned area code": (json.dumps({"phone": "(155) 210-9944"}), ["210-9944"]),
}


@pytest.mark.parametrize("name", LEAKS)
def test_leak_is_redacted(redactor, name):
    text, values = LEAKS[name]
    out = _redacted(redactor, text)
    for value in values:
        assert value not in out, (name, out)


def test_tracewheel_api_key_is_redacted(redactor):
    key = "tw_" + secrets.token_urlsafe(32)
    for text in (f"TRACEWHEEL_API_KEY={key}", f"the collector rejected {key} with 401"):
        out = _redacted(redactor, text)
        assert key not in out and key[3:20] not in out, out


KEPT = [
    "Deploy 3.8.14 went out on 2026-03-02 to all 12 nodes; next window is March 16.",
    "The MIT License applies; see LICENSE in the repository root.",
    "We drove 200 miles down the road to the depot in Denver.",
    "Order 4471-2280-19 shipped from the warehouse on 12 May 2026.",
    "Python 3.11.9 and numpy 2.4.6 are pinned in constraints.txt.",
]


@pytest.mark.parametrize("text", KEPT)
def test_plain_text_is_kept(redactor, text):
    assert _redacted(redactor, text) == text


def test_tool_definition_descriptions_are_redacted_in_the_episode(redactor):
    key = "tw_" + secrets.token_urlsafe(32)
    tools = [
        {
            "type": "function",
            "function": {
                "name": "escalate",
                "description": f"Escalate to Gunnhild Aasen-Berg on 650.253.0199; service key {key}.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "note": {"type": "string", "description": "Sent to ops@helpdesk.fjell.internal"}
                    },
                },
            },
        }
    ]
    episode = Episode(
        episode_id="e" * 32,
        tenant="acme",
        trace_id="e" * 32,
        started_at=NOW,
        ended_at=NOW,
        messages=[Message(role="user", content="escalate the outage please")],
        tools=tools,
    )
    copy, counts = redactor.redact_episode(episode)
    dumped = json.dumps(copy.tools)
    for value in ("Gunnhild", "Aasen", "253.0199", key, "helpdesk.fjell"):
        assert value not in dumped, dumped
    assert copy.tools[0]["function"]["name"] == "escalate"
    assert copy.tools[0]["function"]["parameters"]["properties"]["note"]["type"] == "string"
    assert counts["API_KEY"] == 1 and counts["EMAIL_ADDRESS"] == 1
    assert episode.tools == tools  # the original is untouched


class _Source:
    """An in-memory episode source with the trace store's interface."""

    def __init__(self, episodes: list[Episode]) -> None:
        self.items = episodes

    def tenants(self) -> list[str]:
        return sorted({e.tenant for e in self.items})

    def episodes(self, tenant: str, since=None, until=None) -> list[Episode]:
        return [e for e in self.items if e.tenant == tenant]


def test_no_tool_description_pii_reaches_any_dataset_row(tmp_path, monkeypatch, redactor):
    from tracewheel.collector.episode import Feedback, FunctionCall, ToolCall
    from tracewheel.curator import versions
    from tracewheel.curator.pipeline import Engines, curate
    from tracewheel.curator.screening.screen import Screener

    from tracewheel.config import load_settings
    from tracewheel.core.verifiers import verify

    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))
    monkeypatch.delenv("TRACEWHEEL_CONFIG", raising=False)
    settings = load_settings()
    key = "tw_" + secrets.token_urlsafe(32)
    tool = {
        "type": "function",
        "function": {
            "name": "get_forecast",
            "description": f"Forecast by city. Owner: Evangelina Strand-Okafor, 312.555.0177, key {key}. "
            "Lab: 4410 Sorrel Ridge Road, Bend, OR 97701.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }

    def run(trace: str, answer: str, thumb: str, minute: int) -> Episode:
        at = NOW.replace(minute=minute)
        messages = [
            Message(role="user", content="What's the weather in Oslo tomorrow?"),
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall(
                        id="c1", function=FunctionCall(name="get_forecast", arguments='{"city": "Oslo"}')
                    )
                ],
            ),
            Message(
                role="tool", name="get_forecast", tool_call_id="c1", content='{"sky": "snow", "high_c": -2}'
            ),
            Message(role="assistant", content=answer),
        ]
        return Episode(
            episode_id=trace,
            tenant="acme",
            trace_id=trace,
            started_at=at,
            ended_at=at,
            last_received_at=at,
            user_task=messages[0].content,
            messages=messages,
            final_answer=answer,
            tools=[tool],
            feedback=[Feedback(thumb=thumb, received_at=at)],
            task="weather",
        )

    episodes = [
        run("a" * 32, "Snow in Oslo tomorrow, high of -2°C.", "up", 1),
        run("b" * 32, "Sunny and warm in Oslo.", "down", 2),
    ]
    engines = Engines(redactor, Screener(), verify)
    (result,) = curate(settings.curator, settings.paths, _Source(episodes), engines)
    assert result.new_version
    rows = [
        json.dumps(r.data)
        for kind in versions.TRAINABLE_KINDS
        for r in versions.read_rows(settings.paths.datasets_dir, "acme", result.version, kind)
    ]
    assert rows and all("get_forecast" in r for r in rows)  # every row carries the tool, redacted
    dumped = "\n".join(rows)
    for value in ("Evangelina", "Strand", "Okafor", "555.0177", key, "Sorrel", "97701"):
        assert value not in dumped, value
