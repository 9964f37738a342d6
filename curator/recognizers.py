"""Presidio recognizers for what agent traces leak and Presidio's predefined set misses or gets wrong.

- ``SecretsRecognizer``: API keys and tokens (AWS, GitHub, OpenAI-style, Slack, JWT, bearer headers), private key
  blocks, connection strings with passwords, and ``password=...``-style assignments: one pass of compiled regexes,
  each guarded by a cheap substring test so that text without the needle never reaches the regex engine.
- ``IntlPhoneRecognizer``: phone numbers of many regions through ``phonenumbers``, run only on digit runs that a
  cheap regex found, instead of Presidio's one full-text matcher pass per region.
- ``OfflineEmailRecognizer``: Presidio's email recognizer validates the domain through ``tldextract``, whose
  module-level extractor downloads the public-suffix list on first use; this one uses the bundled snapshot only.
- ``PersonContextRecognizer``: full names the small spaCy model misses, where the context says a person is meant.
- ``CheckedSpacyRecognizer``: Presidio's spaCy recognizer whose PERSON spans must pass the name gazetteer's checks
  (``curator.name_gazetteer``): "Max" in "Max tokens", "Starter", "Acme Corp" are dropped.
- ``plausible_person``: drops PERSON spans that are code, not names (``get_user``, ``{"id"``, ``Bearer``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import phonenumbers
import regex
import tldextract
from presidio_analyzer import AnalysisExplanation, LocalRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IpRecognizer,
    SpacyRecognizer,
)

from curator.name_gazetteer import (
    NameGazetteer,
    default_gazetteer,
    find_person_spans,
    ner_person_plausible,
)
from curator.redaction_config import DEFAULT_PHONE_REGIONS

# Entity types added by this module (Presidio's own names are kept for the types it already knows).
AWS_ACCESS_KEY = "AWS_ACCESS_KEY"
AWS_SECRET_KEY = "AWS_SECRET_KEY"
GITHUB_TOKEN = "GITHUB_TOKEN"
OPENAI_API_KEY = "OPENAI_API_KEY"
SLACK_TOKEN = "SLACK_TOKEN"
JWT = "JWT"
BEARER_TOKEN = "BEARER_TOKEN"
PRIVATE_KEY = "PRIVATE_KEY"
CONNECTION_STRING = "CONNECTION_STRING"
SECRET = "SECRET"
PHONE_NUMBER = "PHONE_NUMBER"


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


def _mixed_base64(value: str) -> bool:
    """A 40-char AWS secret has upper, lower and digits; a git SHA-1 (also 40 chars) is lowercase hex."""
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
        and not re.fullmatch(r"[0-9a-fA-F]+", value)
    )


_NOT_A_SECRET = frozenset(
    {"true", "false", "null", "none", "required", "optional", "redacted", "string", "password", "undefined"}
)


def _plausible_secret_value(value: str) -> bool:
    low = value.lower()
    return (
        low not in _NOT_A_SECRET
        and not set(value) <= set("*x.-_")
        and not value.startswith(("<", "${", "{{"))
    )


@dataclass(frozen=True)
class SecretPattern:
    """One kind of secret: a regex whose ``group`` is the part to redact, and needles that must occur first."""

    entity: str
    regex: re.Pattern[str]
    needles: tuple[str, ...]
    score: float
    group: int = 0
    validate: Callable[[str], bool] | None = None
    # Words that, within 48 characters before the match, raise the score to 0.95 (an AWS secret key is just
    # 40 base64 characters; "aws_secret_access_key=" is what makes it one).
    context: tuple[str, ...] = ()


def _p(entity: str, regex: str, needles: Sequence[str], score: float, group: int = 0, validate=None, flags=0,
       context: Sequence[str] = ()):  # fmt: skip
    return SecretPattern(
        entity, re.compile(regex, flags), tuple(needles), score, group, validate, tuple(context)
    )


_B64 = r"A-Za-z0-9+/"
SECRET_PATTERNS: tuple[SecretPattern, ...] = (
    _p(
        PRIVATE_KEY,
        # Whole PEM block; when the END line was cut off (truncated tool output) take the base64 body that follows.
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"|(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[nrt])*)",
        ["PRIVATE KEY"],
        1.0,
        flags=re.DOTALL,
    ),
    _p(
        CONNECTION_STRING,
        # scheme://user:password@host... (the password is what makes it a secret; the host is often internal).
        r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|clickhouse"
        r"|cockroachdb|kafka|nats|ftps?|sftp|smtps?|ldaps?|jdbc:[a-z]+|https?|[a-z][a-z0-9]*(?:\+[a-z0-9]+)+)"
        r"://[^\s:/@\"'<>]*:[^\s@\"'<>/]+@[^\s\"'<>]+",
        ["://"],
        1.0,
        flags=re.IGNORECASE,
    ),
    _p(
        CONNECTION_STRING,
        # ADO.NET / ODBC style: Server=...;...Password=...;
        r"(?:Server|Data Source|Host|Address)\s*=[^;\"\n]+;[^\"\n]*?(?:Password|Pwd)\s*=[^;\"\n]+;?",
        ["=", ";"],
        1.0,
        flags=re.IGNORECASE,
    ),
    _p(
        AWS_ACCESS_KEY,
        r"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA)[A-Z0-9]{16}\b",
        ["AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA"],
        0.95,
    ),
    _p(
        AWS_SECRET_KEY,
        rf"(?<![{_B64}])[{_B64}]{{40}}(?![{_B64}=])",
        [""],
        0.6,
        validate=_mixed_base64,
        context=("aws", "secret"),
    ),
    _p(GITHUB_TOKEN, r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b", ["gh"], 0.95),
    _p(GITHUB_TOKEN, r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", ["github_pat_"], 0.95),
    _p(OPENAI_API_KEY, r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,}", ["sk-"], 0.9),
    _p(SLACK_TOKEN, r"\bxox[abposre]-[A-Za-z0-9\-]{10,}", ["xox"], 0.95),
    _p(SLACK_TOKEN, r"\bxapp-\d-[A-Za-z0-9\-]{10,}", ["xapp-"], 0.95),
    _p(
        SLACK_TOKEN,
        r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
        ["hooks.slack.com"],
        0.95,
    ),
    _p(JWT, r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*", ["eyJ"], 0.95),
    _p(
        BEARER_TOKEN,
        r"\b(?:bearer|token)\s+([A-Za-z0-9._~+/\-]{16,}=*)",
        ["earer", "oken"],
        0.9,
        group=1,
        validate=lambda v: any(c.isdigit() for c in v) and any(c.isalpha() for c in v),
        flags=re.IGNORECASE,
    ),
    _p(
        SECRET,
        r"\b(?:Authorization|Proxy-Authorization)\W{0,4}\s*Basic\s+([A-Za-z0-9+/]{12,}=*)",
        ["Basic"],
        0.9,
        group=1,
        flags=re.IGNORECASE,
    ),
    _p(
        SECRET,
        # key = value / "key": "value" where the key names a credential. The value must not look like prose.
        r"(?<![A-Za-z0-9])(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|secret[_-]?key|api[_-]?key"
        r"|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|session[_-]?token|private[_-]?key"
        r"|x-api-key|token)[\"']?\s*[:=]\s*[\"']?([^\s\"',;}{<>]{6,})",
        ["pass", "pwd", "secret", "key", "token"],
        0.85,
        group=1,
        validate=_plausible_secret_value,
        flags=re.IGNORECASE,
    ),
)


class SecretsRecognizer(LocalRecognizer):
    """API keys, tokens, private keys, connection strings and credential assignments, as separate entity types."""

    def __init__(self, patterns: Sequence[SecretPattern] = SECRET_PATTERNS, supported_language: str = "en"):
        self.patterns = tuple(patterns)
        entities = list(dict.fromkeys(p.entity for p in self.patterns))
        super().__init__(
            supported_entities=entities, supported_language=supported_language, name="SecretsRecognizer"
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = set(entities)
        lowered: str | None = None
        results: list[RecognizerResult] = []
        for pattern in self.patterns:
            if pattern.entity not in wanted:
                continue
            if pattern.regex.flags & re.IGNORECASE:
                lowered = text.lower() if lowered is None else lowered
                if not any(n.lower() in lowered for n in pattern.needles):
                    continue
            elif not any(n in text for n in pattern.needles):
                continue
            for match in pattern.regex.finditer(text):
                start, end = match.span(pattern.group)
                if start < 0 or end <= start:
                    continue
                if pattern.validate is not None and not pattern.validate(match.group(pattern.group)):
                    continue
                score = pattern.score
                if pattern.context:
                    before = text[max(0, start - 48) : start].lower()
                    if any(word in before for word in pattern.context):
                        score = max(score, 0.95)
                results.append(self._result(pattern, start, end, score))
        return results

    def _result(self, pattern: SecretPattern, start: int, end: int, score: float) -> RecognizerResult:
        return found(
            self,
            pattern.entity,
            start,
            end,
            score,
            original_score=pattern.score,
            pattern=pattern.regex.pattern,
        )


_PHONE_CONTEXT = re.compile(
    r"(?i)(?:phone|tel|telephone|mobile|cell|call|fax|sms|whatsapp|contact|dial|number)\W{0,3}[\w\s]{0,12}$"
)
# A run of digits with phone punctuation; starts at a "+" or "(" or digit that no word character precedes.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.\-/])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])"
)
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d+\.\d+\.\d+")


class IntlPhoneRecognizer(LocalRecognizer):
    """International and national phone numbers of many regions, validated by ``phonenumbers``.

    Formatted numbers (``+44 20 7946 0958``, ``(415) 555-0132``) score 0.75; a bare run of digits that happens to be
    a valid number (an order id, a timestamp) scores 0.3 unless a phone word precedes it.
    """

    def __init__(
        self,
        regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
        supported_language: str = "en",
        leniency: phonenumbers.Leniency = phonenumbers.Leniency.VALID,
    ):
        self.regions = tuple(regions)
        self.leniency = leniency
        super().__init__(
            supported_entities=[PHONE_NUMBER],
            supported_language=supported_language,
            name="IntlPhoneRecognizer",
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if PHONE_NUMBER not in entities:
            return []
        results = []
        for cand in _PHONE_CANDIDATE.finditer(text):
            raw = cand.group(0)
            digits = sum(c.isdigit() for c in raw)
            if digits < 7 or digits > 15 or _DATE_LIKE.match(raw):
                continue
            span = self._match(raw)
            if span is None:
                continue
            start, end = cand.start() + span[0], cand.start() + span[1]
            number = text[start:end]
            formatted = number.startswith(("+", "(")) or bool(re.search(r"\d[\s.\-)]\d", number))
            context = bool(_PHONE_CONTEXT.search(text[max(0, start - 40) : start]))
            score = 0.75 if formatted else 0.3
            if context:
                score = min(1.0, score + 0.35)
            results.append(found(self, PHONE_NUMBER, start, end, score, why="phonenumbers match"))
        return results

    def _match(self, raw: str) -> tuple[int, int] | None:
        """The first valid number inside ``raw`` as offsets into ``raw``, trying each region in turn."""
        # "00" is the international prefix almost everywhere; "+" makes the number region-independent.
        intl00 = raw.startswith("00")
        probe = "+" + raw[2:] if intl00 else raw
        regions = self.regions[:1] if probe.startswith("+") else self.regions
        for region in regions:
            for match in phonenumbers.PhoneNumberMatcher(probe, region, leniency=self.leniency):
                if not intl00:
                    return match.start, match.end
                # probe[0] stands for raw[0:2]; every later probe index i is raw index i + 1.
                return (0 if match.start == 0 else match.start + 1), match.end + 1
        return None


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email regex, with the domain checked against tldextract's bundled public-suffix snapshot.

    ``suffix_list_urls=()`` and ``cache_dir=None`` mean no HTTP request and no cache file, ever.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    def validate_result(self, pattern_text: str) -> bool:
        return self._tld(pattern_text).fqdn != ""


class WideCreditCardRecognizer(CreditCardRecognizer):
    """Presidio's card recognizer (Luhn-checked) plus Mastercard's 2221-2720 range, which its regex leaves out."""

    PATTERNS = [
        *CreditCardRecognizer.PATTERNS,
        Pattern(
            "Mastercard 2-series (weak)",
            r"\b2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b",
            0.3,
        ),
    ]


class NonLocalIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer, minus loopback and unspecified addresses, which identify nobody."""

    def invalidate_result(self, pattern_text: str) -> bool:
        if super().invalidate_result(pattern_text):
            return True
        addr = ipaddress.ip_interface(pattern_text).ip
        return addr.is_loopback or addr.is_unspecified


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


_PARTICLE = r"(?:van|von|de|der|den|del|della|di|da|du|le|la|ter|ten|dos|das|y|bin|al)"
# "Maria", "O'Brien", "McDonald", "Müller-Lüdenscheidt"; not "I'm", "USB", "Pro".
_NAME_WORD = r"\p{Lu}(?:['’]\p{Lu})?\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}\p{Ll}+)?"
_NAME = rf"(?P<name>{_NAME_WORD}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_NAME_WORD}){{1,3}})"
_CONTACT = r"(?:[\w.+\-]+@[\w\-]+\.[\w.\-]+|\+?\(?\d[\d ().\-]{6,}\d)"


class PersonContextRecognizer(LocalRecognizer):
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

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
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
        results = []
        for start, end in spans:
            if not plausible_person(text[start:end]) or not ner_person_plausible(
                text, start, end, default_gazetteer()
            ):
                continue
            results.append(found(self, "PERSON", start, end, self.SCORE, why="name in context"))
        return results


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
            r
            for r in results
            if r.entity_type != "PERSON"
            or (
                plausible_person(text[r.start : r.end])
                and ner_person_plausible(text, r.start, r.end, gazetteer)
            )
        ]


class GazetteerPersonRecognizer(LocalRecognizer):
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

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if "PERSON" not in entities:
            return []
        return [
            found(self, "PERSON", start, end, self.SCORE, why="name gazetteer")
            for start, end in find_person_spans(text, self.gazetteer)
        ]
