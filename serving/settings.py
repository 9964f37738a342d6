"""Serving settings (the ``[serving]`` section of the config file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracewheel.core.section import Section


class ServingSettings(Section):
    """The OpenAI-compatible server, its adapter engine, and canaries."""

    # --- server and engine (serving/app.py, serving/engine.py; docs/09-serving.md) -------------------------------
    host: str = Field(default="127.0.0.1", description="Address `tracewheel serve` binds.")
    port: int = Field(
        default=8000, ge=0, le=65535, description="Port `tracewheel serve` binds (0: any free one)."
    )
    backend: Literal["peft", "vllm"] = Field(
        default="peft",
        description="peft: many LoRA adapters on one base in this process (CPU or CUDA); vllm: a vLLM OpenAI server "
        "started as a subprocess, with tenancy, routing, canary and tracing kept in front of it.",
    )
    model: str | None = Field(
        default=None,
        description="Base model to serve (embedded:..., a local directory, a cached hub id); default: the trainer's "
        "default_model.",
    )
    main_model: str = Field(
        default="tracewheel",
        min_length=1,
        description="Model name that routes to the tenant's champion (or its canary candidate, or the base).",
    )
    max_adapters_per_tenant: int = Field(
        default=8,
        ge=1,
        description="Adapters a tenant may have loaded at once; past it the least recently used one that is not the "
        "tenant's champion is unloaded.",
    )
    spare_lora_slots: int = Field(
        default=2,
        ge=0,
        description="Unloaded adapters whose LoRA modules stay in the model so the next adapter of the same shape "
        "hot-loads into them by a copy of its weights (tens of ms) instead of PEFT's load (about 0.6 s); each holds "
        "its memory until reused. 0: every load goes through PEFT.",
    )
    max_batch_size: int = Field(
        default=32, ge=1, description="Most sequences generated together in one batch (all adapters mixed)."
    )
    batch_wait_ms: float = Field(
        default=5.0,
        ge=0.0,
        description="How long the engine waits for more concurrent requests before starting a batch.",
    )
    max_tokens_limit: int = Field(default=2048, ge=1, description="Largest max_tokens a request may ask for.")
    num_threads: int | None = Field(
        default=None, ge=1, description="CPU threads torch may use for generation (default: torch's choice)."
    )
    vllm_command: str = Field(default="vllm", description="The vLLM executable (--backend vllm).")
    vllm_max_loras: int = Field(
        default=8, ge=1, description="vLLM --max-loras: adapters resident on the GPU at once."
    )
    vllm_max_lora_rank: int = Field(default=64, ge=1, description="vLLM --max-lora-rank.")
    vllm_extra_args: list[str] = Field(
        default_factory=list,
        description="More arguments for `vllm serve` (e.g. --gpu-memory-utilization 0.5).",
    )
    vllm_startup_timeout_s: float = Field(
        default=600.0, gt=0.0, description="How long to wait for the vLLM server to answer /health."
    )

    # --- canary (serving/canary.py, serving/sequential.py, serving/canary_monitor.py; docs/11-canary.md) ---------
    canary_share: float = Field(
        default=0.1,
        gt=0.0,
        lt=1.0,
        description="Share of the main model's traffic a new canary sends to its candidate.",
    )
    canary_alpha: float = Field(
        default=0.05,
        gt=0.0,
        lt=0.5,
        description="Error level of the canary's confidence sequence: the chance that its interval ever misses the "
        "true difference between candidate and champion, however often it is checked.",
    )
    canary_margin: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description="Non-inferiority margin on the outcome scale [0, 1]: at the sample or time cap, a candidate is "
        "promoted only if it is shown to be worse than the champion by less than this. Sized to the sample cap: at 5000 "
        "pairs of thumbs the interval is about +-0.045 wide, so an equal candidate passes a 0.05 margin.",
    )
    canary_min_samples: int = Field(
        default=30, ge=1, description="Outcomes each arm needs before the canary decides anything."
    )
    canary_max_samples: int = Field(
        default=5000, ge=1, description="Paired outcomes after which the canary stops with its cap rule."
    )
    canary_max_duration_hours: float = Field(
        default=168.0, gt=0.0, description="Hours after which a canary stops with its cap rule."
    )
    canary_check_seconds: float = Field(
        default=60.0,
        ge=0.0,
        description="How often the server's canary monitor evaluates each tenant's canary; 0 turns it off.",
    )
