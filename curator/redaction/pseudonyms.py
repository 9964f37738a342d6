"""Consistent, irreversible placeholders within one scope (an episode, or one text).

The same value gets the same ``<TYPE_n>`` wherever it appears in the scope, so a redacted conversation still reads
coherently ("<PERSON_1> asked ... <PERSON_1>'s order"). The value-to-placeholder table lives only as long as the
``Pseudonymizer`` object, which the redactor drops when the scope is done: nothing maps a placeholder back.
"""

from __future__ import annotations

import re
from collections import Counter

_SPACE = re.compile(r"\s+")


def _normalize(entity_type: str, value: str) -> str:
    # Case and spacing differ between turns ("Maria Garcia" / "maria  garcia"), the person does not.
    value = _SPACE.sub(" ", value.strip()).casefold()
    if entity_type == "PHONE_NUMBER":
        value = re.sub(r"[^\d+]", "", value)
    return value


def _name_parts(normalized: str) -> list[str]:
    words = (re.sub(r"[^\w'-]", "", w) for w in normalized.split(" "))
    return [w for w in words if len(w) >= 3]


class Pseudonymizer:
    """Hands out ``<TYPE_n>`` placeholders, numbered per type in order of first appearance, and counts uses."""

    def __init__(self) -> None:
        self._table: dict[tuple[str, str], str] = {}
        self._next: Counter[str] = Counter()
        # PERSON name parts ("garcia") of full names seen, so "Ms. Garcia" later maps to the same person.
        self._person_parts: dict[str, str] = {}
        self.counts: Counter[str] = Counter()

    def placeholder(self, entity_type: str, value: str) -> str:
        """The placeholder for ``value``; the same one every time within this scope. Counts one use."""
        self.counts[entity_type] += 1
        return self._lookup(entity_type, value)

    def peek(self, entity_type: str, value: str) -> str:
        """Like ``placeholder`` but counts nothing (used to number values in reading order before replacing)."""
        return self._lookup(entity_type, value)

    def _lookup(self, entity_type: str, value: str) -> str:
        key = (entity_type, _normalize(entity_type, value))
        found = self._table.get(key)
        if found is not None:
            return found
        if entity_type == "PERSON":
            found = self._person_by_part(key[1])
        if found is None:
            self._next[entity_type] += 1
            found = f"<{entity_type}_{self._next[entity_type]}>"
        self._table[key] = found
        if entity_type == "PERSON":
            for part in _name_parts(key[1]):
                self._person_parts.setdefault(part, found)
        return found

    def _person_by_part(self, normalized: str) -> str | None:
        parts = _name_parts(normalized)
        # Only a lone word ("Garcia", "Ms. Garcia") is linked to a known full name; two different full names may
        # share a first name or a surname and must stay two people.
        if len(parts) == 1:
            return self._person_parts.get(parts[0])
        return None
