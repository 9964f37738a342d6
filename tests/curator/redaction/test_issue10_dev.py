"""The dev examples the issue-10 recognizers were tuned on (addresses, dates of birth, licences, dotted and cued
phones, private e-mail domains). Written apart from ``benchmarks/data/pii_heldout7.jsonl``, which stays blind."""

from __future__ import annotations

import pytest
from tracewheel.curator.redaction.recognizers.addresses import StreetAddressRecognizer
from tracewheel.curator.redaction.recognizers.identity import DateOfBirthRecognizer, DriverLicenseRecognizer
from tracewheel.curator.redaction.recognizers.network import OfflineEmailRecognizer
from tracewheel.curator.redaction.recognizers.phones import IntlPhoneRecognizer


def _found(recognizer, entity: str, text: str, threshold: float = 0.5) -> list[str]:
    return [text[r.start : r.end] for r in recognizer.analyze(text, [entity]) if r.score >= threshold]


ADDRESSES = [
    ("ship it to 1820 Cedar Hollow Drive, Suite 210, Austin, TX 78701 by friday", "1820 Cedar Hollow Drive, Suite 210, Austin, TX 78701"),
    ("we moved to 5 Birch Close, Didsbury, Manchester M20 2RN last year", "5 Birch Close, Didsbury, Manchester M20 2RN"),
    ("drop-off at 7 Avenue de la République, 75011 Paris please", "7 Avenue de la République, 75011 Paris"),
    ("Lindenweg 7, 04109 Leipzig", "Lindenweg 7, 04109 Leipzig"),
    ("mail to PO Box 771, Fairbanks, AK 99707", "PO Box 771, Fairbanks, AK 99707"),
    ("Our office at 221B Baker Street, London NW1 6XE is closed", "221B Baker Street, London NW1 6XE"),
    ('{"city": "80331 München"}', "80331 München"),
    ("Office: Hämeenkatu 14, 33100 Tampere\nPay by card", "Hämeenkatu 14, 33100 Tampere"),
]  # fmt: skip
NOT_ADDRESSES = [
    "we drove 200 miles down the road", "3 Main points to discuss", "version 2 Way forward", "see section 4 Road safety",
    "the 2026 Olympics in Milan", '{"address": "0x7ffd5c2a10"}', '"ip_address": "10.1.2.3"', "the Parkway Hotel has 300 rooms",
]  # fmt: skip


@pytest.mark.parametrize(("text", "address"), ADDRESSES)
def test_whole_addresses_are_found(text, address):
    assert address in _found(StreetAddressRecognizer(), "STREET_ADDRESS", text)


# A value after its cue (a birth word, a licence word, a phone word or phone punctuation) is found, exactly.
CUED = {
    (DateOfBirthRecognizer, "DATE_OF_BIRTH"): {
        "DOB 1990-02-11, member since 2015": "1990-02-11",
        '{"birth_date": "12/31/1977", "joined": "2020-01-01"}': "12/31/1977",
        "she was born on July 4, 1986 in Ohio": "July 4, 1986",
        "her birthday is 3 Jan 1999": "3 Jan 1999",
    },
    (DriverLicenseRecognizer, "DRIVER_LICENSE"): {
        "Driver's License #: F2249187": "F2249187",
        "drivers licence number is 882 101 447": "882 101 447",
        '"driving_license": "SMITH711036JA9LX"': "SMITH711036JA9LX",
        "DL# W-221-884-19": "W-221-884-19",
    },
    (IntlPhoneRecognizer, "PHONE_NUMBER"): {
        "my cell is 415.867.5309 thanks": "415.867.5309",
        "office: (312) 555.7781": "(312) 555.7781",
        "call us back at 555-7712 please": "555-7712",
        '{"phone": "(199) 222-3434"}': "(199) 222-3434",
        "mobile: +44 000 1234 5678": "+44 000 1234 5678",
    },
}
# Look-alikes: street words without an address, other dates, software licences, versions and decimals.
LOOK_ALIKES = {
    (StreetAddressRecognizer, "STREET_ADDRESS"): NOT_ADDRESSES,
    (DateOfBirthRecognizer, "DATE_OF_BIRTH"): ["meeting on 2026-03-11, born-again release 2.0"],
    (DriverLicenseRecognizer, "DRIVER_LICENSE"): [
        "licensed under Apache License 2.0",
        "license 2024 renewal",
        "license key ABCD-1234",
    ],
    (IntlPhoneRecognizer, "PHONE_NUMBER"): [
        "version 10.24.1337 released",
        "build 2025.11.0342",
        "ip 192.168.10.1",
        "pi is 3.1415926535",
        "id 4400.2210.9981",
    ],
}


@pytest.mark.parametrize(
    ("recognizer", "entity", "text", "value"),
    [(*key, text, value) for key, cases in CUED.items() for text, value in cases.items()],
)
def test_values_after_a_cue_are_found(recognizer, entity, text, value):
    assert _found(recognizer(), entity, text) == [value]


@pytest.mark.parametrize(
    ("recognizer", "entity", "text"), [(*key, text) for key, texts in LOOK_ALIKES.items() for text in texts]
)
def test_look_alikes_are_not_found(recognizer, entity, text):
    assert _found(recognizer(), entity, text) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mail k.h@ops.fjordnet.internal", True),
        ("x build-bot@ci.local", True),
        ("a@b.corp", True),
        ("foo@bar.baz", False),
    ],
)
def test_private_network_mail_domains_are_email_addresses(text, found):
    assert bool(_found(OfflineEmailRecognizer(), "EMAIL_ADDRESS", text)) is found
