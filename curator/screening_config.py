"""Settings of prompt-injection screening (``[curator.screening]``)."""

from pydantic import BaseModel


class ScreeningConfig(BaseModel):
    pass
