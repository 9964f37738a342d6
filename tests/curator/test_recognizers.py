"""Custom recognizers of curator/recognizers.py: each kind found, and its near misses left alone."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from curator.name_gazetteer import default_gazetteer, fold
from curator.recognizers import (
    GazetteerPersonRecognizer,
    IntlPhoneRecognizer,
    NonLocalIpRecognizer,
    OfflineEmailRecognizer,
    PersonContextRecognizer,
    SecretsRecognizer,
    WideCreditCardRecognizer,
    plausible_person,
)

SECRETS = SecretsRecognizer()
ALL_SECRETS = list(SECRETS.supported_entities)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))


def found(text: str) -> list[tuple[str, str]]:
    """(entity type, matched text) for every secret in ``text``."""
    return sorted((r.entity_type, text[r.start : r.end]) for r in SECRETS.analyze(text, ALL_SECRETS))


PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500PRK+Lh9x5eJPo5CAZ3/ANBE0sTK0\n"


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("key AKIAIOSFODNN7EXAMPLE here", "AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("temp creds ASIAY34FZKBOKMUTVV7A", "AWS_ACCESS_KEY", "ASIAY34FZKBOKMUTVV7A"),
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("export GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", "GITHUB_TOKEN", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("oauth gho_16C7e42F292c6912E7710c838347Ae178B4a", "GITHUB_TOKEN", "gho_16C7e42F292c6912E7710c838347Ae178B4a"),
        (
            "pat github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuvw",
            "GITHUB_TOKEN",
            "github_pat_11ABCDEFG0123456789abc_defGHIJKLmnopQRSTuvwxYZ0123456789abcdefghijklmnopqrstuvw",
        ),
        ("OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD", "OPENAI_API_KEY", "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD"),
        ("use sk-proj-Ab3_dEf-9hIjKlMnOpQrStUvWxYz012345 now", "OPENAI_API_KEY", "sk-proj-Ab3_dEf-9hIjKlMnOpQrStUvWxYz012345"),
        ("slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "SLACK_TOKEN", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        ("user token xoxp-123456789012-abcdefghij", "SLACK_TOKEN", "xoxp-123456789012-abcdefghij"),
        (
            "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U;",
            "JWT",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ),
        ("Authorization: Bearer 4kxegm7LKhgiXWnhiId2BJKKO8Nq", "BEARER_TOKEN", "4kxegm7LKhgiXWnhiId2BJKKO8Nq"),
        ("postgres://admin:s3cr3t@db.internal:5432/prod", "CONNECTION_STRING", "postgres://admin:s3cr3t@db.internal:5432/prod"),
        ("mongodb+srv://app:pA55w0rd@cluster0.ab1cd.mongodb.net/orders?retryWrites=true", "CONNECTION_STRING",
         "mongodb+srv://app:pA55w0rd@cluster0.ab1cd.mongodb.net/orders?retryWrites=true"),
        ("REDIS_URL=redis://:hunter22@cache:6379/0", "CONNECTION_STRING", "redis://:hunter22@cache:6379/0"),
        ("mysql://root:toor@10.0.0.4/shop", "CONNECTION_STRING", "mysql://root:toor@10.0.0.4/shop"),
        ("amqp://guest:guest@rabbit:5672/", "CONNECTION_STRING", "amqp://guest:guest@rabbit:5672/"),
        ("Server=sql1;Database=crm;User Id=sa;Password=Xy9!zz;", "CONNECTION_STRING",
         "Server=sql1;Database=crm;User Id=sa;Password=Xy9!zz;"),
        ('{"password": "Tr0ub4dor&3"}', "SECRET", "Tr0ub4dor&3"),
        ("client_secret=8f1c2e9a77b4", "SECRET", "8f1c2e9a77b4"),
    ],
)  # fmt: skip
def test_secret_kinds_are_found(text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "XAKIAIOSFODNN7EXAMPLE and AKIA1234",  # inside a longer word; too short
        "commit 3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",  # SHA-1 is 40 chars but lowercase hex
        "ghp_short and ghx_16C7e42F292c6912E7710c838347Ae178B4a",
        "task-abcdefghijklmnopqrstuvwxyz and sk-short",
        "the xox- prefix and xoxb-123",
        "header eyJhbGciOiJIUzI1NiJ9 alone",
        "Bearer token required for authentication/authorization",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
        "postgres://db.internal:5432/app and https://example.com/a:b and user@example.com",
        "password: required, max_tokens: 512, password_reset: true, token: ********",
    ],
)
def test_near_misses_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}-----END RSA PRIVATE KEY-----",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{PEM_BODY}-----END OPENSSH PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\nBKcwggSjAgEAAoIBAQC7\\n-----END PRIVATE KEY-----",
    ],
)
def test_private_key_blocks_are_taken_whole(text: str) -> None:
    assert found(text) == [("PRIVATE_KEY", text)]


def test_truncated_private_key_body_is_still_covered() -> None:
    text = '{"out": "-----BEGIN EC PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\\nZ1BjP5CE'
    keys = [value for entity, value in found(text) if entity == "PRIVATE_KEY"]
    assert keys == [text[len('{"out": "') :]]


def test_aws_secret_key_needs_context_for_a_high_score() -> None:
    value = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    bare = SECRETS.analyze(f"blob {value}", ["AWS_SECRET_KEY"])
    named = SECRETS.analyze(f"AWS_SECRET_ACCESS_KEY={value}", ["AWS_SECRET_KEY"])
    assert bare[0].score < named[0].score


PHONES = IntlPhoneRecognizer()


def phones(text: str, threshold: float = 0.5) -> list[str]:
    return [text[r.start : r.end] for r in PHONES.analyze(text, ["PHONE_NUMBER"]) if r.score >= threshold]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("call +44 20 7946 0958 today", "+44 20 7946 0958"),
        ("Handy: +49 1517 5989515.", "+49 1517 5989515"),
        ("tel 0033 6 12 34 56 78", "0033 6 12 34 56 78"),
        ("office (415) 555-0132 ext", "(415) 555-0132"),
        ("mobile +81 90-1701-3647", "+81 90-1701-3647"),
        ("whatsapp +919876543210", "+919876543210"),
        ("ring 020 7946 0958 please", "020 7946 0958"),
    ],
)
def test_phone_numbers_of_many_regions(text: str, number: str) -> None:
    assert phones(text) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "released 2026-05-01 and 12/05/2026",
        "order 4155550123 shipped",  # a bare digit run that happens to be valid scores low without a phone word
        "host 192.168.10.20 version 10.4.2.1",
        "total 1234567 rows",
    ],
)
def test_phone_near_misses(text: str) -> None:
    assert phones(text) == []


def test_bare_digits_count_with_a_phone_word() -> None:
    assert phones("my phone number is 4155550132") == ["4155550132"]


def test_email_recognizer_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    recognizer = OfflineEmailRecognizer()
    text = "write to maria.garcia@example.co.uk or ops@sub.example.io, not to me@localhost"
    assert [text[r.start : r.end] for r in recognizer.analyze(text, ["EMAIL_ADDRESS"]) if r.score > 0] == [
        "maria.garcia@example.co.uk",
        "ops@sub.example.io",
    ]


def test_ip_addresses_but_not_loopback() -> None:
    recognizer = NonLocalIpRecognizer()
    text = "from 10.0.3.17 and 2001:db8::8a2e:370:7334 via 127.0.0.1 and ::1"
    assert [text[r.start : r.end] for r in recognizer.analyze(text, ["IP_ADDRESS"]) if r.score > 0] == [
        "10.0.3.17",
        "2001:db8::8a2e:370:7334",
    ]


def test_mastercard_two_series_with_luhn() -> None:
    recognizer = WideCreditCardRecognizer()
    text = "cards 2223 0031 2200 3222 and 2223 0031 2200 3223"  # the first passes Luhn, the second does not
    hits = [text[r.start : r.end] for r in recognizer.analyze(text, ["CREDIT_CARD"]) if r.score >= 0.5]
    assert hits == ["2223 0031 2200 3222"]


PERSONS = PersonContextRecognizer()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('"body": "Dear Bas Eelman, your order"', "Bas Eelman"),
        ("Hi, I'm Maria Garcia.", "Maria Garcia"),
        ('{"beneficiary": "Lisa van der Spaendonc"}', "Lisa van der Spaendonc"),
        ("Author: Rosmarie Sölzer <r.s@example.de>", "Rosmarie Sölzer"),
        ("please call Ugo Cesaroni on +39 312 336 6789", "Ugo Cesaroni"),
        ("cc Camillo Vattimo (camillo@example.it)", "Camillo Vattimo"),
        ("Ticket assigned to Seán O'Brien yesterday", "Seán O'Brien"),
    ],
)
def test_names_in_context(text: str, name: str) -> None:
    assert [text[r.start : r.end] for r in PERSONS.analyze(text, ["PERSON"])] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Dear Customer, thanks",
        "Hi Team!",
        "flights from New York to Paris",
        "Dear USB Hub owner",
        "Hi, I'm here",
    ],
)
def test_name_cues_without_a_name(text: str) -> None:
    assert PERSONS.analyze(text, ["PERSON"]) == []


def test_plausible_person_rejects_code() -> None:
    assert plausible_person("Maria Garcia")
    assert not plausible_person("get_user")
    assert not plausible_person('{"id"')
    assert not plausible_person("Bearer")
    assert not plausible_person("user_id=42")


# --- name gazetteer (curator/name_gazetteer.py) -------------------------------------------------------------

GAZETTEER_PERSONS = GazetteerPersonRecognizer()


def gazetteer_names(text: str) -> list[str]:
    return [text[r.start : r.end] for r in GAZETTEER_PERSONS.analyze(text, ["PERSON"])]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # particles, hyphens, apostrophes, accents, family-name-first orders; no cue needed
        ("Please loop in Jan-Willem van der Berg before Friday.", ["Jan-Willem van der Berg"]),
        ("the invoice was approved by legal and Giuseppe Di Stefano", ["Giuseppe Di Stefano"]),
        ("I've copied Siobhán O'Sullivan and Jiří Dvořák on this.", ["Siobhán O'Sullivan", "Jiří Dvořák"]),
        ("Escalate to Camila Restrepo if it fails again", ["Camila Restrepo"]),
        ("Looks like Zhang Wei owns that account", ["Zhang Wei"]),
        ("sent the PDF to Omar bin Khalid yesterday", ["Omar bin Khalid"]),
        # a single word counts where a cue says a person is meant
        ("Thanks,\nNgozi", ["Ngozi"]),
        ('{"body": "Hi Tigist,\\nyour order shipped.\\n\\nBest,\\nAbebe"}', ["Tigist", "Abebe"]),
        ('{"first_name": "Wanjiru", "last_name": "Kamau"}', ["Wanjiru", "Kamau"]),
        ("[10:42] Zsófia: deploy is green", ["Zsófia"]),
        ("@Thandiwe can you review PR #12?", ["Thandiwe"]),
        ("Attendees: Kavya Iyer, Haruto Takahashi", ["Kavya Iyer", "Haruto Takahashi"]),
        # initials, names joined by "and", lowercase names after a self-introduction
        ("Signed by John F. Kennedy and J. Smith", ["John F. Kennedy", "J. Smith"]),
        ("Mulugeta Tesfaye and Caoimhe Ní Dhomhnaill both confirmed", ["Mulugeta Tesfaye", "Caoimhe Ní Dhomhnaill"]),
        ("hi, my name is andrei ionescu and my invoice is wrong", ["andrei ionescu"]),
        # common-word first names with a second name or a cue
        ("Please loop in Max Hoffmann from legal", ["Max Hoffmann"]),
        ("Thanks Grace! That fixed it.", ["Grace"]),
    ],
)
def test_gazetteer_finds_names(text: str, names: list[str]) -> None:
    assert gazetteer_names(text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Max tokens is set to 512; Will the Starter plan still work?",
        "Mark this as resolved please, the Grace period ends in May.",
        "Bill to: Blue Harbor Logistics, Sydney. Ship the Rose Gold case from Austin.",
        "Jenkins build 42 passed on Grafana; Jordan and Victoria warehouses are open.",
        "We opened offices in Hong Kong, Costa Rica and San Francisco.",
        "Hi Team, Dear Customer, Regards,\nThe Support Team",
        "Event: Q3 review\nStatus: Open\nCompany: Acme Corp",
    ],
)
def test_gazetteer_leaves_words_that_only_look_like_names(text: str) -> None:
    assert gazetteer_names(text) == []


def test_gazetteer_kinds_and_folding() -> None:
    gazetteer = default_gazetteer()
    assert fold("Jiří") == fold("JIRI") == "jiri"
    assert gazetteer.kind("Camila") == "first"
    assert gazetteer.kind("Grace") == "weak"  # a name and an ordinary word
    assert gazetteer.kind("Starter") == "word"
    assert gazetteer.kind("Qwzxlrt") == "unknown"
    assert default_gazetteer() is gazetteer  # built once


def test_plausible_person_counts_particles_out() -> None:
    assert plausible_person("José María García de la Fuente")
