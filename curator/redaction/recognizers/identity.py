"""Identity documents and facts that need a cue to be told apart from ordinary numbers and dates: dates of birth
("DOB: 5/30/2001", "born 14 August 1991", a ``"date_of_birth"`` field) and driver's licence numbers ("License No.:
B6219044", a ``"drivers_license"`` field). A date or a code without its cue is an ordinary date or code and is kept:
meeting dates and order numbers are what agent tasks are about.
"""

from __future__ import annotations

import re

from tracewheel.curator.redaction.recognizers.base import CuedRecognizer

DATE_OF_BIRTH = "DATE_OF_BIRTH"
DRIVER_LICENSE = "DRIVER_LICENSE"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 1979-11-23
    r"|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"  # 03/07/1985, 5.3.01
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH},?\s+\d{{4}}"  # 14 August 1991, 1st of May, 1990
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"  # August 14, 1991
)
# The cue, then at most a few words that are not a date ("I have ... on file"), then the date.
_DOB = re.compile(
    r"(?i)\b(?:d\.?o\.?b|date[\s_-]*of[\s_-]*birth|birth[\s_-]*date|birthday|born(?:\s+on)?|geb(?:oren|urtsdatum)?)"
    rf"\b[\"']?[^\S\n]*[:=]?[^\S\n]*[\"']?(?:[^\d\n\"]{{0,24}}?)({_DATE})(?!\d)"
)
_DOB_NEEDLES = ("dob", "d.o.b", "birth", "born", "geb")

# A licence number: letters and digits, optionally grouped by spaces or hyphens, with at least five digits.
_LICENCE_VALUE = r"[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){4,22}"
_LICENCE = re.compile(
    r"(?i)\b(?:driv(?:er'?s?|ing)[\s_-]*licen[cs]e|licen[cs]e|d\.?l\.?)(?:[\s_-]*(?:number|num|no\.?|nr|#|id))?"
    rf"\b[\"'.]?[^\S\n]*[:=#]?[^\S\n]*[\"']?(?:(?:is|it'?s|of|for|was)\s+|[^\w\n\"]{{0,3}})((?-i:{_LICENCE_VALUE}))"
    r"(?![\w-])"
)
_LICENCE_NEEDLES = ("licen", "dl", "d.l")


def _licence_like(value: str) -> bool:
    digits = sum(c.isdigit() for c in value)
    # "Apache 2.0", "MIT", a year ("license 2024"), a plain count: not a licence number
    return digits >= 5 and not re.fullmatch(r"(?:19|20)\d\d", value)


class DateOfBirthRecognizer(CuedRecognizer):
    """A date right after a birth cue (``DOB``, ``date of birth``, ``born``, a ``birthdate`` key)."""

    ENTITY = DATE_OF_BIRTH
    NEEDLES = _DOB_NEEDLES
    PATTERN = _DOB
    SCORE = 0.9
    WHY = "date after a birth cue"


class DriverLicenseRecognizer(CuedRecognizer):
    """A licence number right after a licence cue (``driver's license``, ``License No.``, a ``drivers_license``
    key), in any jurisdiction's shape: ``D4418273``, ``741 239 806``, ``Y425-118-79-311-0``, ``MORGA657054SM9IJ``."""

    ENTITY = DRIVER_LICENSE
    NEEDLES = _LICENCE_NEEDLES
    PATTERN = _LICENCE
    SCORE = 0.85
    WHY = "code after a licence cue"

    def keep(self, value: str) -> bool:
        return _licence_like(value)
