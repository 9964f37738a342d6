"""Settings: one typed tree, loaded from one TOML file plus ``TRACEWHEEL_*`` overrides.

Where things are looked up, in order of precedence:

1. ``TRACEWHEEL_<SECTION>__<FIELD>`` environment variables (``TRACEWHEEL_COLLECTOR__HTTP_PORT=4320``);
2. the TOML file at ``TRACEWHEEL_CONFIG`` or ``$TRACEWHEEL_HOME/config.toml``;
3. the defaults below.

All state lives under ``TRACEWHEEL_HOME`` (default ``~/.tracewheel``). Each stage owns the section of its own
settings (``collector/settings.py``, ...); this module composes them and does the loading, never at import time.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from tracewheel.collector.settings import CollectorSettings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths
from tracewheel.curator.settings import CuratorSettings
from tracewheel.trainer.settings import TrainerSettings

ENV_PREFIX = "TRACEWHEEL_"
_DEFAULT_HOME = "~/.tracewheel"


class Settings(BaseModel):
    """Everything tracewheel can be told, one section per stage."""

    home: Path = Field(default=Path(_DEFAULT_HOME).expanduser(), description="Root of all tracewheel state.")
    collector: CollectorSettings = Field(default_factory=CollectorSettings)
    curator: CuratorSettings = Field(default_factory=CuratorSettings)
    trainer: TrainerSettings = Field(default_factory=TrainerSettings)

    @property
    def paths(self) -> Paths:
        """Every state directory under ``home``; what stage code receives instead of the whole tree."""
        return Paths(self.home)


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """Turn ``TRACEWHEEL_SECTION__FIELD=value`` into a nested dict; pydantic does the type coercion."""
    nested: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key in ("TRACEWHEEL_CONFIG",):
            continue
        path = key[len(ENV_PREFIX) :].lower().split("__")
        if len(path) == 1 and path[0] != "home":
            continue
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return nested


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(environ: dict[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Load settings from the environment and the TOML file; raise ``TracewheelError`` on bad values."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(environ.get("TRACEWHEEL_HOME", _DEFAULT_HOME)).expanduser()
    path = config_file or Path(environ.get("TRACEWHEEL_CONFIG", home / "config.toml")).expanduser()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise TracewheelError(f"config file {path} is not valid TOML: {exc}") from exc
    data = _merge(data, _env_overrides(environ))
    data.setdefault("home", str(home))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TracewheelError(f"invalid setting {where}: {first['msg']} (from {path} or TRACEWHEEL_* env)") from exc
    settings.home = settings.home.expanduser()
    return settings
