"""The hand-written PII sets' inline marks: ``⟦P|Ada Obi⟧`` (sets 4 and 5) or ``«P|Ada Obi»`` (set 6) around each
labelled value, stripped into plain text plus exact offsets, so offsets are computed, never typed."""

from __future__ import annotations

import re
from collections.abc import Callable

BRACKET_MARK = re.compile(r"⟦([A-Z]+)\|(.*?)⟧", re.S)
GUILLEMET_MARK = re.compile(r"«(\w+)\|(.*?)»", re.S)

# Several spellings per type: each set was written with its own short codes.
ENTITY_CODES: dict[str, str] = {
    "P": "PERSON",
    "E": "EMAIL_ADDRESS",
    "PH": "PHONE_NUMBER",
    "T": "PHONE_NUMBER",
    "CC": "CREDIT_CARD",
    "C": "CREDIT_CARD",
    "SSN": "US_SSN",
    "S": "US_SSN",
    "IBAN": "IBAN_CODE",
    "I": "IBAN_CODE",
    "IP": "IP_ADDRESS",
    "KEY": "API_KEY",
    "K": "API_KEY",
    "CS": "CONNECTION_STRING",
    "DB": "CONNECTION_STRING",
    "ADDR": "STREET_ADDRESS",
    "DL": "DRIVER_LICENSE",
    "DOB": "DATE_OF_BIRTH",
}

KINDS = frozenset({"chat", "tool_args", "tool_result", "system", "answer"})


def strip_marks(
    marked: str, mark: re.Pattern[str], resolve: Callable[[str, str], str] | None = None
) -> tuple[str, list[dict]]:
    """The text without its marks, and each marked value as ``{"type", "value", "start", "end"}``.

    ``mark`` captures (code, value); ``resolve(entity_type, value)``, when given, computes the value that stands
    in the text (a check digit filled in, a generated key looked up).
    """
    out: list[str] = []
    spans: list[dict] = []
    pos = length = 0
    for m in mark.finditer(marked):
        out.append(marked[pos : m.start()])
        length += m.start() - pos
        entity_type = ENTITY_CODES[m.group(1)]
        value = resolve(entity_type, m.group(2)) if resolve else m.group(2)
        spans.append({"type": entity_type, "value": value, "start": length, "end": length + len(value)})
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), spans
