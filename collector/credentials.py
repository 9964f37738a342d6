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
re-serialized only when something was stripped). The walk costs a few microseconds a span: key decisions are cached
(a service repeats the same keys on every span) and only short string values are scanned for a scheme word.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

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


# Credential values are short; prose and message content above this size is left to the curator's redaction.
_MAX_VALUE_SCAN = 8192
_SCHEME_HINTS = ("earer", "EARER", "asic", "ASIC", "egotiate", "EGOTIATE")

# Decisions per key: a service sends the same few dozen keys on every span, so each is classified once.
_KEY_CACHE: dict[str, bool] = {}
_KEY_CACHE_MAX = 65536


def is_credential_key(key: str) -> bool:
    """``http.request.header.authorization``, ``rpc.grpc.request.metadata.x-api-key``, ``Cookie``... (any case)."""
    flag = _KEY_CACHE.get(key)
    if flag is None:
        flag = key.rpartition(".")[2].lower().replace("_", "-") in CREDENTIAL_HEADERS
        if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
            _KEY_CACHE.clear()  # a client sending endless distinct keys must not grow this without bound
        _KEY_CACHE[key] = flag
    return flag


def strip_text(text: str) -> str:
    """``text`` with the credential of every ``Bearer``/``Basic``/``Negotiate`` credential replaced."""
    if len(text) > _MAX_VALUE_SCAN or not any(h in text for h in _SCHEME_HINTS):
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


def strip_attributes(attributes: Iterable[Any]) -> int:
    """Strip credentials from repeated ``KeyValue`` in place; returns how many values changed."""
    changed = 0
    for kv in attributes:
        if is_credential_key(kv.key):
            changed += _blank(kv.value)
        else:
            changed += _strip_value(kv.value)
    return changed


def strip_trace_request(request: Any) -> int:
    """Strip credentials from an ``ExportTraceServiceRequest`` in place; returns how many values changed."""
    changed = 0
    for rs in request.resource_spans:
        changed += strip_attributes(rs.resource.attributes)
        for ss in rs.scope_spans:
            changed += strip_attributes(ss.scope.attributes)
            for span in ss.spans:
                changed += strip_attributes(span.attributes)
                for event in span.events:
                    changed += strip_attributes(event.attributes)
                for link in span.links:
                    changed += strip_attributes(link.attributes)
    return changed


def strip_logs_request(request: Any) -> int:
    """Strip credentials from an ``ExportLogsServiceRequest`` in place; returns how many values changed."""
    changed = 0
    for rl in request.resource_logs:
        changed += strip_attributes(rl.resource.attributes)
        for sl in rl.scope_logs:
            changed += strip_attributes(sl.scope.attributes)
            for record in sl.log_records:
                changed += strip_attributes(record.attributes)
                if record.HasField("body"):
                    changed += _strip_value(record.body)
    return changed
