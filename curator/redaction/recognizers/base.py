"""What the recognizers of every family share: results that record which recognizer found them, the base of the
recognizers that have nothing to load, and of those that find one entity type (some only after a cue)."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import ClassVar

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


def found(
    recognizer: LocalRecognizer,
    entity: str,
    start: int,
    end: int,
    score: float,
    *,
    why: str = "",
    original_score: float | None = None,
    pattern: str | None = None,
) -> RecognizerResult:
    """A Presidio result carrying the recognizer's name and id, as Presidio's own recognizers record them."""
    return RecognizerResult(
        entity_type=entity,
        start=start,
        end=end,
        score=score,
        analysis_explanation=AnalysisExplanation(
            recognizer=recognizer.name,
            original_score=score if original_score is None else original_score,
            pattern=pattern,
            textual_explanation=why or None,
        ),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class ReadyRecognizer(LocalRecognizer):
    """A recognizer whose patterns and lists are built at import, so ``load`` has nothing to do; it reads a text only
    when one of its entity types is asked for. Subclasses implement ``find``."""

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if not set(self.supported_entities) & set(entities):
            return []
        return self.find(text, entities, nlp_artifacts)

    @abstractmethod
    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        """Results for ``text``, one of whose entity types is among ``entities``."""


class OneEntityRecognizer(ReadyRecognizer):
    """A ready recognizer of the one entity type ``ENTITY``, named after its class."""

    ENTITY: ClassVar[str]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY], supported_language=supported_language, name=type(self).__name__
        )


class CuedRecognizer(OneEntityRecognizer):
    """Values that ``PATTERN`` captures (group 1) after a cue, scored ``SCORE``; the pattern runs only on a text that
    holds one of ``NEEDLES`` (lower case), since most texts hold no cue at all."""

    NEEDLES: ClassVar[tuple[str, ...]]
    PATTERN: ClassVar[re.Pattern[str]]
    SCORE: ClassVar[float]
    WHY: ClassVar[str]

    def keep(self, value: str) -> bool:
        """Whether a captured value is one (subclasses drop look-alikes)."""
        return True

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
    ) -> list[RecognizerResult]:
        lowered = text.lower()
        if not any(n in lowered for n in self.NEEDLES):
            return []
        return [
            found(self, self.ENTITY, m.start(1), m.end(1), self.SCORE, why=self.WHY)
            for m in self.PATTERN.finditer(text)
            if self.keep(m.group(1))
        ]
