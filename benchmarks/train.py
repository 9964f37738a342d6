"""LoRA SFT throughput and memory: tracewheel's trainer against a plain TRL ``SFTTrainer`` script.

    .venv/bin/python -m benchmarks.train [--model M] [--rows 16] [--batch 4] [--lora-r 16] [--threads N]

Both sides train the same model, on the same tool-calling conversations rendered by the same chat template,
with the same LoRA rank/alpha/targets, batch size and number of steps (every row seen once). The plain script
keeps TRL's defaults otherwise (what a user gets from the TRL docs), except bf16 off without a GPU (TRL
defaults it on, which transformers refuses on CPU). Each side runs in its own process, so the
peak RSS printed is that side's alone. Tokens/s counts every token of every row (prompt and answer) over the
``train_runtime`` that transformers reports (model loading excluded on both sides).

If ``trainer/grpo_trainer.py`` is present, it also prints GRPO steps/s on the same model.
The default model is the embedded SmolLM2-135M-Instruct.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def rows(n: int) -> list[dict[str, Any]]:
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
            messages.append(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [{"type": "function", "function": {"name": name, "arguments": args}}],
                }
            )
            messages.append(
                {
                    "role": "tool",
                    "name": name,
                    "content": json.dumps(
                        {"result": [f"item {k} for {other}" for k in range(2 + (i + r) % 6)]}
                    ),
                }
            )
        answer = " ".join(
            f"Day {d}: around {10 + (i + d) % 15} degrees in {other}, pack layers." for d in range(1 + i % 6)
        )
        messages.append({"role": "assistant", "content": answer})
        out.append({"messages": messages, "tools": TOOLS})
    return out


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count_tokens(tokenizer: Any, data: list[dict[str, Any]]) -> int:
    return sum(
        len(
            tokenizer.apply_chat_template(r["messages"], tools=r["tools"], tokenize=True, return_dict=True)[
                "input_ids"
            ]
        )
        for r in data
    )


def _settings(home: Path) -> Any:
    from tracewheel.config import load_settings

    os.environ["TRACEWHEEL_HOME"] = str(home)
    return load_settings()


def _train(
    settings: Any, method: str, rows_kind: str, data: list[dict], config: dict, model: str | None
) -> Any:
    """Writes ``data`` as a dataset version and trains on it with tracewheel's runner; returns the run record."""
    from tracewheel.curator.versions import DatasetRow, write_version
    from tracewheel.trainer.runner import run_training

    manifest = write_version(
        settings.paths.datasets_dir, "bench", [DatasetRow(kind=rows_kind, data=r) for r in data]
    )
    return run_training(settings.trainer, settings.paths, method, "bench", manifest["version"], config, model,
                        progress=False, reviewed_only=False)  # fmt: skip


def _sft_figures(tokens: int, runtime: float) -> dict[str, Any]:
    """One side's SFT figures; tokens/s over transformers' ``train_runtime`` (model loading excluded)."""
    return {
        "tokens": tokens,
        "runtime_s": runtime,
        "tokens_per_s": tokens / runtime,
        "peak_rss_mib": _peak_rss_mib(),
    }


def run_tracewheel(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    from tracewheel.trainer.model import load_tokenizer, resolve_model

    settings = _settings(home)
    data = rows(args.rows)
    config = {
        "max_steps": args.rows // args.batch, "per_device_train_batch_size": args.batch, "lora_r": args.lora_r,
        "lora_alpha": 2 * args.lora_r, "save_steps": 10_000, "max_length": 2048,
    }  # fmt: skip
    record = _train(settings, "sft", "sft", data, config, args.model)
    tokens = _count_tokens(
        load_tokenizer(resolve_model(settings.trainer, settings.paths, args.model).path), data
    )
    return _sft_figures(tokens, record.metrics["train_runtime"])


def run_plain_trl(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    """What the TRL docs show: SFTTrainer on a conversational dataset with a LoraConfig, defaults otherwise."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from tracewheel.trainer.model import resolve_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    path = resolve_model(_settings(home).trainer, _settings(home).paths, args.model).path
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    data = rows(args.rows)
    # Tool schemas and arguments as JSON text, as TRL's docs advise for datasets with tools.
    flat = [
        {
            "messages": [
                {**m, "tool_calls": [{"type": "function", "function": {"name": c["function"]["name"],
                                                                       "arguments": json.dumps(c["function"]["arguments"])}}
                                     for c in m["tool_calls"]]} if m.get("tool_calls") else m
                for m in r["messages"]
            ],
            "tools": json.dumps(r["tools"]),
        }
        for r in data
    ]  # fmt: skip
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(
            output_dir=str(home / "plain-trl"), max_steps=args.rows // args.batch,
            per_device_train_batch_size=args.batch, report_to="none", save_strategy="no", max_length=2048,
            # TRL defaults bf16=True, which transformers refuses on a machine without a GPU; this is the one
            # change the plain script needs to run on CPU at all.
            bf16=torch.cuda.is_available(),
        ),
        train_dataset=Dataset.from_list(flat),
        processing_class=tokenizer,
        peft_config=LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, target_modules="all-linear",
                               lora_dropout=0.05, task_type="CAUSAL_LM"),
    )  # fmt: skip
    result = trainer.train()
    tokens = _count_tokens(tokenizer, data)
    return _sft_figures(tokens, result.metrics["train_runtime"])


def run_grpo(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    settings = _settings(home)
    data = [
        {"prompt": [{"role": "user", "content": f"What is {a} plus {b}? Reply with the number only."}],
         "verifier": {"type": "numeric", "answer": a + b}}
        for a, b in [(3, 4), (2, 5), (10, 6), (8, 7)]
    ]  # fmt: skip
    steps = 2
    config = {"max_steps": steps, "per_device_train_batch_size": 4, "num_generations": 4,
              "max_completion_length": 16, "save_steps": 10_000, "lora_r": args.lora_r}  # fmt: skip
    record = _train(settings, "grpo", "rewards", data, config, args.model)
    runtime = record.metrics["train_runtime"]
    return {
        "steps": steps,
        "runtime_s": runtime,
        "steps_per_s": steps / runtime,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _child(side: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.train", "--side", side, "--rows", str(args.rows), "--batch", str(args.batch),
           "--lora-r", str(args.lora_r)] + (["--model", args.model] if args.model else [])  # fmt: skip
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        return {"error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", default=None, help="HF id in the local cache, local dir; default: embedded"
    )
    parser.add_argument("--rows", type=int, default=16, help="SFT rows; each is seen once")
    parser.add_argument("--batch", type=int, default=4, help="rows per optimizer step")
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--side", choices=["tracewheel", "plain-trl", "grpo"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.side:
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        logging.disable(logging.WARNING)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import datasets
        import torch

        datasets.disable_progress_bars()
        if args.threads:
            torch.set_num_threads(args.threads)
        with tempfile.TemporaryDirectory(prefix="tracewheel-bench-") as home:
            run = {"tracewheel": run_tracewheel, "plain-trl": run_plain_trl, "grpo": run_grpo}[args.side]
            print(json.dumps(run(args, Path(home))))
        return

    print(f"LoRA SFT, {args.rows} rows x 1 epoch, batch {args.batch}, r={args.lora_r}, "
          f"model {args.model or 'embedded SmolLM2-135M-Instruct'}, CPU threads {args.threads or 'default'}")  # fmt: skip
    started = time.monotonic()
    ours = _child("tracewheel", args)
    plain = _child("plain-trl", args)
    for name, res in (("tracewheel", ours), ("plain TRL", plain)):
        if "error" in res:
            print(f"  {name:<11} failed: {res['error']}")
        else:
            print(f"  {name:<11} {res['tokens_per_s']:8.1f} tokens/s  ({res['tokens']} tokens in {res['runtime_s']:.1f} s)"
                  f"  peak RSS {res['peak_rss_mib']:.0f} MiB")  # fmt: skip
    if "error" not in ours and "error" not in plain:
        print(f"  speed-up   {ours['tokens_per_s'] / plain['tokens_per_s']:.2f}x tokens/s (target >= 1.3x), "
              f"peak RSS ratio {ours['peak_rss_mib'] / plain['peak_rss_mib']:.2f}")  # fmt: skip
    if (ROOT / "trainer" / "grpo_trainer.py").exists():
        grpo = _child("grpo", args)
        if "error" in grpo:
            print(f"  GRPO       failed: {grpo['error']}")
        else:
            print(f"  GRPO       {grpo['steps_per_s']:.3f} steps/s  ({grpo['steps']} steps of 1 prompt x 4 completions"
                  f", <=16 tokens, in {grpo['runtime_s']:.1f} s)  peak RSS {grpo['peak_rss_mib']:.0f} MiB")  # fmt: skip
    else:
        print("  GRPO       skipped (trainer/grpo_trainer.py not present)")
    print(f"  total wall {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
