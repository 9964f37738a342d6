"""Serving throughput with many adapters on one base, adapter hot-load time, and memory per adapter.

    .venv/bin/python -m benchmarks.serve [--model M] [--concurrency 8] [--requests 48] [--max-tokens 32]
                                         [--threads N] [--loads 20]

One run, side by side, over real HTTP (``tracewheel serve``'s app under uvicorn on loopback, driven by concurrent
async clients), PEFT backend on this machine's CPU (or GPU):

1. **Base alone**: every request names the base model.
2. **Four adapters, mixed traffic**: the same requests, round-robin over four LoRA adapters of one tenant, at the
   same concurrency. The engine batches them together (PEFT mixed-adapter batches), so the ratio of (2) to (1) is
   the price of serving adapters instead of the base (target: >= 0.8x on CPU; vLLM users report 0.5-0.9x on GPU).
   Every request generates exactly ``--max-tokens`` (``ignore_eos``), so both sides do the same work.
3. **Hot-load**: loading an adapter into the running engine (the four adapters of (2) loaded, after their
   traffic), p50/p99 over ``--loads`` rounds, both ways interleaved: PEFT's ``load_adapter`` (``reuse_slot=False``)
   and a copy into a spare adapter's weights (``serving/lora_slots.py``); and the first one-token request to the
   adapter after its load (after a PEFT load, it pays for concatenating the gathered LoRA weights again).
4. **Resident memory** (RSS) of the process with 0, 1, 4 and 16 adapters loaded.

Adapters are LoRA weights initialised at random on the model (``serving/random_adapter.py``) with the trainer's
defaults (rank 16, all linear layers), saved with PEFT: what they learned does not change the cost of serving them.
The default model is the embedded SmolLM2-135M-Instruct.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a LoRA adapter is in one sentence.",
    "List three prime numbers.",
    "What's the weather like on Mars?",
    "Translate 'good morning' into Spanish.",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


async def _load(
    url: str, key: str, models: list[str], requests: int, concurrency: int, max_tokens: int
) -> dict:
    import httpx

    latencies: list[float] = []
    tokens = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal tokens
        while not queue.empty():
            i = queue.get_nowait()
            body = {
                "model": models[i % len(models)],
                "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
                "max_tokens": max_tokens,
                "temperature": 0,
                "ignore_eos": True,
            }
            start = time.perf_counter()
            response = await client.post(f"{url}/chat/completions", json=body)
            latencies.append(time.perf_counter() - start)
            response.raise_for_status()
            tokens += response.json()["usage"]["completion_tokens"]

    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(headers=headers, timeout=600) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return {
        "requests_per_s": requests / wall,
        "tokens_per_s": tokens / wall,
        "p50_s": _percentile(latencies, 0.5),
        "p99_s": _percentile(latencies, 0.99),
        "wall_s": wall,
    }


def _row(name: str, r: dict) -> str:
    return (
        f"  {name:<22} {r['requests_per_s']:8.2f} req/s  {r['tokens_per_s']:8.1f} tok/s  "
        f"p50 {r['p50_s']:6.2f} s  p99 {r['p99_s']:6.2f} s"
    )


@contextlib.contextmanager
def _serve(app: Any) -> Iterator[str]:
    """uvicorn on an ephemeral loopback port, in a thread; yields the ``/v1`` base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def _settings(home: Path, **serving: Any) -> Any:
    from tracewheel.config import load_settings

    environ = dict(os.environ, TRACEWHEEL_HOME=str(home), TRACEWHEEL_SERVING__CANARY_CHECK_SECONDS="0")
    environ |= {f"TRACEWHEEL_SERVING__{k.upper()}": str(v) for k, v in serving.items()}
    return load_settings(environ)


def _make_adapters(base_path: str, root: Path, count: int) -> list[Path]:
    from tracewheel.serving.random_adapter import clone_with_random_weights, save_random_adapter

    first = save_random_adapter(base_path, root / "a00", seed=0, rank=16, targets="all-linear")
    return [first] + [clone_with_random_weights(first, root / f"a{i:02d}", seed=i) for i in range(1, count)]


def _register(settings: Any, tenant: str, source: Path, base_model: str) -> str:
    from datetime import UTC, datetime

    from tracewheel.trainer import registry
    from tracewheel.trainer.registry import AdapterRecord

    record = AdapterRecord(
        adapter_id=registry.new_adapter_id("sft"),
        tenant=tenant,
        base_model=base_model,
        method="sft",
        dataset_versions=[],
        hyperparameters={"note": "random LoRA weights (benchmark)"},
        created_at=datetime.now(UTC),
    )
    registry.register(
        settings.paths.adapters_dir, record, lambda tmp: shutil.copytree(source, tmp, dirs_exist_ok=True)
    )
    return record.adapter_id


def _memory(engine: Any, adapters: list[Path]) -> dict[int, float]:
    """RSS with 0, 1, 4 and 16 adapters loaded (then unloaded again)."""
    rss = {}
    loaded = 0
    for count in (0, 1, 4, 16):
        while loaded < count:
            engine.load_adapter(f"mem-{loaded}", adapters[loaded])
            loaded += 1
        gc.collect()
        rss[count] = _rss_mb()
    for i in range(loaded):
        engine.unload_adapter(f"mem-{i}")
    return rss


def _hot_loads(engine: Any, adapters: list[Path], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Load times and first-request times, PEFT's load and the slot copy in alternation (same machine load)."""
    from tracewheel.serving.engine import GenerationRequest, SamplingParams

    first = GenerationRequest(
        messages=[{"role": "user", "content": PROMPTS[0]}], adapter="hot", params=SamplingParams(max_tokens=1)
    )
    times: dict[str, dict[str, list[float]]] = {h: {"load": [], "first": []} for h in ("peft", "slot")}
    for i in range(rounds):
        for reuse in (False, True):
            start = time.perf_counter()
            how = engine.load_adapter("hot", adapters[4 + i % (len(adapters) - 4)], reuse_slot=reuse)
            loaded = time.perf_counter()
            engine.generate([first])
            times[how]["load"].append(loaded - start)
            times[how]["first"].append(time.perf_counter() - loaded)
            engine.unload_adapter("hot")
            # Untimed: an unload that deletes PEFT modules makes the next step concatenate the gathered weights
            # again; that belongs to this round, not to the next load's first request.
            engine.generate([first.model_copy(update={"adapter": None})])
    return times


def _ms(values: list[float]) -> str:
    if not values:
        return "none"
    return f"p50 {_percentile(values, 0.5) * 1000:6.0f} ms, p99 {_percentile(values, 0.99) * 1000:6.0f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--model", default=None, help="Base model (default: the embedded SmolLM2-135M-Instruct)."
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=48, help="Requests per side and round.")
    parser.add_argument(
        "--rounds", type=int, default=2, help="Rounds of (base, mixed), interleaved; means shown."
    )
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)."
    )
    parser.add_argument("--loads", type=int, default=20, help="Hot-load rounds.")
    args = parser.parse_args(argv)

    import torch
    from tracewheel.collector.tenants import create_tenant
    from tracewheel.serving.app import create_app
    from tracewheel.serving.engine import open_engine
    from tracewheel.serving.peft_backend import PeftBackend
    from tracewheel.trainer.model import resolve_model

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="tw-bench-serve-") as tmp:
        settings = _settings(
            Path(tmp) / "home", max_adapters_per_tenant=16, max_batch_size=max(32, args.concurrency)
        )
        model_path = resolve_model(settings.trainer, settings.paths, args.model).path
        # In a child process, so the model copy it loads is not counted in this process's memory.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            adapters = pool.submit(_make_adapters, model_path, Path(tmp) / "adapters", 16).result()
        started = time.perf_counter()
        engine = open_engine(settings.serving, settings.trainer, settings.paths, model=args.model)
        base = engine.base_model
        print(
            f"model {base}, torch threads {torch.get_num_threads()}, loaded in {time.perf_counter() - started:.1f} s"
        )
        size_mb = (adapters[0] / "adapter_model.safetensors").stat().st_size / 2**20
        print(f"adapters: 16 x random LoRA r=16 all-linear ({size_mb:.1f} MB each)")

        rss = _memory(engine, adapters)

        key = create_tenant(settings.paths.tenants_file, "bench").api_key
        ids = [_register(settings, "bench", adapters[i], base) for i in range(4)]
        app = create_app(settings, backend=PeftBackend(engine))
        results: dict[str, list[dict]] = {"base": [], "mixed": []}
        with _serve(app) as url:
            warm = [base, *ids]
            asyncio.run(_load(url, key, warm, len(warm) * 2, len(warm), 4))  # loads the four adapters
            for _ in range(args.rounds):
                for side, models in (("base", [base]), ("mixed", ids)):
                    run = _load(url, key, models, args.requests, args.concurrency, args.max_tokens)
                    results[side].append(asyncio.run(run))
        hot = _hot_loads(engine, adapters, args.loads)  # with the four adapters loaded
        engine.close()

    mean = {
        side: {k: statistics.fmean(r[k] for r in runs) for k in runs[0]} for side, runs in results.items()
    }
    print(
        f"\nthroughput: {args.requests} requests x {args.rounds} rounds per side, concurrency {args.concurrency}, "
        f"{args.max_tokens} tokens each"
    )
    print(_row("base alone", mean["base"]))
    print(_row("4 adapters, mixed", mean["mixed"]))
    ratio = mean["mixed"]["tokens_per_s"] / mean["base"]["tokens_per_s"]
    print(f"  mixed / base tokens/s: {ratio:.2f}x (target >= 0.8x)")
    print(f"\nhot-load into the running engine (4 adapters loaded), from disk, {args.loads} rounds:")
    for how, label in (("peft", "PEFT load_adapter"), ("slot", "copy into a spare")):
        print(
            f"  {label:<20} load {_ms(hot[how]['load'])}   then first 1-token request {_ms(hot[how]['first'])}"
        )
    if hot["peft"]["load"] and hot["slot"]["load"]:
        speedup = _percentile(hot["peft"]["load"], 0.5) / _percentile(hot["slot"]["load"], 0.5)
        print(f"  load p50 PEFT / spare: {speedup:.1f}x")
    print("\nresident memory (RSS):")
    for count, mb in rss.items():
        print(f"  {count:>2} adapters: {mb:8.1f} MB  (+{mb - rss[0]:6.1f} MB)")


if __name__ == "__main__":
    main()
