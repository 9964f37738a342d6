"""Secrets in agent traces, as separate entity types: API keys and tokens (AWS, GitHub, OpenAI-style, Slack, JWT, bearer
headers, and other vendors' prefixed keys as ``API_KEY``: Stripe, Google, SendGrid, npm, PyPI, Hugging Face, GitLab,
...), private key blocks, connection strings with passwords (URLs of any scheme, JDBC, ADO.NET/ODBC key=value
strings), and ``password=...``-style assignments whose value is neither a placeholder ("not-set", "<redacted>") nor
code (``self.api_key``); also bare nine-digit SSNs after an SSN cue, which Presidio's recognizer leaves under the
threshold. One pass of compiled regexes, each guarded by a cheap substring test so that text without the needle
never reaches the regex engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from tracewheel.curator.redaction.recognizers.base import ReadyRecognizer, found

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
API_KEY = "API_KEY"
US_SSN = "US_SSN"


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
    # tracewheel's own ingest keys ("tw_" + secrets.token_urlsafe(32)): the collector's logs and agents' configs
    # put them in traces. A long snake_case name ("tw_settings_...") has no digit or capital; a key always has some.
    _p(
        API_KEY,
        r"(?<![A-Za-z0-9_\-])tw_[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])",
        ["tw_"],
        0.95,
        validate=lambda v: any(c.isdigit() or c.isupper() for c in v[3:]),
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


class SecretsRecognizer(ReadyRecognizer):
    """API keys, tokens, private keys, connection strings and credential assignments, as separate entity types."""

    def __init__(self, patterns: Sequence[SecretPattern] = SECRET_PATTERNS, supported_language: str = "en"):
        self.patterns = tuple(patterns)
        entities = list(dict.fromkeys(p.entity for p in self.patterns))
        super().__init__(
            supported_entities=entities, supported_language=supported_language, name="SecretsRecognizer"
        )

    def find(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None
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
