"""What the scheduler did, one JSON line per event in ``cycles_dir/schedule.jsonl``.

A user (``tail -f``, ``jq``) and the demo read it to see which trigger started which cycle and how it ended; the
cycle records themselves stay in ``cycles_dir/<tenant>/`` (``tracewheel cycles show``).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

LOG_FILE = "schedule.jsonl"


class Trigger(StrEnum):
    """What made the scheduler start a cycle (recorded as the cycle's ``trigger``)."""

    CRON = "cron"
    NEW_EPISODES = "new_episodes"


class Event(StrEnum):
    SERVICE_STARTED = "service_started"
    STARTED = "started"  # a trigger fired and a cycle starts for the tenant
    FINISHED = "finished"  # the cycle ended; ``outcome`` is the cycle's, or "error" when it raised
    SKIPPED = "skipped"  # a trigger fired while a cycle was running (here or in another process): not queued
    MISSED = "missed"  # a cron time passed by more than the grace time (the machine slept): not run
    SERVICE_STOPPED = "service_stopped"


ERROR_OUTCOME = "error"


class ScheduleRecord(BaseModel):
    """One line of ``schedule.jsonl``."""

    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    event: Event
    tenant: str | None = None
    trigger: Trigger | None = None
    cycle_id: str | None = None
    outcome: str | None = None
    duration_s: float | None = None
    new_episodes: int | None = Field(default=None, description="What the new-episode check counted.")
    detail: str | None = Field(default=None, description="Why skipped, the error, or the service's settings.")

    def line(self) -> str:
        """The record as one human-readable line (the service's stderr log)."""
        parts = [
            self.time.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            self.event.value,
            self.tenant or "-",
            self.trigger.value if self.trigger else "-",
            self.cycle_id or "-",
            self.outcome or "-",
            f"{self.duration_s:.1f}s" if self.duration_s is not None else "-",
        ]
        if self.new_episodes is not None:
            parts.append(f"new_episodes={self.new_episodes}")
        if self.detail:
            parts.append(self.detail)
        return "  ".join(parts)


def log_path(cycles_dir: Path) -> Path:
    return cycles_dir / LOG_FILE


class RecordLog:
    """Appends records to ``schedule.jsonl`` from any thread, one whole line per write."""

    def __init__(self, cycles_dir: Path) -> None:
        self.path = log_path(cycles_dir)
        self._lock = threading.Lock()

    def append(self, record: ScheduleRecord) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)


def read_records(cycles_dir: Path) -> list[ScheduleRecord]:
    """Every record so far, oldest first; a line cut short by a crash mid-write is skipped."""
    path = log_path(cycles_dir)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(ScheduleRecord.model_validate(json.loads(line)))
        except (ValueError, ValidationError):
            continue
    return out
