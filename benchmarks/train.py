"""LoRA SFT speed and memory: tracewheel's trainer against a plain TRL ``SFTTrainer`` script, on two row shapes.

    .venv/bin/python -m benchmarks.train [--full] [--shapes short,long] [--threads N] [--model M] [--repeat N]
    .venv/bin/python -m benchmarks.train --lift [--rows 128] [--epochs 1] [--batch 8] [--lr 1e-3]

Row shapes:

- ``short``: a JSON-extraction task (the demo's kind): a system prompt, a customer's note, and a one-line JSON
  answer; ~135 tokens a row, ~28 of them the answer; no tools.
- ``long``: tool-calling episodes of uneven length: two tool definitions, 1 to 3 tool calls with results, answers
  of different sizes; ~300 to ~700 tokens a row.

Both sides train the same model on the same rows rendered by the same chat template, with the same learning rate,
batch size, steps, LoRA rank/alpha/dropout/targets and ``max_length``. The plain script keeps TRL's defaults
otherwise (what a user gets from the TRL docs: loss on every token, gradient checkpointing on, TRL's loss kernel),
except bf16 off without a GPU (TRL defaults it on, which transformers refuses on CPU); its final loss is over all
tokens, tracewheel's over the assistant's, so the two losses are not comparable, only the speeds. Each side runs in
its own process (the peak RSS printed is that side's alone). The step time is the median over the steps after the
first; tokens/s counts every token of every row trained on over transformers' ``train_runtime`` (model loading
excluded); wall is the whole process, loading and (for tracewheel) registering the adapter included.

Quick mode (default) trains a few steps per shape so it finishes in a few minutes on 2 cores; ``--full`` trains
more. ``--repeat N`` runs each pair N times, alternating sides, for a noisy machine. ``--lift`` trains tracewheel on
short rows and measures exact-match on 48 held-out notes before and after (greedy decoding), the demo's question:
how much training buys how much lift.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tracewheel.demo_tasks import extraction_tasks

# The repository root: the --side children run ``-m benchmarks.train`` from there.
ROOT = Path(__file__).resolve().parent.parent

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search_flights",
            "description": "Flights between two airports on a date.",
            "parameters": {
                "type": "object",
                "properties": {
                    "origin": {"type": "string"},
                    "dest": {"type": "string"},
                    "date": {"type": "string"},
                },
                "required": ["origin", "dest"],
            },
        },
    },
]
CITIES = [
    "Paris",
    "Oslo",
    "Lima",
    "Cairo",
    "Quito",
    "Perth",
    "Tokyo",
    "Dakar",
    "Hanoi",
    "Bogota",
    "Riga",
    "Accra",
]


def long_rows(n: int) -> list[dict[str, Any]]:
    """Tool-calling episodes of varied length (1 to 3 tool rounds, answers of different sizes)."""
    out = []
    for i in range(n):
        city, other = CITIES[i % len(CITIES)], CITIES[(i * 5 + 3) % len(CITIES)]
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": "You are a travel assistant. Use the tools when they help."},
            {
                "role": "user",
                "content": f"I fly from {city} to {other} next week. What weather should I pack for?",
            },
        ]
        for r in range(1 + i % 3):
            name, args = (
                ("get_weather", {"city": other})
                if r % 2 == 0
                else ("search_flights", {"origin": city, "dest": other, "date": f"2026-12-{10 + r}"})
            )
            call = {"type": "function", "function": {"name": name, "arguments": args}}
            messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
            result = {"result": [f"item {k} for {other}" for k in range(2 + (i + r) % 6)]}
            messages.append({"role": "tool", "name": name, "content": json.dumps(result)})
        answer = " ".join(
            f"Day {d}: around {10 + (i + d) % 15} degrees in {other}, pack layers." for d in range(1 + i % 6)
        )
        messages.append({"role": "assistant", "content": answer})
        out.append({"messages": messages, "tools": TOOLS})
    return out


def short_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """JSON-extraction rows, the demo's task (``tracewheel/demo_tasks.py``, no PII): system prompt, a customer's
    note, the order as one line of JSON."""
    return [
        {"messages": [*task.messages(), {"role": "assistant", "content": task.answer}]}
        for task in extraction_tasks(n, seed, pii_share=0.0)
    ]


# Per shape: rows, batch size, learning rate; quick and --full. One epoch, so steps = rows / batch.
SHAPES: dict[str, dict[str, Any]] = {
    "short": {"rows": short_rows, "quick": 24, "full": 128, "batch": 8, "lr": 1e-3},
    "long": {"rows": long_rows, "quick": 6, "full": 32, "batch": 2, "lr": 2e-4},
}
LORA = {"lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.0, "lora_target_modules": "all-linear"}
MAX_LENGTH = 2048


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count_tokens(tokenizer: Any, data: list[dict[str, Any]]) -> int:
    return sum(
        len(tokenizer.apply_chat_template(r["messages"], tools=r.get("tools"), tokenize=True, return_dict=True)["input_ids"])
        for r in data
    )  # fmt: skip


def _settings(home: Path) -> Any:
    from tracewheel.config import load_settings

    os.environ["TRACEWHEEL_HOME"] = str(home)
    return load_settings()


def _step_timer() -> Any:
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []
            self._start = 0.0

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self._start = time.perf_counter()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.times.append(time.perf_counter() - self._start)

    return StepTimer()


def _figures(
    timer: Any, tokens: int, runtime: float, final_loss: float | None, started: float
) -> dict[str, Any]:
    steps = len(timer.times)
    later = timer.times[1:] or timer.times
    return {
        "steps": steps,
        "step_s": statistics.median(later),
        "first_step_s": timer.times[0],
        "runtime_s": runtime,
        "steps_per_s": steps / runtime,
        "tokens": tokens,
        "tokens_per_s": tokens / runtime,
        "final_loss": final_loss,
        "wall_s": time.monotonic() - started,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _shape_data(shape: str, full: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    spec = SHAPES[shape]
    data = spec["rows"](spec["full" if full else "quick"])
    return data, spec


def run_tracewheel(args: argparse.Namespace, home: Path, started: float) -> dict[str, Any]:
    """tracewheel's path: a dataset version, then ``run_training`` (loads, trains, registers a candidate)."""
    from tracewheel.curator.versions import DatasetRow, write_version
    from tracewheel.trainer.model import load_tokenizer, resolve_model
    from tracewheel.trainer.runner import run_training

    settings = _settings(home)
    data, spec = _shape_data(args.shape, args.full)
    manifest = write_version(
        settings.paths.datasets_dir, "bench", [DatasetRow(kind="sft", data=r) for r in data]
    )
    config = {
        "num_train_epochs": 1, "per_device_train_batch_size": spec["batch"], "learning_rate": spec["lr"],
        "save_steps": 10_000, "max_length": MAX_LENGTH, **LORA,
    }  # fmt: skip
    timer = _step_timer()
    record = run_training(settings.trainer, settings.paths, "sft", "bench", manifest["version"], config, args.model,
                          progress=False, reviewed_only=False, callbacks=[timer])  # fmt: skip
    tokens = _count_tokens(
        load_tokenizer(resolve_model(settings.trainer, settings.paths, args.model).path), data
    )
    return _figures(timer, tokens, record.metrics["train_runtime"], record.metrics.get("final_loss"), started)


def run_plain_trl(args: argparse.Namespace, home: Path, started: float) -> dict[str, Any]:
    """What the TRL docs show: SFTTrainer on a conversational dataset with a LoraConfig, defaults otherwise."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from tracewheel.trainer.model import resolve_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    settings = _settings(home)
    path = resolve_model(settings.trainer, settings.paths, args.model).path
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    data, spec = _shape_data(args.shape, args.full)
    # Tool schemas and arguments as JSON text, as TRL's docs advise for datasets with tools.
    flat = []
    for r in data:
        messages = [
            {**m, "tool_calls": [{"type": "function", "function": {"name": c["function"]["name"],
                                                                   "arguments": json.dumps(c["function"]["arguments"])}}
                                 for c in m["tool_calls"]]} if m.get("tool_calls") else m
            for m in r["messages"]
        ]  # fmt: skip
        flat.append({"messages": messages, **({"tools": json.dumps(r["tools"])} if r.get("tools") else {})})
    timer = _step_timer()
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(
            output_dir=str(home / "plain-trl"), num_train_epochs=1, per_device_train_batch_size=spec["batch"],
            learning_rate=spec["lr"], report_to="none", save_strategy="no", max_length=MAX_LENGTH,
            logging_steps=1,
            # TRL defaults bf16=True, which transformers refuses on a machine without a GPU; this is the one
            # change the plain script needs to run on CPU at all.
            bf16=torch.cuda.is_available(),
        ),
        train_dataset=Dataset.from_list(flat),
        processing_class=tokenizer,
        peft_config=LoraConfig(r=LORA["lora_r"], lora_alpha=LORA["lora_alpha"], lora_dropout=LORA["lora_dropout"],
                               target_modules=LORA["lora_target_modules"], task_type="CAUSAL_LM"),
        callbacks=[timer],
    )  # fmt: skip
    result = trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    tokens = _count_tokens(tokenizer, data)
    return _figures(timer, tokens, result.metrics["train_runtime"], losses[-1] if losses else None, started)


def _exact_match(model: Any, tokenizer: Any, rows: list[dict[str, Any]]) -> float:
    """Share of rows whose greedy answer is the expected JSON (parsed, so spacing does not matter)."""
    import torch

    tokenizer.padding_side = "left"
    hits = 0
    for i in range(0, len(rows), 16):
        chunk = rows[i : i + 16]
        prompts = [
            tokenizer.apply_chat_template(r["messages"][:-1], add_generation_prompt=True, tokenize=False)
            for r in chunk
        ]
        batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.no_grad():
            out = model.generate(
                **batch, max_new_tokens=32, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        for r, seq in zip(chunk, out[:, batch["input_ids"].shape[1] :], strict=True):
            text = tokenizer.decode(seq, skip_special_tokens=True).strip()
            try:
                hits += json.loads(text) == json.loads(r["messages"][-1]["content"])
            except json.JSONDecodeError:
                pass
    return hits / len(rows)


def run_lift(args: argparse.Namespace, home: Path, started: float) -> dict[str, Any]:
    """Train tracewheel on short rows; exact match on held-out notes before and after."""
    from peft import PeftModel
    from tracewheel.curator.versions import DatasetRow, write_version
    from tracewheel.trainer.model import load_model, load_tokenizer, resolve_model
    from tracewheel.trainer.runner import run_training

    settings = _settings(home)
    data, held_out = short_rows(args.rows, seed=1), short_rows(48, seed=2)
    manifest = write_version(
        settings.paths.datasets_dir, "bench", [DatasetRow(kind="sft", data=r) for r in data]
    )
    config = {
        "num_train_epochs": args.epochs, "per_device_train_batch_size": args.batch, "learning_rate": args.lr,
        "max_length": 512, "save_steps": 10_000, "warmup_steps": 0, **LORA,
    }  # fmt: skip
    timer = _step_timer()
    record = run_training(settings.trainer, settings.paths, "sft", "bench", manifest["version"], config, args.model,
                          progress=False, reviewed_only=False, callbacks=[timer])  # fmt: skip
    path = resolve_model(settings.trainer, settings.paths, args.model).path
    tokenizer = load_tokenizer(path)
    model = PeftModel.from_pretrained(load_model(path), record.path).eval()
    model.config.use_cache = True
    evaluated = time.monotonic()
    with model.disable_adapter():
        base = _exact_match(model, tokenizer, held_out)
    tuned = _exact_match(model, tokenizer, held_out)
    figures = _figures(timer, 0, record.metrics["train_runtime"], record.metrics.get("final_loss"), started)
    return {**figures, "base": base, "tuned": tuned, "eval_s": time.monotonic() - evaluated, "config": config}


def _child(side: str, args: argparse.Namespace, shape: str = "") -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.train", "--side", side, "--shape", shape or "short"]
    cmd += [
        "--rows",
        str(args.rows),
        "--epochs",
        str(args.epochs),
        "--batch",
        str(args.batch),
        "--lr",
        str(args.lr),
    ]
    cmd += (["--model", args.model] if args.model else []) + (["--full"] if args.full else [])
    cmd += ["--threads", str(args.threads)] if args.threads else []
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": "\n".join(proc.stderr.strip().splitlines()[-5:])}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _line(name: str, res: dict[str, Any]) -> str:
    if "error" in res:
        return f"    {name:<11} failed: {res['error']}"
    loss = f"{res['final_loss']:.3f}" if isinstance(res.get("final_loss"), float) else "-"
    return (
        f"    {name:<11} step {res['step_s']:6.2f} s  {res['steps_per_s']:6.3f} steps/s  "
        f"{res['tokens_per_s']:7.1f} tokens/s  wall {res['wall_s']:6.1f} s  peak RSS {res['peak_rss_mib']:5.0f} MiB  "
        f"final loss {loss}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", default=None, help="HF id in the local cache, local dir; default: embedded"
    )
    parser.add_argument(
        "--full", action="store_true", help="more rows per shape (minutes per side on 2 cores)"
    )
    parser.add_argument("--shapes", default="short,long", help="comma-separated: short, long")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side, alternating (noisy machines)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--lift", action="store_true", help="held-out exact match before/after training")
    parser.add_argument("--rows", type=int, default=128, help="--lift: training rows")
    parser.add_argument("--epochs", type=float, default=1.0, help="--lift: epochs")
    parser.add_argument("--batch", type=int, default=8, help="--lift: rows per step")
    parser.add_argument("--lr", type=float, default=1e-3, help="--lift: learning rate")
    parser.add_argument("--side", choices=["tracewheel", "plain-trl", "lift"], help=argparse.SUPPRESS)
    parser.add_argument("--shape", choices=list(SHAPES), default="short", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.side:
        import logging
        import warnings

        started = time.monotonic()
        warnings.filterwarnings("ignore")
        logging.disable(logging.WARNING)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import datasets
        import torch

        datasets.disable_progress_bars()
        if args.threads:
            torch.set_num_threads(args.threads)
        with tempfile.TemporaryDirectory(prefix="tracewheel-bench-") as home:
            run = {"tracewheel": run_tracewheel, "plain-trl": run_plain_trl, "lift": run_lift}[args.side]
            print(json.dumps(run(args, Path(home), started)))
        return

    model = args.model or "embedded SmolLM2-135M-Instruct"
    started = time.monotonic()
    if args.lift:
        print(f"Held-out lift: {args.rows} short rows x {args.epochs:g} epochs, batch {args.batch}, lr {args.lr:g}, "
              f"{model}, CPU threads {args.threads or 'default'}", flush=True)  # fmt: skip
        res = _child("lift", args)
        if "error" in res:
            print(f"  failed: {res['error']}")
        else:
            print(_line("tracewheel", {**res, "tokens_per_s": 0.0}))
            print(f"    exact match on 48 held-out notes: base {res['base']:.0%} -> tuned {res['tuned']:.0%} "
                  f"(lift: {100 * (res['tuned'] - res['base']):.0f} points); train {res['runtime_s']:.0f} s, "
                  f"evaluation {res['eval_s']:.0f} s")  # fmt: skip
        print(f"  total wall {time.monotonic() - started:.0f} s")
        return

    print(f"LoRA SFT ({'full' if args.full else 'quick'}), r={LORA['lora_r']} all-linear, {model}, "
          f"CPU threads {args.threads or 'default'}", flush=True)  # fmt: skip
    for shape in args.shapes.split(","):
        spec = SHAPES[shape]
        n = spec["full" if args.full else "quick"]
        print(f"  {shape} rows: {n} rows x 1 epoch, batch {spec['batch']}, lr {spec['lr']:g}", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {"tracewheel": [], "plain TRL": []}
        for i in range(args.repeat):
            # Alternate which side goes first, so a load change on a shared machine hits both alike.
            order = ["tracewheel", "plain-trl"] if i % 2 == 0 else ["plain-trl", "tracewheel"]
            for side in order:
                res = _child(side, args, shape)
                runs["tracewheel" if side == "tracewheel" else "plain TRL"].append(res)
                print(_line("tracewheel" if side == "tracewheel" else "plain TRL", res), flush=True)
        ok = {k: [r for r in v if "error" not in r] for k, v in runs.items()}
        if ok["tracewheel"] and ok["plain TRL"]:
            ours = statistics.median(r["step_s"] for r in ok["tracewheel"])
            plain = statistics.median(r["step_s"] for r in ok["plain TRL"])
            print(
                f"    step time: tracewheel {ours:.2f} s, plain TRL {plain:.2f} s -> {plain / ours:.2f}x faster"
            )
    print(f"  total wall {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
