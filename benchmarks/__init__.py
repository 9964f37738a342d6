"""Benchmarks: scripts that print figures, run from the repository root as modules.

    .venv/bin/python -m benchmarks.ingest            # collector: spans/s, ack latency, RSS
    .venv/bin/python -m benchmarks.curate            # curator: PII recall/precision, injection screening, episodes/s
    .venv/bin/python -m benchmarks.injection_eval    # injection screening alone, with held-out and cross-domain sets
    .venv/bin/python -m benchmarks.train             # trainer: LoRA SFT tokens/s and peak RSS vs plain TRL; GRPO

Not part of the installed wheel. The labelled sets they read are the JSONL files in ``benchmarks/data/``.
"""
