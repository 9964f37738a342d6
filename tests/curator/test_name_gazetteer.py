"""Name gazetteer (curator/name_gazetteer.py): names in capitals, lowercase names in chat, lone first names, and
the places, headings and prose words that must stay out."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.name_gazetteer import default_gazetteer, find_person_spans, ner_person_plausible

GAZETTEER = default_gazetteer()


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEWHEEL_HOME", str(tmp_path))


def names(text: str) -> list[str]:
    return [text[start:end] for start, end in sorted(find_person_spans(text, GAZETTEER))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # form labels, a name then an abbreviation that is no part of it
        ("CLIENT FILE\nNAME: YUSUF AL-HASHIMI\nDOB: 02/11/1979", ["YUSUF AL-HASHIMI"]),
        ("BENEFICIARY: TERESA GALLAGHER SSN 512-44-0912", ["TERESA GALLAGHER"]),
        ("Policyholder: KWAME MENSAH-BONSU", ["KWAME MENSAH-BONSU"]),
        ("FAMILY NAME: CHATTERJEE\nGIVEN NAMES: SOUMYA", ["CHATTERJEE", "SOUMYA"]),
        ("LAST NAME: ORTEGA  FIRST NAME: VALENTINA  MI: R", ["ORTEGA", "VALENTINA"]),
        ("Employee: MARGARET A. O'DONNELL\nEmployee SSN: 401-55-9283", ["MARGARET A. O'DONNELL"]),
        # no label: every word a known name
        ("row 7: DANIELA MORENO, 4716 0333 9981 2047", ["DANIELA MORENO"]),
        ("the user LUCAS FERREIRA (account 99120) asked", ["LUCAS FERREIRA"]),
        # record orders: SURNAME/GIVEN TITLE and SURNAME, GIVEN
        ("Pax: NOWAK/KATARZYNA MRS  Seat 14C", ["NOWAK/KATARZYNA"]),
        ('{"name": "MURPHY, AOIFE", "tier": "gold"}', ["MURPHY", "AOIFE"]),
    ],
)
def test_names_in_capitals(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ERROR: INVALID API KEY PROVIDED",
        "PEP 703 – Making the GIL Optional",
        "Load YAML from a file or standard input",
        "THIS IS FUNDAMENTALLY INCOMPATIBLE WITH THE AIM OF THE LICENSE",
        "TLD list:\nBEST\nBESTBUY\nBET",
        "Pay to: Nordvind AB, IBAN SE45 5000 0000 0583 9825 7466",
    ],
)
def test_capitals_that_are_not_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can you remind wojciech and ewa kowalczyk about the demo", ["wojciech", "ewa kowalczyk"]),
        ("pls ask rosalind to sign it", ["rosalind"]),
        ("cc martín and ignacio on the thread", ["martín", "ignacio"]),
        ("my husband hiroshi's card was declined", ["hiroshi"]),
        ("her name is philippa o'rourke, she called twice", ["philippa o'rourke"]),
        ("hey its dinara sultanbekova, my bag is lost", ["dinara sultanbekova"]),
        ("[14:10] mamadou diallo: can someone check the logs?", ["mamadou diallo"]),
        ("hey, pham van hung here. i lost my badge", ["pham van hung"]),
    ],
)
def test_lowercase_names_in_chat(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the tracking says it's stuck in customs since monday",
        "its limit is 512Mi but the heap is bigger",
        "i'm confused about the invoice",
        "will may mark this as done? grace period ends soon",
        "about three quarters of the sun's mass is hydrogen",
        "copyright (c) 2020 acme labs and contributors.",
        "a text delta does not invent an outcome",
    ],
)
def test_lowercase_prose_is_not_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tell Henrik the release is green", ["Henrik"]),
        ("I've forwarded the quote and copied Ingrid on it.", ["Ingrid"]),
        ("Paging Chinedu and Arjun: latency is up", ["Chinedu", "Arjun"]),
        ("Claro, segue o arquivo. Abraço, Thiago", ["Thiago"]),
        ("Danke für die Hilfe!\nViele Grüße,\nKatrin", ["Katrin"]),
        ("Tomasz, you'll get the refund in 5 days.", ["Tomasz"]),
        ("I've assigned it to Ana Lima; Dawit from support will call you", ["Ana Lima", "Dawit"]),
        ("please ask Nomvula at reception for the badge", ["Nomvula"]),
    ],
)
def test_single_first_names_with_weak_cues(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "She previously worked at Mayo Clinic.",
        "Development Status :: 4 - Beta",
        "2272060800      10      # 1 Jan 1972",
        "Lazy-only support: Dask, DuckDB, Ibis, PySpark",
        "Named entity recognition with [Gemma](https://example.org/gemma)",
        "W-2 Wage and Tax Statement 2024",
        "then Ninja are supported as the generator",
    ],
)
def test_capitalized_words_without_a_person(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("the Hudson River crossing was feasible", "Hudson River"),
        ("EY GDS Kraków, ul. Generała Bora-Komorowskiego 25B.", "Generała Bora-Komorowskiego"),
        ("Contact – Zhang & Partners LLP", "Zhang"),
        ("Our office is on Rua Augusta 1200", "Augusta"),
    ],
)
def test_places_and_firms_are_not_people(text: str, value: str) -> None:
    start = text.index(value)
    assert value not in names(text)
    assert not ner_person_plausible(text, start, start + len(value), GAZETTEER)


def test_person_names_inside_country_names_stay_names() -> None:
    # "Saint Martin", "Saint Vincent", "Saint Lucia" are countries; the words are still first names.
    assert [GAZETTEER.kind(w) for w in ("Martin", "Vincent", "Lucía")] == ["first"] * 3
    assert GAZETTEER.kind("SSN") == GAZETTEER.kind("DOB") == "word"


@pytest.mark.parametrize(
    ("text", "value", "plausible"),
    [
        ("AuthenticationError: Invalid API Key provided", "Invalid API Key", False),
        ("Escalated by Maria SANTOS yesterday", "Maria SANTOS", True),
    ],
)
def test_ner_spans_with_acronyms(text: str, value: str, plausible: bool) -> None:
    start = text.index(value)
    assert ner_person_plausible(text, start, start + len(value), GAZETTEER) is plausible
