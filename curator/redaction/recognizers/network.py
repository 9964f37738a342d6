"""E-mail and IP addresses: Presidio's recognizers, made offline and taught what identifies nobody."""

from __future__ import annotations

import ipaddress

import tldextract
from presidio_analyzer.predefined_recognizers import EmailRecognizer, IpRecognizer


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email regex, with the domain checked against tldextract's bundled public-suffix snapshot.

    ``suffix_list_urls=()`` and ``cache_dir=None`` mean no HTTP request and no cache file, ever.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._tld = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    def validate_result(self, pattern_text: str) -> bool:
        return self._tld(pattern_text).fqdn != ""


class NonLocalIpRecognizer(IpRecognizer):
    """Presidio's IP recognizer, minus loopback and unspecified addresses, which identify nobody."""

    def invalidate_result(self, pattern_text: str) -> bool:
        if super().invalidate_result(pattern_text):
            return True
        addr = ipaddress.ip_interface(pattern_text).ip
        return addr.is_loopback or addr.is_unspecified
