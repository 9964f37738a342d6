"""What the recognizers of every family share: results that record which recognizer found them, and the base of the
recognizers that have nothing to load."""

from __future__ import annotations

from abc import abstractmethod

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
