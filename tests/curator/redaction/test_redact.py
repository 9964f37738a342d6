"""Redactor (curator/redaction/redact.py) with real Presidio and the real spaCy model: texts, episodes, pseudonyms."""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime

import pytest
from tracewheel.collector.episode import Episode, Feedback, FunctionCall, Message, ToolCall
from tracewheel.curator.redaction.redact import Redactor, Span, resolve_overlaps
from tracewheel.curator.redaction.redaction_config import RedactionConfig

NOW = datetime(2026, 11, 23, tzinfo=UTC)
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "send_email",
        "description": "Send an email to Maria Garcia's team or anyone else.",
        "parameters": {"type": "object", "properties": {"to": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def make_episode() -> Episode:
    args = json.dumps(
        {
            "to": "maria.garcia@example.com",
            "subject": "Your refund",
            "body": "Dear Maria Garcia, the refund for order ORD-1234 is on its way.",
            "password": "hunter2hunter2",
            "retries": 3,
            "cc": ["john.smith@acme.io"],
        }
    )
    return Episode(
        episode_id="e1",
        tenant="t1",
        trace_id="e1",
        started_at=NOW,
        ended_at=NOW,
        system_instructions="You are the support agent of Acme. Escalate to John Smith (john.smith@acme.io).",
        user_task="Hi, I'm Maria Garcia. Please refund order ORD-1234, my phone is +44 20 7946 0958.",
        messages=[
            Message(role="system", content="You are the support agent of Acme. Escalate to John Smith (john.smith@acme.io)."),
            Message(role="user", content="Hi, I'm Maria Garcia. Please refund order ORD-1234, my phone is +44 20 7946 0958."),
            Message(role="assistant", tool_calls=[ToolCall(id="c1", function=FunctionCall(name="send_email", arguments=args))]),
            Message(role="tool", tool_call_id="c1", name="send_email",
                    content='{"status": "sent", "recipient": "Maria Garcia", "server": "203.0.113.9"}'),
            Message(role="assistant", content="Done, Ms. Garcia: the email went out and John Smith is in copy."),
        ],
        final_answer="Done, Ms. Garcia: the email went out and John Smith is in copy.",
        tools=[WEATHER_TOOL],
        expected="Refund confirmation sent to maria.garcia@example.com",
        errors=["retry: connection to postgres://app:Sup3rS3cret@10.0.0.5:5432/crm refused"],
        feedback=[Feedback(thumb="down", comment="Maria Garcia called again from +44 20 7946 0958",
                           corrected_answer="Call Maria Garcia back.", received_at=NOW)],
    )  # fmt: skip


@pytest.fixture(scope="module")
def redacted(redactor: Redactor) -> tuple[Episode, Episode, dict[str, int]]:
    original = make_episode()
    copy, counts = redactor.redact_episode(original)
    return original, copy, counts


def all_text(episode: Episode) -> str:
    return episode.model_dump_json()


def test_no_value_survives_anywhere(redacted) -> None:
    _, copy, _ = redacted
    dumped = all_text(copy)  # tool definitions included: every training row carries them
    for value in ("Maria", "Garcia", "maria.garcia", "John Smith", "john.smith", "7946", "203.0.113.9",
                  "hunter2hunter2", "Sup3rS3cret", "10.0.0.5"):  # fmt: skip
        assert value not in dumped, value


def test_pseudonyms_are_consistent_across_turns_and_fields(redacted) -> None:
    _, copy, _ = redacted
    user = copy.messages[1].content
    args = json.loads(copy.messages[2].tool_calls[0].function.arguments)
    result = json.loads(copy.messages[3].content)
    maria = re.search(r"I'm (<PERSON_\d+>)", user).group(1)
    assert f"Dear {maria}," in args["body"]
    assert result["recipient"] == maria
    assert f"Ms. {maria}" in copy.final_answer  # the surname alone is the same person
    assert copy.feedback[0].corrected_answer == f"Call {maria} back."
    john = re.search(r"Escalate to (<PERSON_\d+>)", copy.system_instructions).group(1)
    assert john != maria and john in copy.final_answer
    email = re.search(r"<EMAIL_ADDRESS_\d+>", args["to"]).group(0)
    assert email in copy.expected
    # Placeholders are numbered in reading order: the system prompt's person comes first.
    assert john == "<PERSON_1>" and maria == "<PERSON_2>"
    assert copy.user_task == copy.messages[1].content


def test_tool_arguments_stay_valid_json_with_keys_and_non_pii(redacted) -> None:
    _, copy, _ = redacted
    args = json.loads(copy.messages[2].tool_calls[0].function.arguments)
    assert set(args) == {"to", "subject", "body", "password", "retries", "cc"}
    assert args["subject"] == "Your refund" and args["retries"] == 3
    assert "ORD-1234" in args["body"]
    assert (
        args["password"] == "<SECRET_1>"
    )  # a credential-named key is redacted whatever its value looks like
    assert PLACEHOLDER.fullmatch(args["cc"][0])
    result = json.loads(copy.messages[3].content)
    assert result["status"] == "sent" and PLACEHOLDER.fullmatch(result["server"])


def test_counts_per_type_and_nothing_else(redacted) -> None:
    _, copy, counts = redacted
    assert all(isinstance(k, str) and isinstance(v, int) for k, v in counts.items())
    assert counts["PERSON"] >= 8 and counts["EMAIL_ADDRESS"] >= 4
    assert counts["PHONE_NUMBER"] == 3 and counts["CONNECTION_STRING"] == 1 and counts["SECRET"] == 1
    assert sum(counts.values()) == len(PLACEHOLDER.findall(all_text(copy)))


def test_original_untouched_and_tool_definitions_keep_their_shape(redacted) -> None:
    original, copy, _ = redacted
    assert original == make_episode()
    # The description's person is redacted; the tool's name and schema are left alone.
    description = copy.tools[0]["function"]["description"]
    assert re.fullmatch(r"Send an email to <PERSON_\d+>(?:'s)? team or anyone else\.", description), (
        description
    )
    assert copy.tools[0]["function"]["name"] == "send_email"
    assert copy.tools[0]["function"]["parameters"] == original.tools[0]["function"]["parameters"]
    assert (
        copy.episode_id == original.episode_id
        and copy.messages[2].tool_calls[0].function.name == "send_email"
    )
    assert "connection to <CONNECTION_STRING_1> refused" in copy.errors[0]


def test_batched_episodes_match_one_by_one(redactor: Redactor) -> None:
    other = make_episode().model_copy(
        update={"episode_id": "e2", "user_task": "Call Pieter de Vries at +31 6 12345678"}
    )
    batched = redactor.redact_episodes([make_episode(), other])
    assert batched[0] == redactor.redact_episode(make_episode())
    assert batched[1] == redactor.redact_episode(other)
    # Placeholders restart per episode: nothing links two episodes.
    assert "<PERSON_1>" in batched[1][0].system_instructions


def test_invalid_json_arguments_are_redacted_as_text(redactor: Redactor) -> None:
    episode = make_episode()
    episode.messages[2].tool_calls[0].function.arguments = '{"to": "maria.garcia@example.com", '  # truncated
    copy, _ = redactor.redact_episode(episode)
    assert copy.messages[2].tool_calls[0].function.arguments.startswith('{"to": "<EMAIL_ADDRESS_')


def test_redact_texts_offsets_point_into_the_original(redactor: Redactor) -> None:
    texts = [
        "Écrivez à José Müller: jose.muller@example.fr, IBAN DE89 3704 0044 0532 0130 00.",
        "no pii here, order ORD-77 at 2026-01-01",
        "key AKIAIOSFODNN7EXAMPLE and card 4111 1111 1111 1111, ssh from 198.51.100.7",
        "",
    ]
    results = redactor.redact_texts(texts)
    assert [r.text for r in results[1:2]] == [texts[1]] and results[3].text == ""
    values = {(e["type"], texts[0][e["start"] : e["end"]]) for e in results[0].entities}
    assert ("EMAIL_ADDRESS", "jose.muller@example.fr") in values
    assert ("IBAN_CODE", "DE89 3704 0044 0532 0130 00") in values
    third = {(e["type"], texts[2][e["start"] : e["end"]]) for e in results[2].entities}
    assert third == {("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"), ("CREDIT_CARD", "4111 1111 1111 1111"),
                     ("IP_ADDRESS", "198.51.100.7")}  # fmt: skip
    assert results[2].text == "key <AWS_ACCESS_KEY_1> and card <CREDIT_CARD_1>, ssh from <IP_ADDRESS_1>"


def test_identical_texts_give_identical_results(redactor: Redactor) -> None:
    text = "Contact Maria Garcia at maria@example.com"
    a, b = redactor.redact_texts([text, text])
    assert a == b


def test_config_narrows_entities_and_allow_list() -> None:
    redactor = Redactor(RedactionConfig(entities=["EMAIL_ADDRESS"], allow_list=["ops@example.com"]))
    [result] = redactor.redact_texts(["Maria Garcia wrote to ops@example.com and maria@example.com"])
    assert result.text == "Maria Garcia wrote to ops@example.com and <EMAIL_ADDRESS_1>"


def test_nothing_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    redactor = Redactor()
    [result] = redactor.redact_texts(["mail bob.jones@example.co.uk from Bob Jones"])
    assert "<EMAIL_ADDRESS_1>" in result.text


def test_unknown_spacy_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="spacy_model"):
        Redactor(RedactionConfig(spacy_model="no_such_model_xyz"))


def test_bad_phone_region_is_rejected() -> None:
    with pytest.raises(ValueError, match="phone_regions"):
        RedactionConfig(phone_regions=["US", "XX"])


def test_overlapping_spans_merge_to_cover_both() -> None:
    spans = [Span(0, 5, "PERSON", 0.85), Span(3, 9, "EMAIL_ADDRESS", 1.0), Span(20, 25, "IP_ADDRESS", 0.6)]
    assert resolve_overlaps(spans) == [Span(0, 9, "EMAIL_ADDRESS", 1.0), Span(20, 25, "IP_ADDRESS", 0.6)]


def test_long_texts_are_analyzed_in_chunks() -> None:
    redactor = Redactor(RedactionConfig(chunk_chars=1_000))
    lines = [f"row {i}: status ok, latency {i % 97} ms" for i in range(200)]
    lines[10] = "row 10: owner maria.garcia@example.com"
    lines[150] = "row 150: key AKIAIOSFODNN7EXAMPLE"
    text = "\n".join(lines)
    [result] = redactor.redact_texts([text])
    assert [text[e["start"] : e["end"]] for e in result.entities] == [
        "maria.garcia@example.com",
        "AKIAIOSFODNN7EXAMPLE",
    ]
    assert result.text.count("\n") == text.count("\n") and "<AWS_ACCESS_KEY_1>" in result.text


def test_lineage_names_the_engines_and_no_values(redactor: Redactor) -> None:
    lineage = redactor.lineage()
    assert lineage["spacy_model"].startswith("en_core_web_sm") and lineage["spacy_model"].endswith("3.8.0")
    assert "PERSON" in lineage["entities"] and lineage["presidio_analyzer"].startswith("2.")
    json.dumps(lineage)  # plain data, storable beside a dataset row


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('{"customer": "Femke de Vries", "priority": "high"}', ["Femke de Vries"]),
        ("From: Zanele Dlamini <zanele@example.com>\n\nHi team,\nthe invoice is unpaid.\n\nBest,\nZanele",
         ["Zanele Dlamini", "Zanele"]),
        ("Contact: Ioana Popescu\nTitle: VP Procurement\nAccount owner: Wei Jie Lim", ["Ioana Popescu", "Wei Jie Lim"]),
        ("| Name | Team |\n|---|---|\n| Mehmet Öztürk | Sales |\n| May Lindgren | Support |",
         ["Mehmet Öztürk", "May Lindgren"]),
    ],
)  # fmt: skip
def test_names_of_many_cultures_are_redacted(redactor: Redactor, text: str, names: list[str]) -> None:
    [result] = redactor.redact_texts([text])
    persons = [text[e["start"] : e["end"]] for e in result.entities if e["type"] == "PERSON"]
    assert persons == names
    for name in names:
        assert name not in result.text


@pytest.mark.parametrize(
    "text",
    [
        "You are Max, the booking assistant. Max tokens: 512. Will the Starter plan renew in May?",
        "Mark as released? The Grace period ends soon; Bill to: Acme Corp, Austin.",
        "The Rose Gold case ships from Jordan; ask Grafana for the Jenkins logs.",
    ],
)
def test_common_words_that_are_first_names_are_not_redacted_alone(redactor: Redactor, text: str) -> None:
    [result] = redactor.redact_texts([text])
    assert [e for e in result.entities if e["type"] == "PERSON"] == []
    assert result.text == text
