"""Check digits of the values in the hand-written PII held-out sets (the ``make_pii_heldout*.py`` makers assert
them, so a set never scores a recognizer on a card or IBAN that a validating recognizer rightly rejects)."""

from __future__ import annotations

import re


def luhn_ok(number: str) -> bool:
    """Card numbers: the Luhn checksum over the digits (separators ignored)."""
    total = 0
    for i, d in enumerate(int(c) for c in reversed(number) if c.isdigit()):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_mod97(compact: str) -> int:
    """ISO 13616 remainder: country code and check digits moved to the end, letters as 10..35."""
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97


def iban_ok(iban: str, lengths: dict[str, int] | None = None) -> bool:
    """Remainder 1, and the country's length when ``lengths`` names it."""
    compact = iban.replace(" ", "")
    if lengths is not None and lengths.get(compact[:2]) != len(compact):
        return False
    return iban_mod97(compact) == 1


def ssn_ok(ssn: str) -> bool:
    """SSA rules: nine digits, area not 000, 666 or 9xx, group not 00, serial not 0000."""
    digits = re.sub(r"\D", "", ssn)
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        len(digits) == 9
        and area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )
