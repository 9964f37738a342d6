"""LoRA GRPO on verifiable rewards, through TRL's ``GRPOTrainer``.

Rows are curator ``rewards`` rows: ``{"prompt": [messages], "verifier": {...}, "tools"?: [...]}``. The reward is
``tracewheel.core.verifiers.verifier_reward``, a plain function that TRL feeds the dataset's ``verifier`` column (TRL
passes every extra column to reward functions as a keyword argument). Specs travel through the dataset as JSON
text, the form the reward function reads; prompts keep their messages as they are (``curator.export.rows_dataset``).

Before the trainer is built, every distinct verifier is probed with the prompt it is used with
(``trainer.verifier_probes.assert_verifiers_sound``); a gameable verifier stops the run with a ``TracewheelError``
naming it, the probe and the reward it gave.

Prompts stay conversational (TRL applies the chat template) unless a row offers tools: TRL renders every prompt
with one trainer-wide tool list, so then each prompt is rendered here with its own tools and handed over as text;
the model's tool calls then come back as ``<tool_call>`` text, which the tool_call verifier reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tracewheel.curator.export import rows_dataset
from tracewheel.trainer.grpo_config import GRPOMethodConfig
from tracewheel.trainer.lora_trainer import peft_config
from tracewheel.trainer.verifier_probes import assert_verifiers_sound

from tracewheel.core.errors import TracewheelError
from tracewheel.core.verifiers import validate_spec, verifier_reward

KIND = "rewards"
CONFIG_CLASS = GRPOMethodConfig


def reward_dataset_rows(rows: list[dict[str, Any]], tokenizer: Any) -> list[dict[str, Any]]:
    """``{"prompt", "verifier"}`` rows for TRL: specs checked and serialized, prompts rendered when rows have tools."""
    out = []
    with_tools = any(row.get("tools") for row in rows)
    for i, row in enumerate(rows):
        if "verifier" not in row:
            raise TracewheelError(f"rewards row {i} has no verifier (has {', '.join(sorted(row))})")
        try:
            spec = validate_spec(row["verifier"])
        except (ValueError, TypeError) as exc:
            raise TracewheelError(f"rewards row {i} has a bad verifier: {exc}") from exc
        prompt = row["prompt"]
        if not isinstance(prompt, list) or not prompt:
            raise TracewheelError(f"rewards row {i}: `prompt` must be a non-empty list of messages")
        if with_tools:
            try:
                prompt = tokenizer.apply_chat_template(
                    prompt,
                    tools=row.get("tools") or None,
                    add_generation_prompt=True,
                    tokenize=False,
                )
            except Exception as exc:  # jinja errors from malformed messages: name the row
                raise TracewheelError(
                    f"rewards row {i} cannot be rendered by the chat template: {exc}"
                ) from exc
        out.append({"prompt": prompt, "verifier": json.dumps(spec, sort_keys=True)})
    return out


def build_trainer(
    model: Any, tokenizer: Any, rows: list[dict[str, Any]], config: GRPOMethodConfig, output_dir: Path
) -> Any:
    from trl import GRPOConfig, GRPOTrainer

    dataset_rows = reward_dataset_rows(rows, tokenizer)
    # The integrity gate: a gameable verifier must never reach the optimizer.
    assert_verifiers_sound([json.loads(r["verifier"]) for r in dataset_rows], [r["prompt"] for r in rows])
    kwargs = {
        "num_generations": config.num_generations,
        "max_completion_length": config.max_completion_length,
        "temperature": config.temperature,
        "top_p": config.top_p,
        "beta": config.beta,
        "loss_type": config.loss_type,
        "scale_rewards": config.scale_rewards,
        "remove_unused_columns": False,  # the reward function reads the `verifier` column
        "log_completions": False,
        **config.trl_kwargs(output_dir, bf16=str(model.dtype) == "torch.bfloat16"),
    }
    # The runner turns the KV cache off in the model config for training; sampling must still use it, or every new
    # token recomputes the whole sequence.
    kwargs["generation_kwargs"] = {"use_cache": True, **(kwargs.get("generation_kwargs") or {})}
    args = GRPOConfig(**kwargs)
    return GRPOTrainer(
        model=model,
        reward_funcs=verifier_reward,
        args=args,
        train_dataset=rows_dataset(dataset_rows),
        processing_class=tokenizer,
        peft_config=peft_config(model, config),
    )
