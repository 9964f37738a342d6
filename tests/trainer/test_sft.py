"""trainer/sft_trainer.py + sft_config.py: assistant-only LoRA SFT on tool-calling conversations."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from _trainer_fixtures import SFT_ROWS, write_dataset
from safetensors.torch import load_file
from tracewheel.trainer.model import load_model, load_tokenizer
from tracewheel.trainer.runner import run_training
from tracewheel.trainer.sft_config import SFTMethodConfig
from tracewheel.trainer.sft_trainer import (
    build_trainer,
    label_positions_loss,
    short_uniform_rows,
    tokenize_rows,
)

from tracewheel.core.errors import TracewheelError


def test_tokenized_rows_learn_assistant_turns_only(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    [item] = tokenize_rows(SFT_ROWS[:1], tokenizer, SFTMethodConfig())
    learned = tokenizer.decode(
        [t for t, m in zip(item["input_ids"], item["assistant_masks"], strict=True) if m]
    )
    assert learned.count("<|im_end|>") == 2  # both assistant turns, each with its end-of-turn token
    assert '"arguments": {"city": "Paris"}' in learned and "It is 18 degrees" in learned
    assert "temp_c" not in learned and "get the weather" not in learned.lower()
    cut = tokenize_rows(SFT_ROWS[:1], tokenizer, SFTMethodConfig(max_length=len(item["input_ids"]) - 5))[0]
    assert len(cut["input_ids"]) == len(cut["assistant_masks"]) == len(item["input_ids"]) - 5


def test_rows_without_assistant_turns_are_refused(tiny_model_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    with pytest.raises(TracewheelError, match="no sft row has an assistant turn"):
        tokenize_rows([{"messages": [{"role": "user", "content": "hi"}]}], tokenizer, SFTMethodConfig())
    # Cut before the first assistant token: nothing left to learn either.
    with pytest.raises(TracewheelError, match="no sft row has an assistant turn"):
        tokenize_rows(SFT_ROWS, tokenizer, SFTMethodConfig(max_length=16))


def test_trainer_labels_mask_everything_but_assistant_tokens(tiny_model_path: Path, tmp_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    trainer = build_trainer(
        load_model(tiny_model_path), tokenizer, SFT_ROWS, SFTMethodConfig(max_steps=1), tmp_path
    )
    example = trainer.train_dataset[0]
    labelled = [t for t, lab in zip(example["input_ids"], example["labels"], strict=True) if lab != -100]
    assert tokenizer.decode(labelled).startswith("\n<tool_call>")
    assert "<tool_response>" not in tokenizer.decode(labelled)
    # On CPU, short rows of even length: padded batches of the configured size, grouped by length.
    assert trainer.args.per_device_train_batch_size == 4 and trainer.args.gradient_accumulation_steps == 1
    assert trainer.args.bf16 is False and trainer.args.gradient_checkpointing is False


def test_uneven_or_long_rows_run_one_row_per_micro_batch(tiny_model_path: Path, tmp_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model_path)
    long_row = {
        **SFT_ROWS[0],
        "messages": SFT_ROWS[0]["messages"] * 3,
    }  # three times as long: padding would dominate
    trainer = build_trainer(
        load_model(tiny_model_path), tokenizer, [*SFT_ROWS, long_row], SFTMethodConfig(max_steps=1), tmp_path
    )
    assert trainer.args.per_device_train_batch_size == 1 and trainer.args.gradient_accumulation_steps == 4
    config = SFTMethodConfig()
    assert short_uniform_rows([100, 104, 98, 101], config)
    assert not short_uniform_rows([100, 104, 98, 160], config)  # nearly 40 % padding
    assert not short_uniform_rows([600, 600, 600, 600], config)  # long rows fill the matmuls alone
    assert not short_uniform_rows([100, 100], SFTMethodConfig(per_device_train_batch_size=1))


def test_sft_run_trains_lora_and_registers_candidate(trainer_home, tiny_model_path: Path) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS})
    record = run_training(trainer_home.trainer, trainer_home.paths, "sft", "acme", version, {"max_steps": 3, "learning_rate": 1e-2}, str(tiny_model_path),
        progress=False,
    )  # fmt: skip
    assert record.method == "sft" and record.status == "candidate" and record.dataset_versions == [version]
    assert record.metrics["global_step"] == 3 and record.metrics["rows"] == len(SFT_ROWS)
    assert record.metrics["final_loss"] < record.metrics["first_loss"]  # lr 1e-2 on six rows: it must learn
    assert record.hyperparameters["lora_r"] == 16 and record.hyperparameters["assistant_only_loss"] is True
    weights = load_file(Path(record.path) / "adapter_model.safetensors")
    lora_b = [w for name, w in weights.items() if "lora_B" in name]
    assert lora_b and any(torch.count_nonzero(w) > 0 for w in lora_b)  # B starts at zero; training moved it


@pytest.mark.slow
def test_sft_on_the_embedded_model(trainer_home) -> None:
    version = write_dataset(trainer_home, "acme", {"sft": SFT_ROWS[:2]})
    record = run_training(trainer_home.trainer, trainer_home.paths, "sft", "acme", version, {"max_steps": 1, "per_device_train_batch_size": 2, "lora_r": 4},
        progress=False,
    )  # fmt: skip
    assert record.base_model == "embedded:smollm2-135m-instruct"
    assert 0 < record.metrics["final_loss"] < 8  # a trained model on its own chat format, not a random one


def test_packed_padding_free_batches_equal_row_by_row_loss(tiny_model_path: Path, tmp_path: Path) -> None:
    """The GPU default (packing, padding-free) must not let packed rows attend to each other."""
    tokenizer = load_tokenizer(tiny_model_path)
    config = SFTMethodConfig(packing=True, per_device_train_batch_size=1, lora_dropout=0.0, max_steps=1)
    trainer = build_trainer(load_model(tiny_model_path), tokenizer, SFT_ROWS[:3], config, tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["input_ids"].shape[0] == 1 and "attention_mask" not in batch
    assert int((batch["position_ids"][0] == 0).sum()) == 3  # three rows in one unpadded sequence
    model = trainer.model.eval()
    with torch.no_grad():
        packed = model(**{k: v for k, v in batch.items() if k in ("input_ids", "position_ids", "labels")},
                       use_cache=False).loss  # fmt: skip
        total, count = 0.0, 0
        for item in tokenize_rows(SFT_ROWS[:3], tokenizer, config):
            ids = torch.tensor([item["input_ids"]])
            labels = torch.where(torch.tensor([item["assistant_masks"]]) == 1, ids, -100)
            n = int((labels[0, 1:] != -100).sum())
            total += float(model(input_ids=ids, labels=labels, use_cache=False).loss) * n
            count += n
    assert abs(float(packed) - total / count) < 1e-4


@pytest.mark.parametrize("row_microbatches", [False, True])
def test_loss_on_label_positions_equals_the_full_logits_loss(
    tiny_model_path: Path, tmp_path: Path, row_microbatches: bool
) -> None:
    """The LM head runs only where a label is set; loss and LoRA gradients stay those of the full-logits loss."""
    tokenizer = load_tokenizer(tiny_model_path)
    config = SFTMethodConfig(
        per_device_train_batch_size=3, row_microbatches=row_microbatches, lora_dropout=0.0, max_steps=1
    )
    trainer = build_trainer(load_model(tiny_model_path), tokenizer, SFT_ROWS[:3], config, tmp_path)
    batch = next(iter(trainer.get_train_dataloader()))
    model = trainer.model.eval()
    for p in model.parameters():
        if p.requires_grad:
            torch.nn.init.normal_(p, std=0.02)  # non-zero B, so gradients reach every LoRA matrix
    n_items = int((batch["labels"][:, 1:] != -100).sum())

    def loss_and_grads(fn) -> tuple[float, list[torch.Tensor]]:
        model.zero_grad()
        loss = fn()
        loss.backward()
        return float(loss), [p.grad.clone() for p in model.parameters() if p.requires_grad]

    full = loss_and_grads(lambda: model(**batch, use_cache=False).loss)
    lean = loss_and_grads(lambda: label_positions_loss(model, batch))
    summed = loss_and_grads(lambda: label_positions_loss(model, batch, torch.tensor(n_items)))
    assert abs(full[0] - lean[0]) < 1e-5 and abs(full[0] - summed[0]) < 1e-5
    for a, b in zip(full[1], lean[1], strict=True):
        assert torch.allclose(a, b, atol=1e-6)
