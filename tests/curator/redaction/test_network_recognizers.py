"""E-mail and IP recognizers (curator/redaction/recognizers/network.py) and the card recognizer (financial.py)."""

from __future__ import annotations

import socket

import pytest
from tracewheel.curator.redaction.recognizers.financial import WideCreditCardRecognizer
from tracewheel.curator.redaction.recognizers.network import NonLocalIpRecognizer, OfflineEmailRecognizer


def _found(recognizer, entity: str, text: str) -> list[str]:
    return [text[r.start : r.end] for r in recognizer.analyze(text, [entity]) if r.score > 0]


def test_email_recognizer_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    text = "write to maria.garcia@example.co.uk or ops@sub.example.io, not to me@localhost"
    assert _found(OfflineEmailRecognizer(), "EMAIL_ADDRESS", text) == [
        "maria.garcia@example.co.uk",
        "ops@sub.example.io",
    ]


def test_ip_addresses_but_not_loopback() -> None:
    text = "from 10.0.3.17 and 2001:db8::8a2e:370:7334 via 127.0.0.1 and ::1"
    assert _found(NonLocalIpRecognizer(), "IP_ADDRESS", text) == ["10.0.3.17", "2001:db8::8a2e:370:7334"]


def test_mastercard_two_series_with_luhn() -> None:
    recognizer = WideCreditCardRecognizer()
    text = "cards 2223 0031 2200 3222 and 2223 0031 2200 3223"  # the first passes Luhn, the second does not
    hits = [text[r.start : r.end] for r in recognizer.analyze(text, ["CREDIT_CARD"]) if r.score >= 0.5]
    assert hits == ["2223 0031 2200 3222"]
