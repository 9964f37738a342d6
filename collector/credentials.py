"""Credentials never reach the raw store: HTTP header / gRPC metadata attributes that carry them are stripped at
ingest, before the WAL.

Instrumentations record request and response headers as attributes (``http.request.header.authorization``,
``http.response.header.set-cookie``, ``rpc.grpc.request.metadata.x-api-key``...), on spans, in span events, on
resources and on log records. The raw store keeps spans for as long as retention says and the curator reads them;
a live key or session cookie has no training value and is the most damaging thing that store could leak.

Two rules, applied to every attribute, event/link attribute, resource and scope attribute, log record attribute and
log body, nested key-value lists included:

* by key: the last dotted segment of the key (case-insensitive, ``_`` read as ``-``) names a credential header
  (``authorization``, ``cookie``, ``set-cookie``, ``x-api-key``...): the whole value becomes ``[stripped]``;
* by value: a ``Bearer`` / ``Basic`` / ``Negotiate`` credential anywhere in a string value keeps its
  scheme word and loses the credential (``Bearer [stripped]``).

The common request holds no credentials at all and its protobuf bytes go to the WAL untouched (the message is
re-serialized only when something was stripped). Cost on the ack path: one RE2 pass over the raw protobuf body
(``may_hold_credentials``); only a body where it finds a credential header name or a scheme word is walked.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

import re2

STRIPPED = "[stripped]"

CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-refresh-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-amz-security-token",
        "x-goog-api-key",
        "ocp-apim-subscription-key",
        "x-vault-token",
        "private-token",
    }
)

# Scheme word + a token68 credential (RFC 9110). Which candidates are credentials is decided in ``_replace``, so prose
# ("basic customer questions", "bearer bonds") is left alone.
_AUTH_VALUE = re.compile(r"\b(bearer|basic|negotiate)(\s+)([A-Za-z0-9._~+/=-]{8,})", re.I)
_TOKEN_SYMBOL = re.compile(r"[0-9._~+/=-]")


def _is_credential(scheme: str, token: str) -> bool:
    if scheme.lower() == "basic":
        # base64("user:password"): decode it rather than guess from the characters.
        try:
            return b":" in base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except (binascii.Error, ValueError):
            return False
    # Bearer/Negotiate tokens (JWTs, opaque keys) carry digits or symbols, or are long.
    return len(token) >= 20 or _TOKEN_SYMBOL.search(token) is not None


def _replace(m: re.Match[str]) -> str:
    if not _is_credential(m.group(1), m.group(3)):
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}{STRIPPED}"


# Header values are short: a value up to this size is searched for a credential anywhere in it; a longer one (prompt
# and message content, kilobytes each and on every span) only when it starts with a scheme word or a header name.
# Credentials pasted into long prose are the curator's redaction's job (curator/redaction/recognizers/secrets.py).
_SCAN_WHOLE = 512
_SCHEME_WORD = re.compile(r"bearer|basic|negotiate", re.I)
_VALUE_PREFIXES = ("bearer", "basic", "negotiate", "authorization", "proxy-authorization")
# First characters a long value must start with (after blanks) to be looked at: JSON and prose are skipped at once.
_VALUE_FIRST = frozenset("bBnNaApP \t")


# Decisions per key: a service sends the same few dozen keys on every span, so each is classified once.
_KEY_CACHE: dict[str, bool] = {}
_KEY_CACHE_MAX = 65536


def is_credential_key(key: str) -> bool:
    """``http.request.header.authorization``, ``rpc.grpc.request.metadata.x-api-key``, ``Cookie``... (any case)."""
    flag = _KEY_CACHE.get(key)
    if flag is None:
        flag = _classify_key(key)
    return flag


def _classify_key(key: str) -> bool:
    flag = key.rpartition(".")[2].lower().replace("_", "-") in CREDENTIAL_HEADERS
    if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
        _KEY_CACHE.clear()  # a client sending endless distinct keys must not grow this without bound
    _KEY_CACHE[key] = flag
    return flag


def _worth_scanning(text: str) -> bool:
    if len(text) > _SCAN_WHOLE:
        return text[0] in _VALUE_FIRST and text[:32].lstrip().lower().startswith(_VALUE_PREFIXES)
    return _SCHEME_WORD.search(text) is not None


def strip_text(text: str) -> str:
    """``text`` with the credential of every ``Bearer``/``Basic``/``Negotiate`` credential replaced (see above for
    which values are searched)."""
    if not text or not _worth_scanning(text):
        return text
    return _AUTH_VALUE.sub(_replace, text)


def _strip_value(value: Any) -> int:
    """Strip credentials inside one AnyValue in place; returns how many values changed."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        text = value.string_value
        cleaned = strip_text(text)
        if cleaned != text:
            value.string_value = cleaned
            return 1
        return 0
    if kind == "kvlist_value":
        return strip_attributes(value.kvlist_value.values)
    if kind == "array_value":
        return sum(_strip_value(v) for v in value.array_value.values)
    return 0


def _blank(value: Any) -> int:
    kind = value.WhichOneof("value")
    if kind is None or (kind == "string_value" and value.string_value == STRIPPED):
        return 0
    if kind == "array_value":
        # Header attributes are string arrays in the semantic conventions: keep the shape, blank each element.
        changed = 0
        for v in value.array_value.values:
            changed += _blank(v)
        return changed
    value.string_value = STRIPPED  # assigning one member of the oneof clears whichever was set
    return 1


# Everything either rule could act on, as one case-insensitive RE2 pattern over the raw protobuf body: every
# credential header name (the key rule matches the key's last segment exactly, so the name is in the bytes) and a
# scheme word followed by something token-shaped (a no-break space counts as a blank; RE2 reads the pattern as
# UTF-8, so ``\xa0`` is U+00A0). RE2 runs all branches in one linear pass, a few times the cost of parsing the
# body; walking the attributes costs far more (upb builds a Python object per attribute handed out), so a body
# without a match, the common case, is not walked at all.
_NAMES = "|".join(sorted(re.escape(n).replace("\\-", "[-_]") for n in CREDENTIAL_HEADERS))
_IN_BODY = re2.compile(
    rb"(?i)(?:" + _NAMES.encode() + rb")|(?:bearer|basic|negotiate)(?:\s|\xa0)+[a-z0-9._~+/=-]{8}"
)


def may_hold_credentials(raw: bytes) -> bool:
    """False when nothing in the protobuf body ``raw`` can be stripped (then the request is not walked)."""
    return _IN_BODY.search(raw) is not None


def strip_attributes(attributes: Iterable[Any]) -> int:
    """Strip credentials from repeated ``KeyValue`` in place; returns how many values changed."""
    changed = 0
    cached = _KEY_CACHE.get
    for kv in attributes:
        key = kv.key
        flag = cached(key)
        if flag is None:
            flag = _classify_key(key)
        value = kv.value
        if flag:
            changed += _blank(value)
            continue
        kind = value.WhichOneof("value")
        if kind == "string_value":
            text = value.string_value
            if text and _worth_scanning(text):
                cleaned = _AUTH_VALUE.sub(_replace, text)
                if cleaned != text:
                    value.string_value = cleaned
                    changed += 1
        elif kind is not None and kind in _NESTED:
            changed += _strip_value(value)
    return changed


_NESTED = frozenset({"kvlist_value", "array_value"})


def strip_trace_request(request: Any, raw: bytes | None = None) -> int:
    """Strip credentials from an ``ExportTraceServiceRequest`` in place; returns how many values changed.

    ``raw``: the protobuf body it was decoded from, to skip the walk when ``may_hold_credentials`` says so. Not for
    JSON bodies: an escape (``\\u0042earer``) hides a word from a byte-level look.
    """
    return _strip_export(
        raw, request.resource_spans, attrgetter("scope_spans"), attrgetter("spans"), _strip_span
    )


def strip_logs_request(request: Any, raw: bytes | None = None) -> int:
    """Strip credentials from an ``ExportLogsServiceRequest`` in place; returns how many values changed."""
    return _strip_export(
        raw, request.resource_logs, attrgetter("scope_logs"), attrgetter("log_records"), _strip_record
    )


def _strip_export(
    raw: bytes | None,
    resources: Iterable[Any],
    scopes_of: Callable[[Any], Iterable[Any]],
    items_of: Callable[[Any], Iterable[Any]],
    strip_item: Callable[[Any], int],
) -> int:
    """The OTLP export shape every signal shares: resource, then scope, then item, each with attributes."""
    if raw is not None and not may_hold_credentials(raw):
        return 0
    changed = 0
    for resource in resources:
        changed += strip_attributes(resource.resource.attributes)
        for scoped in scopes_of(resource):
            changed += strip_attributes(scoped.scope.attributes)
            for item in items_of(scoped):
                changed += strip_item(item)
    return changed


def _strip_span(span: Any) -> int:
    changed = strip_attributes(span.attributes)
    if span.events:
        for event in span.events:
            changed += strip_attributes(event.attributes)
    if span.links:
        for link in span.links:
            changed += strip_attributes(link.attributes)
    return changed


def _strip_record(record: Any) -> int:
    changed = strip_attributes(record.attributes)
    if record.HasField("body"):
        changed += _strip_value(record.body)
    return changed
