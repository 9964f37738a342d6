"""What the hand-written PII sets' inline marks mean: the entity type of each short code, and the trace fields a
text may imitate. Sets 4 and 5 write ``⟦P|Ada Obi⟧``, set 6 ``«P|Ada Obi»``; each maker turns its marks into
offsets."""

from __future__ import annotations

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
}

KINDS = frozenset({"chat", "tool_args", "tool_result", "system", "answer"})
