"""Which training method a cycle runs: the first of ``[loop] methods`` whose reviewed rows reach its minimum.

SFT trains on successes and corrections (``sft`` rows), DPO on preference pairs (``dpo``), KTO on thumbs
(``kto``), GRPO on prompts with a verifier (``rewards``). Only reviewed (accepted or edited) rows count, as
only they are trained on.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from tracewheel.config import LoopSettings
from tracewheel.curator.versions import training_rows

# The dataset kind each method trains on (each trainer module's KIND; a test holds them equal). Kept here so that
# choosing a method does not import TRL.
METHOD_KINDS: dict[str, str] = {"sft": "sft", "dpo": "dpo", "kto": "kto", "grpo": "rewards"}
DEFAULT_MIN_ROWS = 1


class MethodChoice(BaseModel):
    method: str | None
    rows: dict[str, int]  # reviewed rows per method considered
    min_rows: dict[str, int]

    def reason(self) -> str:
        if self.method is not None:
            return (
                f"{self.method}: {self.rows[self.method]} reviewed rows (needs {self.min_rows[self.method]})"
            )
        short = ", ".join(f"{m} {self.rows[m]}/{self.min_rows[m]}" for m in self.rows)
        return f"no method has enough reviewed rows ({short or 'no methods configured'})"


def reviewed_rows(datasets_dir: Path, tenant: str, version: str) -> dict[str, int]:
    """Reviewed rows per dataset kind a method trains on."""
    kinds = sorted(set(METHOD_KINDS.values()))
    return {k: len(training_rows(datasets_dir, tenant, version, k, reviewed_only=True)) for k in kinds}  # type: ignore[arg-type]


def choose_method(loop: LoopSettings, datasets_dir: Path, tenant: str, version: str) -> MethodChoice:
    by_kind = reviewed_rows(datasets_dir, tenant, version)
    rows: dict[str, int] = {}
    needs: dict[str, int] = {}
    chosen: str | None = None
    for method in loop.methods:
        rows[method] = by_kind[METHOD_KINDS[method]]
        needs[method] = loop.min_rows.get(method, DEFAULT_MIN_ROWS)
        if chosen is None and rows[method] >= needs[method]:
            chosen = method
    return MethodChoice(method=chosen, rows=rows, min_rows=needs)
