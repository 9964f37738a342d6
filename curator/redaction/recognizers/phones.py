"""Phone numbers of many regions through ``phonenumbers``, run only on digit runs that a cheap regex found, instead of
Presidio's one full-text matcher pass per region."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from tracewheel.curator.redaction.recognizers.base import OneEntityRecognizer, found
from tracewheel.curator.redaction.redaction_config import DEFAULT_PHONE_REGIONS

PHONE_NUMBER = "PHONE_NUMBER"

_PHONE_CONTEXT = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|fax|sms|whatsapp|contact|dial|number|recipient|handy)"
    r"\W{0,4}[\w\s]{0,12}$"
)
# A cue that says the digits after it are a phone number whatever they are ("call me back at", a "phone" field,
# "ring me on", "caller ID:"): such a number is redacted even when no numbering plan knows it, since whether a
# number is assigned is no reason to leak it.
_STRONG_CUE = re.compile(
    r"(?i)(?:\b(?:call|ring|reach|text|phone|contact)\s+(?:me|us|him|her|them)\b(?:\s+back)?\s+(?:at|on)"
    r"|\b(?:phone|tel|telephone|mobile|cell|fax|caller\s*id|call\s*back|callback|whatsapp|contact)"
    r"(?:[_ ](?:number|no|nr|num|phone))?\b\W{0,4}(?:(?:number|no|nr|is)\b\W{0,3})?)\s*[\"']?$"
)
# North American numbers as people write them, separators required: "(415) 555.0132", "415-555-0132". A number of
# this shape is a phone number even when its area code is unassigned ("(123) 456-7890").
_NANP_SHAPE = re.compile(r"^(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[.\-])\d{3}[.\-]\d{4}$")
# Digits grouped with dots the way phones are ("650.253.0000", "087.555.0119"), not a version or a date.
_DOTTED_PHONE = re.compile(r"^(?:\+?\d{1,3}\.)?\(?\d{2,4}\)?\.\d{3,4}\.\d{4}$")
# Words after which a run of digits is a reference, not a phone number: "Confirmation: 3318 4402 19", "EIN 84-...".
_ID_CONTEXT = re.compile(
    r"(?i)\b(?:confirmation|conf|booking|reservation|order|invoice|receipt|reference|ref|tracking|ticket|case|"
    r"ein|tin|itin|vat|tax|account|acct|routing|iban|serial|sku|isbn|issn|doi|po|pnr|policy|member|customer|claim|id)"
    r"\b\W{0,3}(?:(?:no|nr|number|num|id|code)\b\W{0,3})?\s*$"
)
# A run of digits with phone punctuation; starts at a "+" or "(" or digit that no word character precedes. Digits are
# joined by at most one separator (or a parenthesis and a space), so "0958 - 07911" and "1  2018" break the run.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.\-/])(?<!\d:)(?:\+|00)?\(?\d(?:(?:[ \t\u00a0.\-/]|\)[ ]?|[ ]?\()?\d){5,20}"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w])"
)
_DECIMAL = re.compile(r"^\(?\d+\.\d+\)?$")
# Separators people put between the digit groups of a phone number; "  " and " - " are tables and arithmetic.
_ODD_SEPARATOR = re.compile(r"\s{2,}|\s[\-.]|[\-.]\s")
_DATE_LIKE = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d+\.\d+\.\d+"
    r"|^(?:1[89]|20)\d\d\s?-\s?(?:1[89]|20)\d\d$"  # a range of years
    r"|^\((?:1[89]|20)\d\d\)"  # a citation's "(1981) 267-283"
)
_TIME_AFTER = re.compile(r"[:.]\d")  # "20130101 09:00", "12:30:45.123456": the digits are a timestamp
_SEPARATED = re.compile(r"\d[\s.\-)/]+\d")
_INTL00 = re.compile(r"00[1-9]")


def _in_longer_number(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` continues a decimal ("2.083 661 912") or sits in a run of numbers longer than any
    phone number (a table of integers, "... 39 33 37 70 53 23 12 ..."), each joined to the next by one separator."""
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdigit():
        return True
    left = start
    while left >= 2 and text[left - 1] in " .-" and text[left - 2].isdigit():
        left -= 2
        while left > 0 and text[left - 1].isdigit():
            left -= 1
    right = end
    while right + 1 < len(text) and text[right] in " .-" and text[right + 1].isdigit():
        right += 2
        while right < len(text) and text[right].isdigit():
            right += 1
    run = text[left:right]
    if (left < start or right > end) and "." in run and " " in run:
        return True  # "-2.002 319 304 3622": a constant printed in groups of three
    return sum(c.isdigit() for c in run) > 16


@dataclass(frozen=True)
class _PhoneMatch:
    start: int  # offsets into the candidate
    end: int
    valid: bool  # a number in service for its region, not merely of a possible length
    grouped: bool  # written with separators where that region's format puts them


class IntlPhoneRecognizer(OneEntityRecognizer):
    """International and national phone numbers of many regions, validated by ``phonenumbers``.

    A number written the way phones are (``+44 20 7946 0958``; ``(415) 555-0132`` and ``020 7946 0958``, whose digit
    groups are those of the region's format) scores 0.75. A bare run of digits that happens to be a valid number
    (an order id, a timestamp), or digits grouped unlike any phone format (``3318 4402 19``), scores 0.3 unless a
    phone word precedes it; a reference word before it ("Confirmation:", "EIN") drops it to 0.1. A "+" number of a
    possible length that ``phonenumbers`` does not know as assigned (``+44 7700 900123``, from a range kept for
    fiction and tests) scores 0.55 when grouped: a leading "+" and grouping are how people write phone numbers.
    """

    ENTITY = PHONE_NUMBER

    def __init__(
        self,
        regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
        supported_language: str = "en",
        leniency: phonenumbers.Leniency = phonenumbers.Leniency.VALID,
    ):
        self.regions = tuple(regions)
        self.leniency = leniency
        super().__init__(supported_language)

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        results = []
        for cand in _PHONE_CANDIDATE.finditer(text):
            raw = cand.group(0)
            digits = sum(c.isdigit() for c in raw)
            if digits < 7 or digits > 15 or _DECIMAL.match(raw):
                continue
            if _DATE_LIKE.match(raw) and not _DOTTED_PHONE.match(raw):
                continue
            if _TIME_AFTER.match(text, cand.end()):
                continue
            match = self._match(raw)
            cued = bool(_STRONG_CUE.search(text[max(0, cand.start() - 40) : cand.start()]))
            if match is None or not match.valid:
                unchecked = self._unchecked(raw, cued)
                if unchecked is not None:
                    results.append(found(self, PHONE_NUMBER, cand.start(), cand.end(), unchecked, why="cue"))
                    continue
            if match is None or _DECIMAL.match(raw[match.start : match.end]):
                continue
            start, end = cand.start() + match.start, cand.start() + match.end
            if _in_longer_number(text, start, end):
                continue
            intl = raw.startswith("+") or bool(_INTL00.match(raw))
            before = text[max(0, start - 40) : start]
            context = bool(_PHONE_CONTEXT.search(before))
            if not match.valid:
                score = 0.55
            elif intl:
                score = 0.75
            else:
                score = 0.75 if match.grouped else 0.3
                if not context and _ID_CONTEXT.search(before):
                    results.append(found(self, PHONE_NUMBER, start, end, 0.1, why="reference number"))
                    continue
            if context:
                score = min(1.0, score + 0.35)
            results.append(found(self, PHONE_NUMBER, start, end, score, why="phonenumbers match"))
        return results

    @staticmethod
    def _unchecked(raw: str, cued: bool) -> float | None:
        """The score of a number no numbering plan validates: after a phone cue, any cleanly written run of 7 to
        15 digits; without one, only the North American shape, which nothing but phone numbers uses."""
        if cued and (IntlPhoneRecognizer._clean(raw) or _NANP_SHAPE.match(raw)):
            return 0.85
        if _NANP_SHAPE.match(raw):
            return 0.6
        return None

    def _match(self, raw: str) -> _PhoneMatch | None:
        """The first valid number inside ``raw``, trying each region in turn, and how it is written."""
        # "00" is the international prefix almost everywhere; "+" makes the number region-independent.
        intl00 = bool(_INTL00.match(raw))
        probe = "+" + raw[2:] if intl00 else raw

        def offsets(m: phonenumbers.PhoneNumberMatch) -> tuple[int, int]:
            if not intl00:
                return m.start, m.end
            # probe[0] stands for raw[0:2]; every later probe index i is raw index i + 1.
            return (0 if m.start == 0 else m.start + 1), m.end + 1

        if probe.startswith("+"):
            region = self.regions[0] if self.regions else "US"
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=self.leniency):
                return _PhoneMatch(*offsets(m), valid=True, grouped=True)
            if intl00:
                return None
            # Not a number in service, but written as one: "+44 7700 900123" (country code, then groups).
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=phonenumbers.Leniency.POSSIBLE):
                after_cc = probe[1 + len(str(m.number.country_code)) : 2 + len(str(m.number.country_code))]
                ndigits = sum(c.isdigit() for c in m.raw_string)
                if (
                    m.start == 0
                    and ndigits >= 9
                    and after_cc in (" ", "-", "(")
                    and self._clean(m.raw_string)
                ):
                    return _PhoneMatch(m.start, m.end, valid=False, grouped=True)
                break
            return None
        first: _PhoneMatch | None = None
        for region in self.regions:
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=self.leniency):
                first = first or _PhoneMatch(m.start, m.end, valid=True, grouped=False)
                if not _SEPARATED.search(m.raw_string):
                    return first  # bare digits: no region's grouping can match
                if self._grouped(m.raw_string, region) or _NANP_SHAPE.match(m.raw_string):
                    return _PhoneMatch(m.start, m.end, valid=True, grouped=True)
                break
        return first

    @staticmethod
    def _clean(number: str) -> bool:
        # "12.058 8349" (a decimal, then more digits) mixes what phone numbers use one of
        return not _ODD_SEPARATOR.search(number) and not ("." in number and " " in number)

    @staticmethod
    def _grouped(number: str, region: str) -> bool:
        """Whether ``number`` has separators and its digit groups are those of ``region``'s phone format."""
        if not _SEPARATED.search(number) or not IntlPhoneRecognizer._clean(number):
            return False
        return any(
            True
            for _ in phonenumbers.PhoneNumberMatcher(number, region, phonenumbers.Leniency.STRICT_GROUPING)
        )
