"""The base of every settings section: the config file is the operator's, and a typo in it must be an error."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A typed settings section. Unknown keys are refused by name (``retention_hour`` is not ``retention_hours``)."""

    model_config = ConfigDict(extra="forbid")
