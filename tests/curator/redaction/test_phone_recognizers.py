"""Phone recognizer (curator/redaction/recognizers/phones.py): numbers of many regions, and digits that are not phones."""

from __future__ import annotations

import pytest
from tracewheel.curator.redaction.recognizers.phones import IntlPhoneRecognizer

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


@pytest.mark.parametrize(
    ("text", "number"),
    [
        (
            '{"recipient": "+44 7700 900123"}',
            "+44 7700 900123",
        ),  # Ofcom's drama range: possible, not assigned
        ("Portable : 06 12 34 56 78", "06 12 34 56 78"),  # valid in DE too, but grouped the French way
        ("Handy 0151/23456789", "0151/23456789"),
    ],
)
def test_phone_numbers_written_as_phone_numbers(text: str, number: str) -> None:
    assert phones(text) == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Confirmation: 3318 4402 19",  # grouped unlike any phone format, after a reference word
        "Employer: Acme Tooling LLC, EIN 84-1923377",
        "array([0.2079104154, 0.4195995367])",  # decimals
        "g = x**40 - 52968051*x**38",
        'pd.Timestamp("20130101 09:00"), 2013-11-03 01:59:59.999999-0500',
        "Physica A 388 (2009) 764-774; IEEE 1800-2009",
        "dates +1980-02-29 and prefixes +61 89162",
        "electron g factor -2.002 319 304 3622, muon 12.058 8349",
        "60 83 72 19 28 33 12 52 18 15 56 95 39 33 37 70 53 23 12",  # a table of integers
    ],
)
def test_numbers_that_are_not_phone_numbers(text: str) -> None:
    assert phones(text) == []


def test_phone_numbers_joined_by_a_dash_are_found_apart() -> None:
    assert phones("Tel 020 7946 0958 - 07911 123456") == ["020 7946 0958", "07911 123456"]


def test_bare_digits_count_with_a_phone_word() -> None:
    assert phones("my phone number is 4155550132") == ["4155550132"]
