"""Person recognizers (curator/redaction/recognizers/persons.py): names by context and by the name gazetteer."""

from __future__ import annotations

import pytest
from tracewheel.curator.redaction.name_gazetteer import default_gazetteer, fold
from tracewheel.curator.redaction.recognizers.persons import (
    GazetteerPersonRecognizer,
    PersonContextRecognizer,
    plausible_person,
)

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


# --- name gazetteer (curator/redaction/name_gazetteer.py) ---------------------------------------------------------

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
        (
            "Mulugeta Tesfaye and Caoimhe Ní Dhomhnaill both confirmed",
            ["Mulugeta Tesfaye", "Caoimhe Ní Dhomhnaill"],
        ),
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
