"""E-mail and IP addresses: Presidio's recognizers, made offline and taught what identifies nobody."""

from __future__ import annotations

import ipaddress

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer, IpRecognizer

# Top-level names that private networks use (RFC 6762 .local, ICANN's .internal, and the common de-facto ones): not
# on the public-suffix list, but an address there is a real person's or team's mailbox all the same.
PRIVATE_TLDS = frozenset(
    {"internal", "local", "corp", "lan", "intranet", "home", "localdomain", "private", "priv", "intra", "ad"}
)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email regex, with the domain checked against tldextract's bundled public-suffix snapshot or
    a private-network top-level name (``ops.example.internal``, ``ci.local``).

    ``suffix_list_urls=()`` and ``cache_dir=None`` mean no HTTP request and no cache file, ever.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    def validate_result(self, pattern_text: str) -> bool:
        if self._tld(pattern_text).fqdn != "":
            return True
        return pattern_text.rsplit(".", 1)[-1].lower() in PRIVATE_TLDS


class NonLocalIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer, minus loopback and unspecified addresses, which identify nobody."""

    def invalidate_result(self, pattern_text: str) -> bool:
        if super().invalidate_result(pattern_text):
            return True
        addr = ipaddress.ip_interface(pattern_text).ip
        return addr.is_loopback or addr.is_unspecified
