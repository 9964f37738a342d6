"""Settings: one typed tree, loaded by pydantic-settings from one TOML file plus ``TRACEWHEEL_*`` overrides.

Where things are looked up, in order of precedence:

1. ``TRACEWHEEL_<FIELD>`` / ``TRACEWHEEL_<SECTION>__<FIELD>`` environment variables
   (``TRACEWHEEL_LOG_LEVEL=DEBUG``, ``TRACEWHEEL_COLLECTOR__HTTP_PORT=4320``);
2. the TOML file at ``TRACEWHEEL_CONFIG`` or ``$TRACEWHEEL_HOME/config.toml``;
3. the defaults below.

All state lives under ``TRACEWHEEL_HOME`` (default ``~/.tracewheel``). Each stage owns the section of its own
settings (``collector/settings.py``, ...); this module composes them and does the loading, never at import time.
An unknown key, in the file or in a ``TRACEWHEEL_<SECTION>__<FIELD>`` variable, is an error naming it: a typo
such as ``retention_hour`` must not silently leave the default in force.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tracewheel.collector.settings import CollectorSettings
from tracewheel.core.errors import TracewheelError
from tracewheel.core.paths import Paths
from tracewheel.core.section import Section
from tracewheel.curator.settings import CuratorSettings
from tracewheel.evals.settings import EvalsSettings
from tracewheel.serving.settings import ServingSettings
from tracewheel.trainer.settings import TrainerSettings

ENV_PREFIX = "TRACEWHEEL_"
Method = Literal["sft", "dpo", "kto", "grpo"]
_NESTED = "__"
_DEFAULT_HOME = "~/.tracewheel"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class RejectionSamplingSettings(Section):
    """Learn from the wins (STaR / ReST): sample the champion on prompts with a verifier, keep the verified answers."""

    enabled: bool = Field(default=True, description="Run rejection sampling in each cycle.")
    samples_per_prompt: int = Field(default=4, ge=1, le=64, description="Completions sampled per prompt (N).")
    temperature: float = Field(default=0.8, ge=0.0, le=2.0, description="Sampling temperature.")
    top_p: float = Field(default=0.95, gt=0.0, le=1.0, description="Nucleus sampling threshold.")
    max_tokens: int = Field(default=128, ge=1, description="Tokens generated per completion at most.")
    max_kept_per_prompt: int = Field(
        default=1, ge=1, description="Verified completions kept per prompt at most (distinct texts)."
    )
    max_prompts: int = Field(
        default=64, ge=1, description="Prompts sampled per cycle at most (the most recent first)."
    )
    seed: int = Field(default=0, description="Seed of the sampling (recorded on the cycle).")


class LoopSettings(Section):
    """One cycle of the flywheel (``tracewheel run``): curate, sample, train, evaluate, gate, canary."""

    methods: list[Method] = Field(
        default_factory=lambda: ["sft", "dpo", "kto", "grpo"],
        description="Training methods in order of preference; a cycle trains the first one the data supports.",
    )
    min_rows: dict[str, int] = Field(
        default_factory=lambda: {"sft": 16, "dpo": 16, "kto": 16, "grpo": 8},
        description="Reviewed rows a method needs before a cycle trains it.",
    )
    init_from: Literal["champion", "base"] = Field(
        default="champion",
        description="What a candidate starts from: the champion adapter's weights (continue training on the new "
        "data), or the base model (a fresh adapter on all accepted data). Recorded on each cycle.",
    )
    max_steps: int | None = Field(default=None, ge=1, description="Training steps per cycle at most.")
    train_config: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-method training config overrides (the keys of `tracewheel train <method> --config`), "
        "e.g. {sft = {num_train_epochs = 2}}.",
    )
    canary: bool = Field(
        default=True,
        description="Start a canary when the gate promotes; false promotes the candidate to champion at once.",
    )
    canary_wait_seconds: float = Field(
        default=0.0,
        ge=0.0,
        description="How long `tracewheel run` waits for the canary's decision before it ends the cycle with "
        "the canary still running (the serving process's monitor, or the next cycle, decides it).",
    )
    rejection_sampling: RejectionSamplingSettings = Field(default_factory=RejectionSamplingSettings)


class ScheduleSettings(Section):
    """When `tracewheel schedule` runs cycles."""

    cron: str | None = Field(default=None, description='Crontab expression, e.g. "0 3 * * *".')
    min_new_episodes: int | None = Field(
        default=None, ge=1, description="Run a cycle once this many new episodes arrived since the last one."
    )
    poll_seconds: float = Field(
        default=60.0, gt=0.0, description="How often the new-episode count is checked."
    )
    tenants: list[str] = Field(
        default_factory=list, description="Tenants to run cycles for; empty: every tenant."
    )


class Settings(BaseSettings):
    """Everything tracewheel can be told, one section per stage."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter=_NESTED, extra="forbid")

    home: Path = Field(default=Path(_DEFAULT_HOME), description="Root of all tracewheel state.")
    log_level: LogLevel = Field(default="WARNING", description="Level of tracewheel's own log messages.")
    collector: CollectorSettings = Field(default_factory=CollectorSettings)
    curator: CuratorSettings = Field(default_factory=CuratorSettings)
    trainer: TrainerSettings = Field(default_factory=TrainerSettings)
    evals: EvalsSettings = Field(default_factory=EvalsSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    loop: LoopSettings = Field(default_factory=LoopSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env or secrets directory: the config file and the environment are the only inputs.
        # ``load_settings`` adds the TOML file; a bare ``Settings()`` is defaults plus the environment.
        return init_settings, env_settings

    @property
    def paths(self) -> Paths:
        """Every state directory under ``home``; what stage code receives instead of the whole tree."""
        return Paths(self.home)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


class _MappingEnvSource(EnvSettingsSource):
    """The environment source reading a given mapping instead of ``os.environ`` (tests, subprocess set-ups)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._environ.items()}


def config_path(environ: Mapping[str, str]) -> tuple[Path, bool]:
    """The TOML file to read, and whether the user named it (a named file must exist; the default may not)."""
    if environ.get("TRACEWHEEL_CONFIG"):
        return Path(environ["TRACEWHEEL_CONFIG"]).expanduser(), True
    home = Path(environ.get("TRACEWHEEL_HOME") or _DEFAULT_HOME).expanduser()
    return home / "config.toml", False


def _toml_source(path: Path, required: bool) -> TomlConfigSettingsSource:
    if path.is_dir():
        raise TracewheelError(f"config file {path} is a directory, not a TOML file")
    if required and not path.exists():
        raise TracewheelError(f"config file {path} (from TRACEWHEEL_CONFIG) does not exist")
    try:
        return TomlConfigSettingsSource(Settings, toml_file=path)
    except tomllib.TOMLDecodeError as exc:
        raise TracewheelError(f"config file {path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise TracewheelError(f"config file {path} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise TracewheelError(f"cannot read config file {path}: {exc.strerror or exc}") from exc


def _origin(loc: tuple[Any, ...], environ: Mapping[str, str], toml: Mapping[str, Any], path: Path) -> str:
    """Where a bad value came from: the environment variable that sets it, else the config file."""
    names = [str(part) for part in loc if isinstance(part, str)]
    for depth in range(len(names), 0, -1):
        variable = ENV_PREFIX + _NESTED.join(names[:depth]).upper()
        if any(key.upper() == variable for key in environ):
            return f"from {variable}"
    node: Any = toml
    for name in names:
        if not isinstance(node, Mapping) or name not in node:
            return f"from {path} or TRACEWHEEL_* environment variables"
        node = node[name]
    return f"in {path}"


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Load settings from the environment (``environ``, default ``os.environ``) and the TOML file.

    Raises ``TracewheelError`` with a one-line message naming the bad or unknown key and where it came from.
    """
    environ = dict(os.environ if environ is None else environ)
    path, required = (config_file, True) if config_file is not None else config_path(environ)
    toml = _toml_source(path, required)
    env = _MappingEnvSource(Settings, environ)
    try:
        # Sources in order of precedence: the environment over the file over the field defaults.
        return Settings(_build_sources=((env, toml), {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        origin = _origin(first["loc"], environ, toml.toml_data, path)
        if first["type"] == "extra_forbidden":
            raise TracewheelError(f"unknown setting {where} ({origin})") from exc
        raise TracewheelError(f"invalid setting {where}: {first['msg']} ({origin})") from exc
