"""Curation on Ray (``curator/ray_curate.py``) against the single-process curator, side by side, on the same input.

    .venv/bin/python -m benchmarks.curate_ray [--episodes N] [--workers W] [--batch-size B]

The input is ``benchmarks.curate``'s: episodes assembled from the labelled PII corpus (a system prompt, a user
turn, a tool call with JSON arguments, its result, a final answer), each with a thumb so that every run becomes
rows, and with its run number in the user turn, tool result and answer so that no two episodes share those texts
(the redactor analyzes a text once per batch). Both runs read the same in-memory source and write a version under
their own temporary home; the script checks that the two versions are the same and prints the wall time of each:
for the single process, building the engines and the run; for Ray, the whole call (starting a local Ray of
``--workers`` CPUs, each actor importing and building the redactor and screener once, the run).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from tracewheel.collector.episode import Episode, Feedback
from tracewheel.curator.pipeline import Engines, curate

from benchmarks.curate import CORPUS, build_episodes
from benchmarks.data import read_jsonl


class _Source:
    def __init__(self, episodes: list[Episode]) -> None:
        self.items = episodes

    def tenants(self) -> list[str]:
        return sorted({e.tenant for e in self.items})

    def episodes(self, tenant: str, since=None, until=None) -> list[Episode]:
        return [e for e in self.items if e.tenant == tenant]


class _StageClock:
    """A pipeline Progress hook that times each stage (by its name, tenant prefix dropped)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stage: str | None = None
        self._since = 0.0

    def stage(self, name: str, total: int) -> None:
        self._close()
        self._stage, self._since = name.split(": ", 1)[-1], time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def _close(self) -> None:
        if self._stage is not None:
            self.seconds[self._stage] = self.seconds.get(self._stage, 0.0) + time.perf_counter() - self._since

    def model_stages(self) -> float:
        self._close()
        self._stage = None
        return sum(v for k, v in self.seconds.items() if "redact" in k or "screen" in k)


def _distinct(episodes: list[Episode]) -> list[Episode]:
    out = []
    for i, e in enumerate(episodes):
        suffix = f" [run {i}]"
        messages = [m.model_copy(update={"content": m.content + suffix}) if m.role in ("user", "tool") and m.content else m for m in e.messages]  # fmt: skip
        messages[-1] = messages[-1].model_copy(update={"content": (messages[-1].content or "") + suffix})
        thumb = Feedback(thumb="up" if i % 3 else "down", received_at=e.ended_at)
        out.append(
            e.model_copy(
                update={
                    "messages": messages,
                    "user_task": (e.user_task or "") + suffix,
                    "final_answer": messages[-1].content,
                    "feedback": [thumb],
                    "last_received_at": e.ended_at,
                }
            )
        )
    return out


def _settings(home: Path):
    from tracewheel.config import load_settings

    os.environ["TRACEWHEEL_HOME"] = str(home)
    return load_settings()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=400)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="local Ray CPUs and actors")
    parser.add_argument("--batch-size", type=int, default=None, help="episodes per actor call")
    args = parser.parse_args(argv)

    import ray
    from tracewheel.curator.ray_curate import DEFAULT_BATCH_SIZE, curate_on_ray

    episodes, _ = build_episodes(read_jsonl(CORPUS), args.episodes)
    source = _Source(_distinct(episodes))
    with tempfile.TemporaryDirectory() as tmp:
        single = _settings(Path(tmp) / "single")
        started = time.perf_counter()
        engines = Engines.default(single.curator, single.paths)
        load_s = time.perf_counter() - started
        single_clock = _StageClock()
        (want,) = curate(single.curator, single.paths, source, engines, progress=single_clock)
        single_s = time.perf_counter() - started

        on_ray = _settings(Path(tmp) / "ray")
        started = time.perf_counter()
        ray.init(num_cpus=args.workers, include_dashboard=False, logging_level="WARNING")
        init_s = time.perf_counter() - started
        ray_clock = _StageClock()
        run = curate_on_ray(
            on_ray.curator,
            on_ray.paths,
            source,
            workers=args.workers,
            batch_size=args.batch_size or DEFAULT_BATCH_SIZE,
            progress=ray_clock,
        )
        ray_s = time.perf_counter() - started
        ray.shutdown()
    (got,) = run.results
    same = got.version == want.version and json.dumps(got.counts["new_rows"]) == json.dumps(
        want.counts["new_rows"]
    )
    print(f"episodes: {len(source.items)}  rows: {want.counts.get('rows')}  same version: {same}")
    print("                  whole run   redaction + screening")
    print(
        f"  single process: {single_s:7.1f} s   {single_clock.model_stages():7.1f} s"
        f"   (engines built in {load_s:.1f} s before)"
    )
    print(
        f"  Ray, {run.workers} workers:  {ray_s:7.1f} s   {ray_clock.model_stages():7.1f} s"
        f"   (Ray started in {init_s:.1f} s before; actors' start inside; "
        f"{run.batches} batches of up to {args.batch_size or DEFAULT_BATCH_SIZE})"
    )
    print(f"  ratio single / Ray: {single_s / ray_s:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
