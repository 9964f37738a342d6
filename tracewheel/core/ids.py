"""The one validation of every id that can become part of a path or a query: tenant names, dataset version ids,
adapter ids, trace and episode ids.

Ids come from the command line, config files and span data; each is checked here before any path is joined with
it, so ``--tenant ../alpha`` or a dataset id ``../alpha/ds-…`` can never name a file outside its tenant's
directory. Every checker returns the id unchanged (or normalized: trace ids are lower-cased) and raises
``TracewheelError`` naming the parameter otherwise.
"""

from __future__ import annotations

import re

from tracewheel.core.errors import TracewheelError

MAX_ID_LENGTH = 128

# A path component that can never be "." or "..", never holds a separator, never starts with "-" (an option).
_TENANT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# What ``tenants create`` accepts for a new tenant (stricter: lower case, no dots, short).
NEW_TENANT_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_VERSION_RE = re.compile(r"ds-[0-9A-Za-z_-]+")
_ADAPTER_RE = re.compile(r"ad-[0-9A-Za-z-]+")
_TRACE_RE = re.compile(r"[0-9a-f]{32}")


def _shown(value: object) -> str:
    text = repr(value)
    # A 5,000-character id must not become a 5,000-character error line.
    return text if len(text) <= 60 else text[:57] + "...'"


# Each id kind: the pattern it must match whole, and the rule the error states when it does not.
_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "tenant": (
        _TENANT_RE,
        f"use at most {MAX_ID_LENGTH} characters a-z, A-Z, 0-9, '_', '.' or '-', starting with a letter or digit",
    ),
    "new tenant": (
        NEW_TENANT_RE,
        "use 1-63 characters a-z, 0-9, '_' or '-', starting with a letter or digit",
    ),
    "dataset version": (
        _VERSION_RE,
        f"a dataset version id is 'ds-' and letters, digits, '_' or '-' (at most {MAX_ID_LENGTH})",
    ),
    "adapter": (_ADAPTER_RE, f"an adapter id is 'ad-' and letters, digits or '-' (at most {MAX_ID_LENGTH})"),
    "trace": (_TRACE_RE, "a trace id is 32 hexadecimal digits"),
}


def _check(value: object, kind: str, param: str) -> str:
    pattern, rule = _RULES[kind]
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH or not pattern.fullmatch(value):
        raise TracewheelError(f"invalid {param} {_shown(value)}: {rule}")
    return value


def tenant_name(value: object, param: str = "tenant") -> str:
    """An existing tenant's name, safe as one path component."""
    return _check(value, "tenant", param)


def new_tenant_name(value: object, param: str = "tenant name") -> str:
    """A name for a new tenant (what ``tenants create`` accepts)."""
    return _check(value, "new tenant", param)


def dataset_version(value: object, param: str = "dataset version") -> str:
    return _check(value, "dataset version", param)


def adapter_id(value: object, param: str = "adapter id") -> str:
    return _check(value, "adapter", param)


def trace_id(value: object, param: str = "trace id") -> str:
    """A trace id (32 hex digits, any case), lower-cased as the store keeps it."""
    if isinstance(value, str):
        value = value.strip().lower()
    return _check(value, "trace", param)


def episode_id(value: object, param: str = "episode id") -> str:
    """An episode id is its trace's id."""
    return trace_id(value, param)
