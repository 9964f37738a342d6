"""Payment card numbers: Presidio's Luhn-checked recognizer, widened to the card ranges its regex leaves out."""

from __future__ import annotations

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer


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
