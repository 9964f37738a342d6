"""The hand-written «TYPE|value» PII sets (6 and 7): generated bodies referenced as ``⟦name⟧``, marks stripped into
offsets, the checks every such set must pass, and the write-and-summarise step their makers share."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable

from benchmarks.data._heldout_writer import write_jsonl
from benchmarks.data._pii_marks import GUILLEMET_MARK, strip_marks

_KEY_REF = re.compile(r"⟦(\w+)⟧")


def fill_keys(s: str, keys: dict[str, str]) -> str:
    """``s`` with each ``⟦name⟧`` replaced by the generated value ``keys[name]``."""
    return _KEY_REF.sub(lambda m: keys[m.group(1)], s)


def tool_json(obj: object, keys: dict[str, str]) -> str:
    """Tool JSON as an agent framework writes it (UTF-8, not ASCII-escaped), key references filled in."""

    def walk(o):
        if isinstance(o, str):
            return fill_keys(o, keys)
        if isinstance(o, list):
            return [walk(x) for x in o]
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        return o

    return json.dumps(walk(obj), ensure_ascii=False)


def parse(raw: str, keys: dict[str, str]) -> tuple[str, list[dict]]:
    """The plain text and its gold spans; no mark or key reference may survive."""
    text, spans = strip_marks(fill_keys(raw, keys), GUILLEMET_MARK)
    assert "«" not in text and "»" not in text and "⟦" not in text, text
    return text, spans


def check_spans(text: str, spans: list[dict]) -> None:
    """Offsets point at the values, values carry no edge whitespace, and no labelled value also stands unlabelled."""
    for s in spans:
        assert text[s["start"] : s["end"]] == s["value"], s
        assert s["value"] == s["value"].strip(), s
    # every whole-word occurrence of a labelled value must lie inside some span
    covered = [(s["start"], s["end"]) for s in spans]
    for s in spans:
        for m in re.finditer(r"(?<!\w)" + re.escape(s["value"]) + r"(?!\w)", text):
            assert any(a <= m.start() and m.end() <= b for a, b in covered), (s, text)


def write_set(
    name: str,
    id_prefix: str,
    texts: Iterable[tuple[str, str]],
    keys: dict[str, str],
    kinds: Iterable[str],
    check: Callable[[str, list[dict]], None] = check_spans,
) -> None:
    """Parses and checks each ``(kind, raw)``, writes ``benchmarks/data/<name>`` with ids ``<id_prefix>-NNNN``,
    and prints the totals per type and per kind."""
    allowed = frozenset(kinds)
    rows = []
    for i, (kind, raw) in enumerate(texts):
        assert kind in allowed, kind
        text, spans = parse(raw, keys)
        check(text, spans)
        rows.append({"id": f"{id_prefix}-{i:04d}", "kind": kind, "text": text, "pii": spans})
    write_jsonl(name, rows)
    counts = Counter(s["type"] for r in rows for s in r["pii"])
    print(
        f"{len(rows)} texts, {sum(counts.values())} values, {sum(1 for r in rows if not r['pii'])} without PII"
    )
    print(dict(sorted(counts.items())))
    print(dict(Counter(r["kind"] for r in rows)))
