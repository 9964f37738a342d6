"""Street addresses, whole: the house number and street, the unit, and the town and postcode after them, so that a
partly masked address does not keep the street and town ("<ADDRESS_1>, Springfield, IL 62704" still locates a home).

Three shapes, each one regex: a number then a street whose last word is a street type (``4417 Old Mill Road``,
``19 Rue des Lilas``), a street name with its type built in then a number (``Kastanienallee 41``, ``Sveavägen 118``),
and ``PO Box``; each extended over a unit (``Apt 3B``) and a tail of town, region and postcode. Values under an
address key of JSON or a ``key: value`` line (``"street"``, ``"postal_code"``, ``"address_line1"``) are addresses
whatever they look like. Town names alone ("ships from Malmö") are not addresses and are kept.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from tracewheel.curator.redaction.recognizers.base import OneEntityRecognizer, found

STREET_ADDRESS = "STREET_ADDRESS"

_CAP = r"(?:[A-Z][\w'’.\-]*|\d{1,3}(?:st|nd|rd|th))"  # a capitalized word, or "5th"
_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Ln|Drive|Dr|Boulevard|Blvd|Parkway|Pkwy|Way|Court|Ct|Place|Pl"
    r"|Terrace|Ter|Circle|Cir|Highway|Hwy|Square|Sq|Crescent|Cres|Close|Row|Trail|Trl|Alley|Walk|Grove|Gardens"
    r"|Mews|Loop|Path|Pike|Plaza|Esplanade|Embankment|Quay|Wharf|Green|Rise|Hill|Heights)\.?"
)
_ROMANCE = (
    r"(?:[Rr]ue|[Aa]venue|[Bb]oulevard|[Bb]d|[Cc]hemin|[Aa]llée|[Pp]lace|[Ii]mpasse|[Qq]uai|[Vv]ia|[Vv]iale|[Pp]iazza"
    r"|[Cc]alle|[Aa]venida|[Rr]ua|[Pp]raça|[Pp]laza|[Cc]arrer|[Pp]aseo|[Ll]argo|[Cc]orso)"
)
_PARTICLE = r"(?:de|des|du|la|le|les|del|della|delle|di|da|do|dos|das|d'|l')"
_BUILT_IN = (
    r"[A-ZÄÖÜÅØÆ][\w'’\-]*(?:straße|strasse|str\.|allee|weg|gasse|platz|ring|damm|ufer|chaussee|steig|vägen|gatan"
    r"|gränd|torget|vej|gade|veien|gata|gate|laan|straat|gracht|kade|plein|singel|utca|ulica|tie|katu)"
)
_UNIT = r"(?:,?[^\S\n]+(?:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?[^\S\n]*#?[\w\-]{1,6})"
_POSTCODE = (
    r"(?:[A-Z]{2}[^\S\n]+\d{5}(?:-\d{4})?"  # IL 62704
    r"|\d{5}(?:-\d{4})?"  # 62704
    r"|[A-Z]{1,2}\d[A-Z\d]?[^\S\n]*\d[A-Z]{2}"  # GL50 1XY
    r"|[A-Z]\d{2}[^\S\n]?[A-Z\d]{4}"  # R35 X2Y4 (Eircode)
    r"|[A-Z]\d[A-Z][^\S\n]?\d[A-Z]\d"  # K1A 0B1
    r"|\d{3}[^\S\n]\d{2}|\d{4})"  # 113 50, 2000
)
_NAME = r"[A-Z][^\W\d_]*(?:['’\-][^\W\d_]+)*(?:\.|(?!\w))"  # a capitalized word without digits: "Saint-Étienne", "Ft."
_TOWN = rf"(?:(?:Co\.[^\S\n]+)?{_NAME}(?:[^\S\n]+{_NAME}){{0,2}})"
# ", Bozeman, MT 59715", " Cheltenham GL50 1XY", ", 69003 Lyon", ", Tullamore, Co. Offaly R35 X2Y4"
_TAIL = (
    rf"(?:,?[^\S\n]+{_POSTCODE}[^\S\n]+{_TOWN}"
    rf"|(?:,[^\S\n]*{_TOWN}){{1,3}}(?:,?[^\S\n]+{_POSTCODE})?"
    rf"|[^\S\n]+{_TOWN}[^\S\n]+{_POSTCODE}(?![\w-]))"
)
_ADDRESS = re.compile(
    rf"(?<![\w.\-])(?:"
    rf"\d{{1,4}}(?:[^\S\n]?(?:bis|ter))?,?[^\S\n]+{_ROMANCE}[^\S\n]+(?:{_PARTICLE}[^\S\n]*)*{_CAP}(?:[^\S\n]+(?:{_PARTICLE}[^\S\n]*)*{_CAP}){{0,3}}"
    rf"|\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?,?[^\S\n]+(?:{_CAP}[^\S\n]+){{1,4}}{_SUFFIX}(?![\w])"  # 4417 Old Mill Road
    rf"|\d{{1,6}}[A-Za-z]?[^\S\n]+Broadway(?![\w])"
    rf"|{_ROMANCE}[^\S\n]+(?:{_PARTICLE}[^\S\n]*)*{_CAP}(?:[^\S\n]+{_CAP}){{0,2}},?[^\S\n]+\d{{1,4}}[a-z]?(?![\w])"  # Via Roma 5
    rf"|{_BUILT_IN}[^\S\n]+\d{{1,4}}[a-zA-Z]?(?:[^\S\n]*[-/][^\S\n]*\d{{1,4}})?(?![\w])"  # Kastanienallee 41
    rf"|P\.?[^\S\n]?O\.?[^\S\n]+Box[^\S\n]+\d{{1,6}}"
    rf")(?:{_UNIT})?(?:{_TAIL})?"
)
_NEEDLE = re.compile(r"\d")
# An address key of JSON ("street": "...") or of a "key: value" line; its value is an address whatever it looks like.
_ADDRESS_KEY = re.compile(
    r"(?im)(?:^|[\"'{, \t])(?:street(?:[_ ]?address)?|(?:home|mailing|billing|shipping|postal|street)?[_ ]?address"
    r"(?:[_ ]?line[_ ]?\d)?|addr(?:ess)?\d|postal[_ ]?code|post[_ ]?code|zip(?:[_ ]?code)?)[\"']?[^\S\n]*[:=][^\S\n]*"
    r"[\"']?([^\"\n]{2,120}?)[\"']?[^\S\n]*(?:[,}\]]|$)"
)
# A town key whose value starts with a postcode ("city": "10435 Berlin"): the postcode locates the street.
_TOWN_KEY = re.compile(
    r"(?im)(?:^|[\"'{, \t])(?:city|town|locality)[\"']?[^\S\n]*[:=][^\S\n]*[\"']?(\d{3,5}(?:[^\S\n]\d{2})?[^\S\n]+[^\"\n,]{2,60}?)"
    r"[\"']?[^\S\n]*(?:[,}\]]|$)"
)


def _keyed_value_is_address(value: str) -> bool:
    # "address": "0x7ffd5c2a" is a memory address and "address": "x@y.z" an e-mail the e-mail recognizer takes
    return any(c.isdigit() for c in value) and not value.lower().startswith("0x") and "@" not in value


class StreetAddressRecognizer(OneEntityRecognizer):
    """Whole street addresses in prose, tables and JSON (see the module docstring)."""

    ENTITY = STREET_ADDRESS

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        if not _NEEDLE.search(text):
            return []
        results = [
            found(self, STREET_ADDRESS, m.start(), m.end(), 0.8, why="street address")
            for m in _ADDRESS.finditer(text)
        ]
        for pattern in (_ADDRESS_KEY, _TOWN_KEY):
            for m in pattern.finditer(text):
                value = m.group(1).strip()
                if value and _keyed_value_is_address(value):
                    start = m.start(1) + (len(m.group(1)) - len(m.group(1).lstrip()))
                    results.append(
                        found(
                            self,
                            STREET_ADDRESS,
                            start,
                            start + len(value),
                            0.85,
                            why="value of an address key",
                        )
                    )
        return results
