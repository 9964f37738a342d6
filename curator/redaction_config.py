"""Settings of PII and secret redaction (``[curator.redaction]``)."""

from pydantic import BaseModel


class RedactionConfig(BaseModel):
    pass
