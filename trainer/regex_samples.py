"""Strings a regular expression accepts, for the verifier probes: does a regex verifier accept more than one answer?

Python's own parser (``re._parser``, the one ``re.compile`` uses) reads the pattern; ``sample_matches`` walks the
parse tree twice, once taking the first option at every choice (first branch, first character of a class, fewest
repetitions) and once the second, so ``[0-9]{2}`` gives ``00`` and ``11`` and ``(?i)(yes|no)`` gives ``yes`` and
``no``. Callers must check each sample against the real engine (RE2): the walk does not model anchors, flags or
RE2-only syntax, and a construct it does not know (lookaround, backreferences) yields no sample at all.

    >>> sample_matches("[0-9]{2}")
    ['00', '11']
    >>> sample_matches("(?i)(yes|no)")
    ['yes', 'no']
    >>> sample_matches(r"(a)\\1")
    []
"""

from __future__ import annotations

import re
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any

# Characters tried, in order, for a character class or ``.``: digits, letters, then common punctuation.
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -_.,:;!?/+*#@'\"()[]{}\t"
_CATEGORIES = {
    sre.CATEGORY_DIGIT: str.isdigit,
    sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdigit(),
    sre.CATEGORY_SPACE: str.isspace,
    sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_MAX_SAMPLE_CHARS = 1000


class _Unsupported(Exception):
    pass


def sample_matches(pattern: str) -> list[str]:
    """Up to two distinct strings the pattern should accept (first and second choices); [] when it cannot tell."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return []
    samples: list[str] = []
    for choice in (0, 1):
        try:
            sample = _walk(list(parsed), choice)
        except (_Unsupported, RecursionError):
            return []
        if len(sample) <= _MAX_SAMPLE_CHARS and sample not in samples:
            samples.append(sample)
    return samples


def _walk(items: list[tuple[Any, Any]], choice: int) -> str:
    out: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL:
            out.append(_pick(lambda c, av=av: c != chr(av), choice))
        elif op is sre.ANY:
            out.append(_pick(lambda c: c != "\n", choice))
        elif op is sre.IN:
            out.append(_pick(_class_test(av), choice))
        elif op in _REPEATS:
            low, high, sub = av
            count = low if choice == 0 else min(max(low, 1), high)
            out.append(_walk(list(sub), choice) * count)
        elif op is sre.SUBPATTERN:
            out.append(_walk(list(av[-1]), choice))
        elif op is sre.ATOMIC_GROUP:
            out.append(_walk(list(av), choice))
        elif op is sre.BRANCH:
            branches = av[1]
            out.append(_walk(list(branches[min(choice, len(branches) - 1)]), choice))
        elif op is sre.AT:
            continue  # anchors and word boundaries add no characters
        else:
            raise _Unsupported(str(op))
    return "".join(out)


def _class_test(items: list[tuple[Any, Any]]) -> Any:
    negate = bool(items) and items[0][0] is sre.NEGATE
    tests = []
    for op, av in items[1:] if negate else items:
        if op is sre.LITERAL:
            tests.append(lambda c, av=av: c == chr(av))
        elif op is sre.RANGE:
            tests.append(lambda c, av=av: av[0] <= ord(c) <= av[1])
        elif op is sre.CATEGORY and av in _CATEGORIES:
            tests.append(_CATEGORIES[av])
        else:
            raise _Unsupported(str(op))
    return lambda c: any(t(c) for t in tests) != negate


def _pick(test: Any, choice: int) -> str:
    members = [c for c in _ALPHABET if test(c)]
    if not members:
        raise _Unsupported("no member in the sample alphabet")
    return members[min(choice, len(members) - 1)]
