"""PII and secret redaction: Presidio recognizers, the name gazetteer, pseudonymous placeholders."""
