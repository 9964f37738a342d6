"""PII and secret redaction of episodes and texts, with Presidio (analyzer + anonymizer) and spaCy NER.

``Redactor`` builds its engines once; reuse it. Every text field of an episode is redacted with placeholders
``<TYPE_n>`` that are consistent within the episode (the same person is ``<PERSON_1>`` in every turn and field) and
irreversible (the value-to-placeholder table is dropped when the episode is done; only counts per type are kept).

Why it is fast (see benchmarks/curate.py):
- identical strings across the batch are analyzed once (system prompts, repeated tool results, user_task);
- spaCy runs only its NER component, through ``nlp.pipe`` in batches, and only on texts with a capitalized word;
- the custom recognizers test cheap substrings before running any regex;
- JSON (tool-call arguments, JSON tool results) is flattened into one ``key: value`` text per field, so the NER sees
  the key as context and each field costs one analysis instead of one per leaf.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    IbanRecognizer,
    UsSsnRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult
from tracewheel.collector.episode import Episode
from tracewheel.curator.redaction.name_gazetteer import WORD, NameGazetteer, default_gazetteer
from tracewheel.curator.redaction.pseudonyms import Pseudonymizer
from tracewheel.curator.redaction.recognizers.addresses import StreetAddressRecognizer
from tracewheel.curator.redaction.recognizers.financial import WideCreditCardRecognizer
from tracewheel.curator.redaction.recognizers.identity import DateOfBirthRecognizer, DriverLicenseRecognizer
from tracewheel.curator.redaction.recognizers.network import NonLocalIpRecognizer, OfflineEmailRecognizer
from tracewheel.curator.redaction.recognizers.persons import (
    CheckedSpacyRecognizer,
    GazetteerPersonRecognizer,
    PersonContextRecognizer,
    plausible_person,
)
from tracewheel.curator.redaction.recognizers.phones import IntlPhoneRecognizer
from tracewheel.curator.redaction.recognizers.secrets import SecretsRecognizer
from tracewheel.curator.redaction.redaction_config import RedactionConfig

logger = logging.getLogger(__name__)

LANGUAGE = "en"
NER_ENTITIES = ("PERSON", "LOCATION", "NRP", "DATE_TIME", "ORGANIZATION")
# Presidio's spacy.yaml mapping; labels the curator never redacts are ignored before they cost anything.
_NER_CONFIGURATION: dict[str, Any] = {
    "model_to_presidio_entity_mapping": {
        "PER": "PERSON",
        "PERSON": "PERSON",
        "NORP": "NRP",
        "FAC": "LOCATION",
        "LOC": "LOCATION",
        "GPE": "LOCATION",
        "ORG": "ORGANIZATION",
        "DATE": "DATE_TIME",
        "TIME": "DATE_TIME",
    },
    "low_confidence_score_multiplier": 0.4,
    "low_score_entity_names": [],
    "labels_to_ignore": [
        "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART",
    ],
}  # fmt: skip
_NAME_HINT = re.compile(r"[A-Z][a-z]")
_HAS_WORD = re.compile(r"[A-Za-z0-9]")
# Values shorter than this are not propagated through the episode: "Li" or "AB" would hit unrelated words.
_MIN_PROPAGATED = 4
_SECRET_LEAF = "SECRET"
_NAME_PART = re.compile(r"[^\W\d_][\w'’-]*")


def _from_gazetteer(result) -> bool:
    return (result.recognition_metadata or {}).get("recognizer_name") == GazetteerPersonRecognizer.NAME


def _with_name_parts(text: str, spans: list[Span], gazetteer: NameGazetteer) -> list[Span]:
    """``spans`` plus every other occurrence in ``text`` of a word of a multi-word PERSON span: "From: Zanele
    Dlamini ... Best, Zanele". Case-sensitive and whole-word, so "Will Smith" does not take "will" with it."""
    parts = {
        part
        for s in spans
        if s.entity_type == "PERSON"
        for part in _NAME_PART.findall(text[s.start : s.end])
        if len(part) >= 3
        and part[:1].isupper()
        and part != text[s.start : s.end]
        and gazetteer.kind(part) != WORD  # "The Lord" must not take every "The" with it
    }
    if not parts:
        return spans
    pattern = re.compile(
        r"(?<![\w@.])(?:" + "|".join(map(re.escape, sorted(parts, key=len, reverse=True))) + r")(?![\w@])"
    )
    covered = [(s.start, s.end) for s in spans]
    extra = [
        Span(m.start(), m.end(), "PERSON", 0.7)
        for m in pattern.finditer(text)
        if not any(a <= m.start() and m.end() <= b for a, b in covered)
    ]
    return [*spans, *extra] if extra else spans


@dataclass
class RedactedText:
    """A redacted text and what was found, as ``{"type", "start", "end"}`` offsets into the ORIGINAL text
    (Python string indices, i.e. Unicode code points, end exclusive)."""

    text: str
    entities: list[dict]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    entity_type: str
    score: float


class NerOnlySpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine running only the pipeline's NER (no tagger, parser, lemmatizer).

    Presidio uses lemmas only to find context words near a match; the lowercased token is close enough for that
    and costs nothing, while the tagger and parser cost two thirds of the pipeline's time.
    """

    engine_name = "spacy"

    def load(self) -> None:
        self.nlp = {}
        for model in self.models:
            self._validate_model_params(model)
            # spacy.load on an installed package or a path: never a download, unlike Presidio's default load().
            self.nlp[model["lang_code"]] = spacy.load(model["model_name"], enable=["ner"])

    def artifacts(self, doc, language: str = LANGUAGE) -> NlpArtifacts:
        return self._doc_to_nlp_artifact(doc, language)

    def _doc_to_nlp_artifact(self, doc, language: str) -> NlpArtifacts:
        entities, scores = self._get_updated_entities(
            self._get_entities(doc), self._get_scores_for_entities(doc)
        )
        # NlpArtifacts derives its context keywords from the lemmas when built, so they are set here, not after.
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=scores,
        )


def build_nlp_engine(config: RedactionConfig, engine_class: type[SpacyNlpEngine] = NerOnlySpacyNlpEngine):
    """Presidio's NlpEngineProvider configured with the bundled spaCy model (no model hub at run time)."""
    provider = NlpEngineProvider(
        nlp_engines=(engine_class,),
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": LANGUAGE, "model_name": config.spacy_model}],
            "ner_model_configuration": _NER_CONFIGURATION,
        },
    )
    try:
        return provider.create_engine()
    except OSError as exc:
        raise ValueError(f"spacy_model: cannot load {config.spacy_model!r}: {exc}") from exc


def build_recognizers(config: RedactionConfig) -> list:
    """The recognizers for ``config.entities``: Presidio's where they fit, ours where Presidio has none."""
    wanted = set(config.entities)
    ner = [e for e in NER_ENTITIES if e in wanted]
    candidates = [
        CheckedSpacyRecognizer(supported_entities=ner) if ner else None,
        PersonContextRecognizer(),
        GazetteerPersonRecognizer(),
        OfflineEmailRecognizer(),
        WideCreditCardRecognizer(),
        IbanRecognizer(),
        NonLocalIpRecognizer(),
        UsSsnRecognizer(),
        IntlPhoneRecognizer(regions=config.phone_regions),
        SecretsRecognizer(),
        StreetAddressRecognizer(),
        DateOfBirthRecognizer(),
        DriverLicenseRecognizer(),
    ]
    return [r for r in candidates if r is not None and wanted & set(r.supported_entities)]


def build_analyzer(config: RedactionConfig, nlp_engine=None) -> AnalyzerEngine:
    nlp_engine = nlp_engine or build_nlp_engine(config)
    registry = RecognizerRegistry(recognizers=build_recognizers(config), supported_languages=[LANGUAGE])
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        default_score_threshold=config.score_threshold,
    )


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping spans into one covering them all, so no part of any survives; the merged span takes the
    type of its most confident (then longest) member.

    >>> resolve_overlaps([Span(0, 5, "PERSON", 0.85), Span(3, 9, "EMAIL_ADDRESS", 1.0)])
    [Span(start=0, end=9, entity_type='EMAIL_ADDRESS', score=1.0)]
    """
    merged: list[Span] = []
    best: Span | None = None
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = max(best, span, key=lambda s: (s.score, s.end - s.start))  # type: ignore[arg-type]
            merged[-1] = Span(last.start, max(last.end, span.end), best.entity_type, best.score)
        else:
            best = span
            merged.append(span)
    return merged


# ---------------------------------------------------------------------------------------------------------------
# Episode fields


@dataclass
class _Leaf:
    path: tuple
    key: str
    start: int  # offsets of the string value inside the flattened text
    end: int


@dataclass
class _Field:
    """One text of an episode: the text analyzed for it, where the result goes, and (for JSON) its leaves."""

    value: str
    assign: Callable[[str], None]
    analysis_text: str
    parsed: Any = None
    leaves: list[_Leaf] | None = None


def _flatten(obj: Any) -> tuple[str, list[_Leaf]]:
    """``{"to": "Maria", "cc": ["x@y.z"]}`` -> ``"to: Maria\\ncc: x@y.z\\n"`` with the value offsets of each leaf.

    The key stays in front of its value so that Presidio sees "phone: ..." and the NER sees "name: ...".
    """
    parts: list[str] = []
    leaves: list[_Leaf] = []
    pos = 0

    def walk(node: Any, key: str, path: tuple) -> None:
        nonlocal pos
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k), (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, key, (*path, i))
        elif isinstance(node, str) and node:
            prefix = f"{key}: " if key else ""
            leaves.append(_Leaf(path, key, pos + len(prefix), pos + len(prefix) + len(node)))
            piece = f"{prefix}{node}\n"
            parts.append(piece)
            pos += len(piece)

    walk(obj, "", ())
    return "".join(parts), leaves


def _set_path(obj: Any, path: tuple, value: str) -> Any:
    if not path:
        return value
    target = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return obj


def _make_field(value: str, assign: Callable[[str], None]) -> _Field:
    stripped = value.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            text, leaves = _flatten(parsed)
            return _Field(value, assign, text, parsed, leaves)
    return _Field(value, assign, value)


# Keys of a tool definition (JSON Schema) whose string values are prose an operator or agent wrote, where a contact
# name, number or key can sit ("Escalate to Dana Wu on 415..."); names, types and enums are identifiers.
_TOOL_PROSE_KEYS = frozenset({"description", "title", "default", "examples", "example"})


def _tool_prose(node: Any, fields: list[_Field], key: str = "") -> None:
    """Add the prose strings of a tool definition to ``fields``, each written back in place."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and v and k in _TOOL_PROSE_KEYS:
                fields.append(_make_field(v, functools.partial(node.__setitem__, k)))
            else:
                _tool_prose(v, fields, k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str) and v and key in _TOOL_PROSE_KEYS:
                fields.append(_make_field(v, functools.partial(node.__setitem__, i)))
            else:
                _tool_prose(v, fields, key)


def _episode_fields(episode: Episode) -> list[_Field]:
    """Every free-text field of ``episode`` (a copy the caller owns), in reading order, tool definitions'
    descriptions included (every training row carries them); ids, names of tools and models are not free text."""
    fields: list[_Field] = []

    def add(obj: Any, attr: str) -> None:
        value = getattr(obj, attr)
        if isinstance(value, str) and value:
            fields.append(_make_field(value, functools.partial(setattr, obj, attr)))

    add(episode, "system_instructions")
    add(episode, "user_task")
    for message in episode.messages:
        add(message, "content")
        for call in message.tool_calls or []:
            add(call.function, "arguments")
    add(episode, "final_answer")
    add(episode, "expected")
    for feedback in episode.feedback:
        add(feedback, "comment")
        add(feedback, "corrected_answer")
    for i, error in enumerate(episode.errors):
        if error:
            fields.append(_make_field(error, functools.partial(episode.errors.__setitem__, i)))
    _tool_prose(
        episode.tools, fields
    )  # last: placeholders keep their numbers in reading order of the dialogue
    return fields


# ---------------------------------------------------------------------------------------------------------------


class Redactor:
    """Finds and replaces PII and secrets. Building one loads spaCy and Presidio (about a second); reuse it."""

    def __init__(self, config: RedactionConfig | None = None):
        self.config = config or RedactionConfig()
        self._nlp_engine = build_nlp_engine(self.config)
        self._nlp = self._nlp_engine.get_nlp(LANGUAGE)
        self.analyzer = build_analyzer(self.config, self._nlp_engine)
        self._anonymizer = AnonymizerEngine()
        self._entities = list(self.config.entities)
        self._needs_ner = bool(set(NER_ENTITIES) & set(self._entities))
        self._allow = set(self.config.allow_list)
        self._secret_key = re.compile(self.config.secret_keys) if self.config.secret_keys else None

    # -- analysis ---------------------------------------------------------------------------------------------

    def analyze_texts(self, texts: list[str]) -> list[list[Span]]:
        """Spans (non-overlapping, sorted) per text. Identical texts are analyzed once; NER runs batched.

        Texts longer than ``config.chunk_chars`` (a 5 MB tool result) are analyzed in line-aligned chunks: spaCy
        refuses documents past its ``max_length`` and its memory grows with the document.
        """
        unique = list(dict.fromkeys(t for t in texts if _HAS_WORD.search(t)))
        pieces = list(dict.fromkeys(p for t in unique for _, p in self._chunks(t)))
        ner_texts = [p for p in pieces if self._needs_ner and _NAME_HINT.search(p)]
        found: dict[str, list[Span]] = {}
        docs = self._nlp.pipe(ner_texts, batch_size=self.config.ner_batch_size)
        for piece, doc in zip(ner_texts, docs, strict=True):
            found[piece] = self._analyze(piece, doc)
        for piece in pieces:
            if piece not in found:
                found[piece] = self._analyze(piece, self._nlp.make_doc(piece))
        by_text = {}
        for text in unique:
            chunks = self._chunks(text)
            if len(chunks) == 1:
                by_text[text] = found[text]
            else:
                shifted = (
                    Span(s.start + at, s.end + at, s.entity_type, s.score)
                    for at, p in chunks
                    for s in found[p]
                )
                by_text[text] = resolve_overlaps(shifted)
        return [by_text.get(t, []) for t in texts]

    def _chunks(self, text: str) -> list[tuple[int, str]]:
        """``(offset, piece)`` pieces of at most ``chunk_chars``, cut after a newline where there is one."""
        limit = self.config.chunk_chars
        if len(text) <= limit:
            return [(0, text)]
        out, at = [], 0
        while at < len(text):
            end = min(len(text), at + limit)
            if end < len(text):
                cut = text.rfind("\n", at + limit // 2, end)
                end = cut + 1 if cut >= 0 else end
            out.append((at, text[at:end]))
            at = end
        return out

    def _analyze(self, text: str, doc) -> list[Span]:
        results = self.analyzer.analyze(
            text=text,
            language=LANGUAGE,
            entities=self._entities,
            nlp_artifacts=self._nlp_engine.artifacts(doc),
            score_threshold=self.config.score_threshold,
        )
        spans = []
        for r in results:
            value = text[r.start : r.end]
            if value in self._allow:
                continue
            # The gazetteer recognizer vouches for its own spans, lowercase names ("ana costa") included.
            if r.entity_type == "PERSON" and not plausible_person(value) and not _from_gazetteer(r):
                continue
            spans.append(Span(r.start, r.end, r.entity_type, r.score))
        return resolve_overlaps(_with_name_parts(text, spans, default_gazetteer()))

    # -- replacement ------------------------------------------------------------------------------------------

    def _replace(self, text: str, spans: list[Span], pseudonyms: Pseudonymizer) -> str:
        if not spans:
            return text
        for span in spans:  # number placeholders in reading order; the anonymizer works from the end
            pseudonyms.peek(span.entity_type, text[span.start : span.end])
        operators = {
            t: OperatorConfig("custom", {"lambda": functools.partial(pseudonyms.placeholder, t)})
            for t in {s.entity_type for s in spans}
        }
        result = self._anonymizer.anonymize(
            text=text,
            analyzer_results=[AnonymizerResult(s.entity_type, s.start, s.end, s.score) for s in spans],
            operators=operators,
            merge_entities_with_spaces=False,
        )
        return result.text

    def lineage(self) -> dict[str, Any]:
        """What a dataset row should record about the redaction it went through (no values, no mapping)."""
        meta = self._nlp.meta
        return {
            "redactor": "presidio",
            "presidio_analyzer": _version("presidio-analyzer"),
            "presidio_anonymizer": _version("presidio-anonymizer"),
            "spacy_model": f"{meta.get('lang')}_{meta.get('name')} {meta.get('version')}",
            "entities": sorted(self._entities),
            "score_threshold": self.config.score_threshold,
            "placeholders": "per-episode <TYPE_n>, irreversible",
        }

    def redact_texts(self, texts: list[str]) -> list[RedactedText]:
        """Redact independent texts (placeholders are numbered per text). Offsets refer to the original text."""
        if not isinstance(texts, list):
            raise TypeError(f"texts must be a list of str, got {type(texts).__name__}")
        out = []
        for text, spans in zip(texts, self.analyze_texts(texts), strict=True):
            out.append(
                RedactedText(
                    text=self._replace(text, spans, Pseudonymizer()),
                    entities=[{"type": s.entity_type, "start": s.start, "end": s.end} for s in spans],
                )
            )
        return out

    # -- episodes ---------------------------------------------------------------------------------------------

    def redact_episode(self, episode: Episode) -> tuple[Episode, dict[str, int]]:
        """A redacted deep copy of ``episode`` and the number of values replaced per entity type."""
        return self.redact_episodes([episode])[0]

    def redact_episodes(self, episodes: list[Episode]) -> list[tuple[Episode, dict[str, int]]]:
        """``redact_episode`` for many episodes, analyzing all their texts in one deduplicated batch."""
        copies = [e.model_copy(deep=True) for e in episodes]
        fields = [_episode_fields(c) for c in copies]
        flat = [f for fs in fields for f in fs]
        spans = iter(self.analyze_texts([f.analysis_text for f in flat]))
        out = []
        for copy, episode_fields in zip(copies, fields, strict=True):
            found = [self._with_secret_leaves(f, next(spans)) for f in episode_fields]
            if self.config.propagate:
                found = self._propagate(episode_fields, found)
            pseudonyms = Pseudonymizer()
            for field, field_spans in zip(episode_fields, found, strict=True):
                self._apply(field, field_spans, pseudonyms)
            out.append((copy, dict(pseudonyms.counts)))
        return out

    def _with_secret_leaves(self, field: _Field, spans: list[Span]) -> list[Span]:
        """JSON string values under a credential-like key ("password", "api_key") are secrets whatever they hold;
        the score is below the specific kinds so that a GitHub token under "token" keeps its own type."""
        if not field.leaves or self._secret_key is None:
            return spans
        extra = [
            Span(leaf.start, leaf.end, _SECRET_LEAF, 0.8)
            for leaf in field.leaves
            if leaf.end - leaf.start >= 4 and self._secret_key.search(leaf.key)
        ]
        return resolve_overlaps([*spans, *extra]) if extra else spans

    def _propagate(self, fields: list[_Field], found: list[list[Span]]) -> list[list[Span]]:
        """Redact every occurrence, in any field, of a value found anywhere in the episode."""
        values: dict[str, str] = {}
        for field, spans in zip(fields, found, strict=True):
            for s in spans:
                value = field.analysis_text[s.start : s.end].strip()
                if len(value) >= _MIN_PROPAGATED and "\n" not in value:
                    values.setdefault(value.casefold(), s.entity_type)
                if s.entity_type == "PERSON":
                    # A surname alone later ("Ms. Garcia"), matched case-sensitively so "Will" != "will".
                    for part in value.split():
                        if (
                            len(part) >= _MIN_PROPAGATED
                            and part[:1].isupper()
                            and not self._nlp.vocab[part].is_stop
                        ):
                            values.setdefault(part, "PERSON")
        if not values:
            return found
        alternatives = sorted(values, key=len, reverse=True)
        pattern = re.compile(
            r"(?<!\w)(?:"
            + "|".join(re.escape(v) if v[:1].isupper() else f"(?i:{re.escape(v)})" for v in alternatives)
            + r")(?!\w)"
        )
        out = []
        for field, spans in zip(fields, found, strict=True):
            extra = [
                Span(
                    m.start(),
                    m.end(),
                    values.get(m.group(0), values.get(m.group(0).casefold(), "PERSON")),
                    0.7,
                )
                for m in pattern.finditer(field.analysis_text)
            ]
            out.append(resolve_overlaps([*spans, *extra]) if extra else spans)
        return out

    def _apply(self, field: _Field, spans: list[Span], pseudonyms: Pseudonymizer) -> None:
        if not spans:
            return
        if field.leaves is None:
            field.assign(self._replace(field.value, spans, pseudonyms))
            return
        changed = False
        for leaf in field.leaves:
            local = [
                Span(
                    max(s.start, leaf.start) - leaf.start,
                    min(s.end, leaf.end) - leaf.start,
                    s.entity_type,
                    s.score,
                )
                for s in spans
                if s.start < leaf.end and s.end > leaf.start
            ]
            if local:
                leaf_text = field.analysis_text[leaf.start : leaf.end]
                field.parsed = _set_path(field.parsed, leaf.path, self._replace(leaf_text, local, pseudonyms))
                changed = True
        if changed:
            field.assign(json.dumps(field.parsed, ensure_ascii=False))


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def count_entities(results: Iterable[RedactedText]) -> Counter[str]:
    """Entities per type over many results (for summaries)."""
    return Counter(e["type"] for r in results for e in r.entities)
