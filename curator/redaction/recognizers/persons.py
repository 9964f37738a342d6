"""Person names that the small spaCy model misses or gets wrong.

- ``PersonContextRecognizer``: full names the small spaCy model misses, where the context says a person is meant.
- ``CheckedSpacyRecognizer``: Presidio's spaCy recognizer whose PERSON spans must pass the name gazetteer's checks
  (``curator/redaction/name_gazetteer.py``): "Max" in "Max tokens", "Starter", "Acme Corp" are dropped.
- ``GazetteerPersonRecognizer``: names the gazetteer confirms, or a cue vouches for.
- ``plausible_person``: drops PERSON spans that are code, not names (``get_user``, ``{"id"``, ``Bearer``).
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from tracewheel.curator.redaction.name_gazetteer import (
    NameGazetteer,
    default_gazetteer,
    find_person_spans,
    ner_person_plausible,
)
from tracewheel.curator.redaction.recognizers.base import ReadyRecognizer, found

_CODE_CHARS = re.compile(r"[_{}\[\]()<>=/\\|@#$%^*0-9\"`:;]")


def plausible_person(value: str) -> bool:
    """Whether a spaCy PERSON span reads as a name rather than code or markup.

    >>> plausible_person("Maria Garcia"), plausible_person("get_user"), plausible_person("Bearer")
    (True, False, False)
    """
    words = value.split()
    # Lowercase particles do not count: "José María García de la Fuente" is one name.
    if not words or sum(not w.islower() for w in words) > 5 or _CODE_CHARS.search(value):
        return False
    if value.lower() in {
        "bearer",
        "basic",
        "token",
        "json",
        "null",
        "none",
        "true",
        "false",
        "assistant",
        "user",
    }:
        return False
    return any(w[:1].isupper() and w[1:2].islower() for w in words)


def person_span_ok(text: str, start: int, end: int, gazetteer: NameGazetteer) -> bool:
    """Whether ``text[start:end]``, a span some model or cue took for a person, reads as a name by both checks:
    not code (``plausible_person``) and not refused by the gazetteer (``ner_person_plausible``)."""
    return plausible_person(text[start:end]) and ner_person_plausible(text, start, end, gazetteer)


_PARTICLE = r"(?:van|von|de|der|den|del|della|di|da|du|le|la|ter|ten|dos|das|y|bin|al)"
# "Maria", "O'Brien", "McDonald", "Müller-Lüdenscheidt"; not "I'm", "USB", "Pro".
_NAME_WORD = r"\p{Lu}(?:['’]\p{Lu})?\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?"
_NAME = rf"(?P<name>{_NAME_WORD}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_NAME_WORD}){{1,3}})"
_CONTACT = r"(?:[\w.+\-]+@[\w\-]+\.[\w.\-]+|\+?\(?\d[\d ().\-]{6,}\d)"


class PersonContextRecognizer(ReadyRecognizer):
    """Full names (two to four capitalized words) where the context says a person is meant.

    spaCy's small English model misses many non-English names, and names alone in a JSON field; agent traces
    announce them in a few recurring ways, which this recognizer reads:
    - after a salutation, a title or a self-introduction: "Dear Bas Eelman", "Hi, I'm Maria Garcia", "Dr. Li Wei";
    - after a ticket/CRM role: "assigned to ...", "reported by ...", "reporter ...";
    - after a person-ish key: ``"name": "..."``, ``beneficiary: ...``, ``Author: ...``;
    - right before a contact detail: "Camillo Vattimo (camillo@x.it)", "call Ugo Cesaroni on +39 ...",
      "Rosmarie Sölzer <r@x.de>", "Rémy Menard can be reached at ...";
    - joined by "and" / "or" / "&" to a name spaCy found: "Frances Adams and Édouard Monnier".
    """

    NEXT_TO = regex.compile(r"[ ]+(?:and|or|&)[ ]+" + _NAME)
    BEFORE = regex.compile(_NAME + r"[ ]+(?:and|or|&)[ ]+$")

    CUES = regex.compile(
        r"(?i:\b(?:dear|hi|hello|hey|thanks|thank you|regards|cheers|i'm|i am|it's|my name is|this is|attn|mr|mrs|ms|"
        r"mx|dr|prof|assigned to|reported by|created by|approved by|reviewed by|requested by|owned by|"
        r"on behalf of|meeting with|call with|reporter|requester|assignee)\b[.,]?[ ]+"
        r"|[\"']?\b(?:name|full[_ ]?name|first[_ ]?name|last[_ ]?name|customer(?:[_ ]name)?|client(?:[_ ]name)?"
        r"|contact(?:[_ ]name)?|author|assignee|owner|recipient|sender|beneficiary|account[_ ]?holder|cardholder"
        r"|patient|employee|signed-off-by|reviewed-by|co-authored-by|from|to|cc|bcc)[\"']?[ ]*[:=][ ]*[\"']?)"
        + _NAME
        + r"|"
        + _NAME.replace("?P<name>", "?P<name2>")
        + rf"(?=[ ]*(?:[<(\[][ ]*|,[ ]*|(?:[ ]+(?:can|may|could)[ ]+be[ ]+reached)?[ ]+(?:at|on|via|by)[ ]+){_CONTACT})",
    )
    SCORE = 0.7

    def __init__(self, supported_language: str = "en"):
        super().__init__(
            supported_entities=["PERSON"], supported_language=supported_language, name="PersonContext"
        )

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        spans = []
        for match in self.CUES.finditer(text):
            spans.append(match.span("name" if match.group("name") else "name2"))
        for ent in nlp_artifacts.entities if nlp_artifacts is not None else ():
            if ent.label_ != "PERSON":
                continue
            after = self.NEXT_TO.match(text, ent.end_char)
            if after:
                spans.append(after.span("name"))
            before = self.BEFORE.search(text[max(0, ent.start_char - 80) : ent.start_char])
            if before:
                offset = max(0, ent.start_char - 80)
                spans.append((before.start("name") + offset, before.end("name") + offset))
        gazetteer = default_gazetteer()
        return [
            found(self, "PERSON", start, end, self.SCORE, why="name in context")
            for start, end in spans
            if person_span_ok(text, start, end, gazetteer)
        ]


class CheckedSpacyRecognizer(SpacyRecognizer):
    """Presidio's spaCy NER recognizer, minus PERSON spans that are code or that the name gazetteer rejects.

    The check runs here rather than after the analyzer because the analyzer drops a span contained in a
    higher-scored one of the same type: a rejected "Contact: Ioana Popescu" would take the good "Ioana Popescu"
    of another recognizer with it.
    """

    def __init__(self, *args, gazetteer: NameGazetteer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = SpacyRecognizer.__name__  # explanations and lineage keep Presidio's name
        self._gazetteer = gazetteer

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):
        results = super().analyze(text, entities, nlp_artifacts)
        gazetteer = self._gazetteer or default_gazetteer()
        return [
            r for r in results if r.entity_type != "PERSON" or person_span_ok(text, r.start, r.end, gazetteer)
        ]


class GazetteerPersonRecognizer(ReadyRecognizer):
    """Person names confirmed by the name gazetteer, or by a cue that says a person is meant (see module doc)."""

    SCORE = 0.75
    NAME = "GazetteerPerson"

    def __init__(self, gazetteer: NameGazetteer | None = None, supported_language: str = "en"):
        self._gazetteer = gazetteer
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language, name=self.NAME)

    @property
    def gazetteer(self) -> NameGazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        return [
            found(self, "PERSON", start, end, self.SCORE, why="name gazetteer")
            for start, end in find_person_spans(text, self.gazetteer)
        ]
