"""Curator settings (the ``[curator]`` section of the config file).

Redaction and screening keep their config next to their modules (as TRL keeps ``sft_config.py`` beside
``sft_trainer.py``); this class composes them with the pipeline's own settings.
"""

from pydantic import BaseModel, Field

from curator.redaction_config import RedactionConfig
from curator.screening_config import ScreeningConfig


class CuratorSettings(BaseModel):
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    screening: ScreeningConfig = Field(default_factory=ScreeningConfig)
