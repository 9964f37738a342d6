"""Episodes, adapters and a home for the evals tests.

- ``arithmetic_episode(i, ...)``: an agent run that answers "What is a + b?" directly, with the expected sum, so the
  curator labels it (good when the answer is right) and the held-out split can make it an eval example.
- ``curate_episodes(settings, episodes)``: the real curation run (real Presidio redactor and injection screener).
- ``random_lora(base_path, out_dir, seed)``: a random-init LoRA adapter saved with PEFT (the "tiny adapters").
- ``register_adapter(settings, tenant, path, ...)``: registers it with the trainer's registry.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _curation_fixtures import ListSource, engines
from tracewheel.collector.episode import Episode, Message

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def arithmetic_episode(
    i: int,
    *,
    tenant: str = "acme",
    conversation: str | None = None,
    task: str | None = "arithmetic",
    wrong: bool = False,
) -> Episode:
    a, b = 3 + i, 11 + 2 * i
    answer = a + b + (1 if wrong else 0)
    start = T0 + timedelta(minutes=i)
    trace = f"{i + 1:032x}"
    return Episode(
        episode_id=trace,
        tenant=tenant,
        trace_id=trace,
        started_at=start,
        ended_at=start + timedelta(seconds=2),
        last_received_at=start + timedelta(seconds=2),
        conversation_id=conversation,
        user_task=f"What is {a} + {b}?",
        messages=[
            Message(role="system", content="You add numbers. Reply as: Answer: <number>"),
            Message(role="user", content=f"What is {a} + {b}?"),
            Message(role="assistant", content=f"Answer: {answer}", finish_reason="stop"),
        ],
        final_answer=f"Answer: {answer}",
        task=task,
        expected=str(a + b),
        finish_reasons=["stop"],
    )


def curate_episodes(settings, episodes: list[Episode], tenant: str = "acme"):
    from tracewheel.curator.pipeline import curate

    (result,) = curate(settings.curator, settings.paths, ListSource(episodes), engines(), tenant=tenant)
    return result


def random_lora(base_path: Path, out_dir: Path, seed: int, scale: float = 0.5) -> Path:
    """A LoRA adapter with random A and B (PEFT initializes B to zero, which would change nothing)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base_path), local_files_only=True)
    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():
        for name, param in peft.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, scale)
    peft.save_pretrained(str(out_dir))
    return out_dir


def register_adapter(settings, tenant: str, path: Path, base_model: str, method: str = "sft"):
    from tracewheel.trainer import registry

    record = registry.AdapterRecord(
        adapter_id=registry.new_adapter_id(method),
        tenant=tenant,
        base_model=base_model,
        method=method,
        dataset_versions=[],
        hyperparameters={"random_init": True},
        created_at=datetime.now(UTC),
    )
    return registry.register(
        settings.paths.adapters_dir,
        record,
        lambda tmp: shutil.copytree(path, tmp, dirs_exist_ok=True),
    )
