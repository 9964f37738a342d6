"""The gathered LoRA forward (one product per layer for a mixed batch) gives exactly PEFT's outputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tracewheel.serving.engine import GenerationRequest, PeftEngine, SamplingParams
from tracewheel.serving.random_adapter import save_random_adapter
from tracewheel.trainer.model import load_model, load_tokenizer

PROMPTS = ["hello there", "what is the weather like in a city far away from here", "hi"]


def _request(prompt: str, adapter: str | None) -> GenerationRequest:
    return GenerationRequest(
        messages=[{"role": "user", "content": prompt}], adapter=adapter, params=SamplingParams(max_tokens=8)
    )


@pytest.fixture(scope="module")
def ranked_adapters(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three adapters of different ranks; one targets only some layers (the others have no columns for it)."""
    root = tmp_path_factory.mktemp("ranked")
    return {
        "r2": save_random_adapter(tiny_model_path, root / "r2", seed=11, rank=2),
        "r8": save_random_adapter(tiny_model_path, root / "r8", seed=12, rank=8, targets="all-linear"),
        "r4qv": save_random_adapter(
            tiny_model_path, root / "r4qv", seed=13, rank=4, targets=("q_proj", "v_proj")
        ),
    }


@pytest.fixture(scope="module")
def engines(
    tiny_model_path: Path, ranked_adapters: dict[str, Path]
) -> Iterator[tuple[PeftEngine, PeftEngine]]:
    tokenizer = load_tokenizer(tiny_model_path)
    gathered = PeftEngine(load_model(tiny_model_path), tokenizer, "tiny-llama")
    peft = PeftEngine(load_model(tiny_model_path), tokenizer, "tiny-llama", gathered_lora=False)
    for engine in (gathered, peft):
        for name, path in ranked_adapters.items():
            engine.load_adapter(name, path)
    yield gathered, peft
    gathered.close()
    peft.close()


def _texts(engine: PeftEngine, requests: list[GenerationRequest]) -> list[str]:
    return [r.choices[0].raw_text for r in engine.generate(requests)]


def test_mixed_batch_matches_peft_and_each_adapter_alone(
    engines: tuple[PeftEngine, PeftEngine], ranked_adapters: dict[str, Path]
) -> None:
    gathered, peft = engines
    requests = [_request(p, a) for p in PROMPTS for a in [None, *ranked_adapters]]
    mixed = _texts(gathered, requests)
    assert gathered._gathered_ok  # the gathered path ran, not PEFT's fallback
    assert mixed == _texts(peft, requests)
    assert mixed == [_texts(gathered, [r])[0] for r in requests]
    assert len({t for r, t in zip(requests, mixed, strict=True) if r.messages[0]["content"] == "hi"}) == 4


def test_after_unload_and_reload(
    engines: tuple[PeftEngine, PeftEngine], ranked_adapters: dict[str, Path]
) -> None:
    gathered, peft = engines
    requests = [_request(PROMPTS[0], a) for a in [None, *ranked_adapters]]
    before = _texts(gathered, requests)
    for engine in engines:
        engine.unload_adapter("r8")
    rest = [r for r in requests if r.adapter != "r8"]
    assert (
        _texts(gathered, rest)
        == _texts(peft, rest)
        == [t for r, t in zip(requests, before, strict=True) if r.adapter != "r8"]
    )
    for engine in engines:
        engine.load_adapter("r8", ranked_adapters["r8"])
    assert _texts(gathered, requests) == _texts(peft, requests) == before
