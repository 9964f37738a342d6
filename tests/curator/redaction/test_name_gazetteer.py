"""Name gazetteer (curator/redaction/name_gazetteer.py): names in capitals, lowercase names in chat, lone first names, and
the places, headings and prose words that must stay out."""

from __future__ import annotations

import pytest
from tracewheel.curator.redaction.name_gazetteer import (
    default_gazetteer,
    find_person_spans,
    ner_person_plausible,
)

GAZETTEER = default_gazetteer()


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
        ("hiya, joanna pietrzykowska here. my card got blocked", ["joanna pietrzykowska"]),
        ("can you check the order status for chidinma okonkwo?", ["chidinma okonkwo"]),
        ("the name on the booking is rafael quintero, two nights", ["rafael quintero"]),
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
        "check the order status for the last three weeks",
        "hi, everything here works now",
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
        ("The part ships on Monday.\n\n/Sigrid", ["Sigrid"]),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "SURNAME, Given" rows of records and tables, without a label
        (
            "PAYROLL\nEMPLOYEE        SSN\nOKONKWO, CHIDI   423-11-0987\nFITZGERALD, NORA | SSN 123-45-6789 | OK",
            ["OKONKWO", "CHIDI", "FITZGERALD", "NORA"],
        ),
        ("Raised by: BIANCHI, Marco (status: open)", ["BIANCHI", "Marco"]),
        ("Name on reservation: TAMIHANA, WIREMU\nParty of 2", ["TAMIHANA", "WIREMU"]),
        ("BIBTEX\n  author = VON PLATEN, PATRICK  AND", ["VON PLATEN", "PATRICK"]),
        ('{"card": "4111", "name_on_card": "SEÁN Ó FLAHERTY", "amount": 12}', ["SEÁN Ó FLAHERTY"]),
        # a column whose header names people, in CSV, TSV and Markdown
        ("case,cardholder,amount\nCB-1,ADEOLA BABATUNDE,10.00", ["ADEOLA BABATUNDE"]),
        ("id\tfull_name\tcity\n1\tWiremu Tamihana\tAuckland", ["Wiremu Tamihana"]),
        ("| Guest | Room |\n|---|---|\n| Tupou Lavaka | 12 |", ["Tupou Lavaka"]),
    ],
)
def test_names_in_records_and_tables(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Location: PARIS, FRANCE\nWARNING, ERROR | code 5\nALPHA, BETA  2.0",
        "ANNOTATED[LIST, MAXLEN(10)]\n[NAN, INFINITY, -INFINITY]",
        "  ARLINGTON, MA\nREMOVED SUPPORT FOR THESE LANGUAGES: CATALAN, ESPERANTO, KAZAKH",
        "name,version\nnumpy,1.26\nRequests,2.31",
    ],
)
def test_records_that_are_not_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # rosters and action items: unknown words are names there too
        (
            "Attendees: Nomsa, Tawanda, Ife Okoro\n- Ingrid to circulate the minutes",
            ["Nomsa", "Tawanda", "Ife Okoro", "Ingrid"],
        ),
        # a known first name as the subject of a person's verb, opening a sentence
        ("Recap: Siddharth owes the draft by Monday; Ngozi flagged two risks.", ["Siddharth", "Ngozi"]),
        ("The patch is deployed. Ingrid can retry the import now.", ["Ingrid"]),
        # addressed, sent to, signed with a dash, greeted in another language: any capitalized word
        ("The payment bounced. Tadesse, you may want to call your bank.", ["Tadesse"]),
        ("I've sent the invitation to Wairimu and copied Jonas.", ["Wairimu", "Jonas"]),
        ('{"reply": "Thanks for covering. — Mahlet"}', ["Mahlet"]),
        ("Hola Mateo, tu pedido sale mañana.", ["Mateo"]),
        ("Escalated to the vendor — contact Yohannes Gebremedhin for the invoice", ["Yohannes Gebremedhin"]),
    ],
)
def test_names_by_sentence_structure(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can you move my 1:1 with agnieszka nowak to friday", ["agnieszka nowak"]),
        ("any emails from rajesh kumar about the renewal?", ["rajesh kumar"]),
        ("tell wanjiru her visa letter is ready", ["wanjiru"]),
        ("my wife ananya and I want a joint account", ["ananya"]),
        ("can u ping bilal and fatoumata and ask if they can join", ["bilal", "fatoumata"]),
        ('{"message": "mateo can you check the deploy"}', ["mateo"]),
        ("i think it was greta who merged it", ["greta"]),
        ("ok so liam said the build is green", ["liam"]),
        ("sorry for the typo lol. thx — ayesha khan", ["ayesha khan"]),
        ("my mom lupe fa'asalele needs to be added", ["lupe fa'asalele"]),
        # the words before an e-mail address that spell its local part
        ("add tanvir ahmed (tanvir.ahmed@example.com) to the thread", ["tanvir ahmed"]),
    ],
)
def test_lowercase_names_by_cue(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I sent the logs to Datadog for analysis. Alternatively, you can pin the version.",
        "can you add dark mode to the app? my boss said no and my wife needs to sign",
        "SELECT * FROM t WHERE ts > now() - interval '1 day'",
        "Take Martin Luther King Jr Blvd to the warehouse; the one at Horn Cargo is closed.",
        "Ask questions about the API. Redis can retry the write. Press: press@example.com",
        "conveying under this\nLicense, you may add to a covered work",
        "contact support (support@acme.com) or Acme <acme@acme.com>",
        "Our office is in Jing'an District, Shanghai",
    ],
)
def test_structure_cues_without_a_person(text: str) -> None:
    assert names(text) == []


def test_venue_with_unknown_words_is_not_a_person() -> None:
    text = "Book a table for four at Nobu Malibu on Friday"
    start = text.index("Nobu")
    assert not ner_person_plausible(text, start, start + len("Nobu Malibu"), GAZETTEER)
