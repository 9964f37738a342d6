"""Presidio recognizers for what agent traces leak and Presidio's predefined set misses or gets wrong.

- ``SecretsRecognizer``: API keys and tokens (AWS, GitHub, OpenAI-style, Slack, JWT, bearer headers, and other
  vendors' prefixed keys as ``API_KEY``: Stripe, Google, SendGrid, npm, PyPI, Hugging Face, GitLab, ...), private key
  blocks, connection strings with passwords (URLs of any scheme, JDBC, ADO.NET/ODBC key=value strings), and
  ``password=...``-style assignments whose value is neither a placeholder ("not-set", "<redacted>") nor code
  (``self.api_key``); also bare nine-digit SSNs after an SSN cue, which Presidio's recognizer leaves under the
  threshold. One pass of compiled regexes, each guarded by a cheap substring test so that text without the needle
  never reaches the regex engine.
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
from tracewheel.curator.name_gazetteer import (
    NameGazetteer,
    default_gazetteer,
    find_person_spans,
    ner_person_plausible,
)
from tracewheel.curator.redaction_config import DEFAULT_PHONE_REGIONS

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
API_KEY = "API_KEY"
US_SSN = "US_SSN"


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


# Values that stand in for a secret rather than being one: "not-set", "whsec_(redacted)", "${DB_PASSWORD}".
_NOT_A_SECRET = frozenset(
    {"true", "false", "null", "none", "nil", "required", "optional", "redacted", "string", "password", "undefined",
     "unset", "notset", "not-set", "not_set", "empty", "missing", "n/a", "tbd", "todo", "default", "hidden",
     "masked", "removed", "omitted", "secret", "placeholder", "changeit", "disabled", "enabled", "pass", "passwd",
     "pwd", "pw"}
)  # fmt: skip
_PLACEHOLDER_MARK = re.compile(
    r"(?i)redacted|masked|hidden|removed|omitted|placeholder|not[-_ ]?set|your[-_ ]?(?:api[-_ ]?)?(?:key|token|secret|"
    r"password)|(?:key|token|secret|password)[-_]?here|^my[-_ ]?(?:secret|password|token|key)|^[<\[({]|\$\{|\{\{"
    r"|(?-i:^\$[A-Z_][A-Z0-9_]*$)|^\$\(|%\(|^%\w+%$|\(\w+\)$|\.\.\.|…|^__\w+__$"
)


def _plausible_secret_value(value: str) -> bool:
    """Whether ``value`` can be a secret, not a placeholder for one ("not-set", "<token>", "****", "sk_live_xxxx")."""
    low = value.lower().strip("\"'").rstrip("):;,")
    if low in _NOT_A_SECRET or _PLACEHOLDER_MARK.search(value):
        return False
    # a vendor prefix alone is no secret: "sk_live_xxxx"
    body = re.sub(r"^[a-z]{1,8}_(?:live_|test_)?", "", low)
    return bool(body) and not set(body) <= set("*x.-_#•0")


# Code on the right of "api_key = ...": a call, an index, an attribute, a keyword, or a name about credentials.
_CODE_VALUE = re.compile(
    r"^[A-Za-z_][\w.]*[(\[]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\)?$|^(?:return|await|lambda|self|cls|none\)?:?)$"
    r"|\w[\])]\.\w|\(\)$|^\d+(?:_\d+)+$|^(?i:object|tensor|bytes|boolean|integer|number|continue)\)?:?$"
    r"|^[A-Za-z_.\-]*(?i:token|key|secret|passw|pwd|cred|auth)[A-Za-z_.\-]*\)?:?$"
)


def _mixed_case_and_digits(value: str) -> bool:
    return any(map(str.isupper, value)) and any(map(str.islower, value)) and any(map(str.isdigit, value))


def _plausible_assigned_secret(value: str) -> bool:
    """A credential's value in ``key = value``, not the code that computes it (``api_key = self.api_key``)."""
    if not _plausible_secret_value(value):
        return False
    # upper and lower case and digits together: random, whatever its shape ("ya29.a0AfH6SMBx" is a Google token)
    return _mixed_case_and_digits(value) or not _CODE_VALUE.search(value)


def _random_token(value: str) -> bool:
    """A vendor token's random part: not a placeholder, and mixing character classes as random strings do."""
    if not _plausible_secret_value(value):
        return False
    classes = sum((any(map(str.isupper, value)), any(map(str.islower, value)), any(map(str.isdigit, value))))
    return classes >= 2 and len(set(value)) >= 8


_SSN_AREA_NEVER = ("000", "666")


def _valid_ssn(value: str) -> bool:
    """The SSA's rules for issued numbers (as Presidio's UsSsnRecognizer applies them), on 9 bare digits."""
    return (
        value[:3] not in _SSN_AREA_NEVER
        and value[3:5] != "00"
        and value[5:] != "0000"
        and len(set(value)) > 1
        and value not in ("123456789", "987654320", "078051120")
    )


# Schemes of databases, queues and mail servers: any password in their URL is taken as real. For other schemes
# ("github://org:repo@sha", "s3://my_key:my_secret@bucket" in docs) the password must look like one.
_CREDENTIAL_SCHEMES = frozenset(
    "postgres postgresql mysql mariadb mongodb mongodb+srv redis rediss amqp amqps mssql sqlserver oracle clickhouse "
    "cockroachdb kafka nats ftp ftps sftp smtp smtps ldap ldaps http https snowflake jdbc".split()
)
_USERINFO = re.compile(r"^(?:jdbc:)?(?P<scheme>[^:]+)://(?P<user>[^:]*):(?P<password>[^@]*)@", re.IGNORECASE)
_USERINFO_CHARS = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,;=#]+")


def _url_with_password(value: str) -> bool:
    """Whether the user:password part of a URL holds a password, not a template or a path that looks like one."""
    m = _USERINFO.match(value)
    if m is None:
        return False
    password = m["password"]
    if not _plausible_secret_value(password) or not _USERINFO_CHARS.fullmatch(m["user"] + password):
        return False
    if m["scheme"].lower() in _CREDENTIAL_SCHEMES or m["scheme"].lower().split("+")[0] in _CREDENTIAL_SCHEMES:
        return True
    return bool(re.search(r"[0-9]|[^\w]", password)) and len(password) >= 6


_ADO_KEYS = re.compile(
    r"(?i)(?:^|;)[ ]?(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|clientsecret|client secret)"
    r"=(?!;|$)"
)


def _ado_with_password(value: str) -> bool:
    return bool(_ADO_KEYS.search(value))


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
        # scheme://user:password@host... for any scheme (the password is what makes it a secret; the host is often
        # internal): postgres, redis://:pw@host, snowflake://, jdbc:mysql://, mongodb+srv://, https://u:p@host.
        r"\b(?:jdbc:)?[a-z][a-z0-9]*(?:[+.\-][a-z0-9]+)*://[^\s:/@\"'<>`]*:[^\s@\"'<>/`]+@[^\s\"'<>`]+",
        ["://"],
        1.0,
        validate=_url_with_password,
        flags=re.IGNORECASE,
    ),
    _p(
        CONNECTION_STRING,
        # JDBC and other non-web URLs with the password in the query or in ;key=value properties:
        # jdbc:postgresql://host/db?user=u&password=p, jdbc:sqlserver://host;user=u;password=p.
        r"\b(?:jdbc:[a-z0-9]+(?::[a-z0-9]+)*:|(?!https?:)[a-z][a-z0-9+.\-]*:)//[^\s\"'<>]*?[?&;]"
        r"(?:password|passwd|pwd)=[^\s\"'<>&;]+[^\s\"'<>]*",
        ["://"],
        1.0,
        flags=re.IGNORECASE,
    ),
    _p(
        CONNECTION_STRING,
        # Oracle thin JDBC: jdbc:oracle:thin:scott/tiger@//host:1521/service
        r"\bjdbc:oracle:[a-z]+:[^\s/@\"'<>:]+/[^\s@\"'<>]+@[^\s\"'<>]+",
        ["jdbc:oracle"],
        1.0,
        flags=re.IGNORECASE,
    ),
    _p(
        CONNECTION_STRING,
        # ADO.NET / ODBC / Azure key=value;key=value strings, taken whole when one key is a password or account
        # key: Server=tcp:h,1433;Initial Catalog=hr;User ID=u;Password=p;Encrypt=True; Driver={...};Pwd=...
        r"(?<![\w\-])[A-Za-z][A-Za-z0-9 ]{0,39}(?<! )=(?:\{[^}\n]{0,200}+\}|[^;\"'\n]{0,200}+)"
        r"(?:;[ ]?[A-Za-z][A-Za-z0-9 ]{0,39}(?<! )=(?:\{[^}\n]{0,200}+\}|[^;\"'\n]{0,200}+))+;?",
        ["password", "pwd", "accountkey", "sharedaccesskey", "clientsecret", "client secret"],
        1.0,
        validate=_ado_with_password,
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
    _p(
        OPENAI_API_KEY,
        r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api\d\d-)?)?[A-Za-z0-9_\-]{20,}",
        ["sk-"],
        0.9,
        validate=lambda v: any(map(str.isdigit, v)),  # not CSS class names: "sk-toggleable__label-arrow"
    ),
    _p(SLACK_TOKEN, r"\bxox[abposre]-[A-Za-z0-9\-]{10,}", ["xox"], 0.95),
    _p(SLACK_TOKEN, r"\bxapp-\d-[A-Za-z0-9\-]{10,}", ["xapp-"], 0.95),
    _p(
        SLACK_TOKEN,
        r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
        ["hooks.slack.com"],
        0.95,
    ),
    # Vendor API keys, recognizable by their prefixes; the random part must look random (not "sk_live_xxxx").
    _p(
        API_KEY,
        r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}\b",
        ["_live_", "_test_"],
        0.95,
        validate=_random_token,
    ),
    _p(API_KEY, r"\bwhsec_[A-Za-z0-9+/=]{20,}", ["whsec_"], 0.95, validate=_random_token),
    _p(API_KEY, r"\bAIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])", ["AIza"], 0.95),
    _p(API_KEY, r"\bSK[0-9a-f]{32}\b", ["SK"], 0.85, validate=_random_token),
    _p(API_KEY, r"\bSG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,50}", ["SG."], 0.95),
    _p(API_KEY, r"\bnpm_[A-Za-z0-9]{36}\b", ["npm_"], 0.95, validate=_random_token),
    _p(API_KEY, r"\bpypi-[A-Za-z0-9_\-]{50,}", ["pypi-"], 0.95),
    _p(API_KEY, r"\b(?:hf_|api_org_)[A-Za-z0-9]{30,}\b", ["hf_", "api_org_"], 0.95, validate=_random_token),
    _p(
        API_KEY, r"\bgl(?:pat|dt|rt|cbt|ptt|ft|oas)-[A-Za-z0-9_\-]{20,}", ["gl"], 0.95, validate=_random_token
    ),
    _p(API_KEY, r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", ["shp"], 0.95),
    _p(API_KEY, r"\bdo[opr]_v1_[a-f0-9]{64}\b", ["_v1_"], 0.95),
    _p(
        API_KEY,
        r"\b(?:gsk|r8|lin_api|ntn|xai|pplx)[_-][A-Za-z0-9]{30,}\b",
        ["gsk_", "r8_", "lin_api_", "ntn_", "xai-", "pplx-"],
        0.9,
        validate=_random_token,
    ),
    _p(API_KEY, r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", ["PMAK-"], 0.95),
    _p(API_KEY, r"\bdapi[a-f0-9]{32}(?:-\d)?\b", ["dapi"], 0.9),
    _p(API_KEY, r"\bATATT3[A-Za-z0-9_\-=]{100,}", ["ATATT3"], 0.95),
    _p(API_KEY, r"\bsq0(?:atp|csp)-[A-Za-z0-9_\-]{22,60}", ["sq0"], 0.95),
    _p(API_KEY, r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}", ["dp."], 0.95),
    _p(API_KEY, r"\bkey-[0-9a-z]{32}\b", ["key-"], 0.85, validate=_random_token),
    _p(API_KEY, r"\b[0-9a-f]{32}-us\d{1,2}\b", ["-us"], 0.85, validate=_random_token),
    _p(API_KEY, r"(?<![\d:])\d{8,10}:AA[A-Za-z0-9_\-]{33}\b", [":AA"], 0.9),  # Telegram bot token
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
        r"(?:(?<![A-Za-z0-9])(?:password|passwd|passphrase|pwd|secret|client[_-]?secret|secret[_-]?key|api[_-]?key"
        r"|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|session[_-]?token|private[_-]?key"
        r"|x-api-key|account[_-]?key|subscription[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key"
        r"|sas[_-]?token|(?:api|bot|bearer|id|personal[_-]access|github|gitlab|slack|hf|npm|pypi|discord)[_-]?token)"
        r")[\"']?[ \t]*[:=][ \t]*[\"']?([^\s\"',;}{<>]{6,})",
        ["pass", "pwd", "secret", "key", "token"],
        0.85,
        group=1,
        validate=_plausible_assigned_secret,
        flags=re.IGNORECASE,
    ),
    _p(
        SECRET,
        # A bare "token" is a lexer's or a tokenizer's as often as a credential ("token = Punctuation",
        # "pad_token=..."): no prefix, and a value that looks random.
        r"(?<![\w\-.])token[\"']?[ \t]*[:=][ \t]*[\"']?([^\s\"',;}{<>]{12,})",
        ["token"],
        0.85,
        group=1,
        validate=lambda v: _plausible_assigned_secret(v) and _random_token(v),
        flags=re.IGNORECASE,
    ),
    _p(
        US_SSN,
        # Nine bare digits after an SSN cue; Presidio's UsSsnRecognizer scores them 0.05 and its context boost
        # leaves them under the threshold ("U.S. SOCIAL SECURITY NUMBER: 271903845", "SSN (no dashes): 271903845").
        # A person's TIN/ITIN on a W-9 or 1099 is their SSN (or the same-format ITIN).
        r"(?:\bssn|social[ \-]security|\bi?tin\b|taxpayer[ \-]id\w*)s?\b[^\d\n]{0,24}?(?<![\w\-])(\d{9})(?![\d\-])",
        ["ssn", "social", "tin", "itin", "taxpayer"],
        0.85,
        group=1,
        validate=_valid_ssn,
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
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|fax|sms|whatsapp|contact|dial|number|recipient|handy)"
    r"\W{0,3}[\w\s]{0,12}$"
)
# Words after which a run of digits is a reference, not a phone number: "Confirmation: 3318 4402 19", "EIN 84-...".
_ID_CONTEXT = re.compile(
    r"(?i)\b(?:confirmation|conf|booking|reservation|order|invoice|receipt|reference|ref|tracking|ticket|case|"
    r"ein|tin|itin|vat|tax|account|acct|routing|iban|serial|sku|isbn|issn|doi|po|pnr|policy|member|customer|claim|id)"
    r"\b\W{0,3}(?:(?:no|nr|number|num|id|code)\b\W{0,3})?\s*$"
)
# A run of digits with phone punctuation; starts at a "+" or "(" or digit that no word character precedes. Digits are
# joined by at most one separator (or a parenthesis and a space), so "0958 - 07911" and "1  2018" break the run.
_PHONE_CANDIDATE = re.compile(
    r"(?<![\w+.\-/])(?<!\d:)(?:\+|00)?\(?\d(?:(?:[ \t\u00a0.\-/]|\)[ ]?|[ ]?\()?\d){5,20}"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w])"
)
_DECIMAL = re.compile(r"^\(?\d+\.\d+\)?$")
# Separators people put between the digit groups of a phone number; "  " and " - " are tables and arithmetic.
_ODD_SEPARATOR = re.compile(r"\s{2,}|\s[\-.]|[\-.]\s")
_DATE_LIKE = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d+\.\d+\.\d+"
    r"|^(?:1[89]|20)\d\d\s?-\s?(?:1[89]|20)\d\d$"  # a range of years
    r"|^\((?:1[89]|20)\d\d\)"  # a citation's "(1981) 267-283"
)
_TIME_AFTER = re.compile(r"[:.]\d")  # "20130101 09:00", "12:30:45.123456": the digits are a timestamp
_SEPARATED = re.compile(r"\d[\s.\-)/]+\d")
_INTL00 = re.compile(r"00[1-9]")


def _in_longer_number(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` continues a decimal ("2.083 661 912") or sits in a run of numbers longer than any
    phone number (a table of integers, "... 39 33 37 70 53 23 12 ..."), each joined to the next by one separator."""
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdigit():
        return True
    left = start
    while left >= 2 and text[left - 1] in " .-" and text[left - 2].isdigit():
        left -= 2
        while left > 0 and text[left - 1].isdigit():
            left -= 1
    right = end
    while right + 1 < len(text) and text[right] in " .-" and text[right + 1].isdigit():
        right += 2
        while right < len(text) and text[right].isdigit():
            right += 1
    run = text[left:right]
    if (left < start or right > end) and "." in run and " " in run:
        return True  # "-2.002 319 304 3622": a constant printed in groups of three
    return sum(c.isdigit() for c in run) > 16


@dataclass(frozen=True)
class _PhoneMatch:
    start: int  # offsets into the candidate
    end: int
    valid: bool  # a number in service for its region, not merely of a possible length
    grouped: bool  # written with separators where that region's format puts them


class IntlPhoneRecognizer(LocalRecognizer):
    """International and national phone numbers of many regions, validated by ``phonenumbers``.

    A number written the way phones are (``+44 20 7946 0958``; ``(415) 555-0132`` and ``020 7946 0958``, whose digit
    groups are those of the region's format) scores 0.75. A bare run of digits that happens to be a valid number
    (an order id, a timestamp), or digits grouped unlike any phone format (``3318 4402 19``), scores 0.3 unless a
    phone word precedes it; a reference word before it ("Confirmation:", "EIN") drops it to 0.1. A "+" number of a
    possible length that ``phonenumbers`` does not know as assigned (``+44 7700 900123``, from a range kept for
    fiction and tests) scores 0.55 when grouped: a leading "+" and grouping are how people write phone numbers.
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
            if digits < 7 or digits > 15 or _DATE_LIKE.match(raw) or _DECIMAL.match(raw):
                continue
            if _TIME_AFTER.match(text, cand.end()):
                continue
            match = self._match(raw)
            if match is None or _DECIMAL.match(raw[match.start : match.end]):
                continue
            start, end = cand.start() + match.start, cand.start() + match.end
            if _in_longer_number(text, start, end):
                continue
            intl = raw.startswith("+") or bool(_INTL00.match(raw))
            before = text[max(0, start - 40) : start]
            context = bool(_PHONE_CONTEXT.search(before))
            if not match.valid:
                score = 0.55
            elif intl:
                score = 0.75
            else:
                score = 0.75 if match.grouped else 0.3
                if not context and _ID_CONTEXT.search(before):
                    results.append(found(self, PHONE_NUMBER, start, end, 0.1, why="reference number"))
                    continue
            if context:
                score = min(1.0, score + 0.35)
            results.append(found(self, PHONE_NUMBER, start, end, score, why="phonenumbers match"))
        return results

    def _match(self, raw: str) -> _PhoneMatch | None:
        """The first valid number inside ``raw``, trying each region in turn, and how it is written."""
        # "00" is the international prefix almost everywhere; "+" makes the number region-independent.
        intl00 = bool(_INTL00.match(raw))
        probe = "+" + raw[2:] if intl00 else raw

        def offsets(m: phonenumbers.PhoneNumberMatch) -> tuple[int, int]:
            if not intl00:
                return m.start, m.end
            # probe[0] stands for raw[0:2]; every later probe index i is raw index i + 1.
            return (0 if m.start == 0 else m.start + 1), m.end + 1

        if probe.startswith("+"):
            region = self.regions[0] if self.regions else "US"
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=self.leniency):
                return _PhoneMatch(*offsets(m), valid=True, grouped=True)
            if intl00:
                return None
            # Not a number in service, but written as one: "+44 7700 900123" (country code, then groups).
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=phonenumbers.Leniency.POSSIBLE):
                after_cc = probe[1 + len(str(m.number.country_code)) : 2 + len(str(m.number.country_code))]
                ndigits = sum(c.isdigit() for c in m.raw_string)
                if (
                    m.start == 0
                    and ndigits >= 9
                    and after_cc in (" ", "-", "(")
                    and self._clean(m.raw_string)
                ):
                    return _PhoneMatch(m.start, m.end, valid=False, grouped=True)
                break
            return None
        first: _PhoneMatch | None = None
        for region in self.regions:
            for m in phonenumbers.PhoneNumberMatcher(probe, region, leniency=self.leniency):
                first = first or _PhoneMatch(m.start, m.end, valid=True, grouped=False)
                if not _SEPARATED.search(m.raw_string):
                    return first  # bare digits: no region's grouping can match
                if self._grouped(m.raw_string, region):
                    return _PhoneMatch(m.start, m.end, valid=True, grouped=True)
                break
        return first

    @staticmethod
    def _clean(number: str) -> bool:
        # "12.058 8349" (a decimal, then more digits) mixes what phone numbers use one of
        return not _ODD_SEPARATOR.search(number) and not ("." in number and " " in number)

    @staticmethod
    def _grouped(number: str, region: str) -> bool:
        """Whether ``number`` has separators and its digit groups are those of ``region``'s phone format."""
        if not _SEPARATED.search(number) or not IntlPhoneRecognizer._clean(number):
            return False
        return any(
            True
            for _ in phonenumbers.PhoneNumberMatcher(number, region, phonenumbers.Leniency.STRICT_GROUPING)
        )


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
