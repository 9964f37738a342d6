"""Curator settings (the ``[curator]`` section of the config file)."""

from pydantic import BaseModel


class CuratorSettings(BaseModel):
    pass
