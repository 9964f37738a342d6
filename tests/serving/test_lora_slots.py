"""Hot-loading into a spare PEFT adapter (``serving/lora_slots.py``) gives exactly what PEFT's own load gives."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tracewheel.serving.engine import GenerationRequest, PeftEngine, SamplingParams
from tracewheel.serving.random_adapter import save_random_adapter
from tracewheel.trainer.model import load_model, load_tokenizer

PROMPTS = ["hello there", "what is the weather like in a city far away from here", "hi"]


def _request(prompt: str, adapter: str | None, max_tokens: int = 8) -> GenerationRequest:
    return GenerationRequest(
        messages=[{"role": "user", "content": prompt}],
        adapter=adapter,
        params=SamplingParams(max_tokens=max_tokens),
    )


def _texts(engine: PeftEngine, requests: list[GenerationRequest]) -> list[str]:
    return [r.choices[0].raw_text for r in engine.generate(requests)]


@pytest.fixture(scope="module")
def more_adapters(tiny_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A smaller rank on fewer layers than the random_adapters (rank 4, q/k/v/o), and a larger rank on more."""
    root = tmp_path_factory.mktemp("slots")
    return {
        "r2qv": save_random_adapter(
            tiny_model_path, root / "r2qv", seed=21, rank=2, targets=("q_proj", "v_proj")
        ),
        "r8all": save_random_adapter(tiny_model_path, root / "r8all", seed=22, rank=8, targets="all-linear"),
    }


@pytest.fixture(scope="module")
def reference(
    tiny_model_path: Path, random_adapters: dict[str, Path], more_adapters: dict[str, Path]
) -> Iterator[PeftEngine]:
    """Every adapter loaded by PEFT, run by PEFT's own mixed-batch forward: what the other engines must match."""
    engine = PeftEngine(
        load_model(tiny_model_path),
        load_tokenizer(tiny_model_path),
        "tiny",
        gathered_lora=False,
        spare_slots=0,
    )
    for name, path in {**random_adapters, **more_adapters}.items():
        assert engine.load_adapter(name, path) == "peft"
    yield engine
    engine.close()


@pytest.fixture(params=[True, False], ids=["gathered", "peft-forward"])
def spare(
    request: pytest.FixtureRequest, tiny_model_path: Path, random_adapters: dict[str, Path]
) -> Iterator[PeftEngine]:
    """An engine with ad0 loaded through PEFT and used, ad1 loaded through PEFT and unloaded: the one spare."""
    engine = PeftEngine(
        load_model(tiny_model_path), load_tokenizer(tiny_model_path), "tiny", gathered_lora=request.param
    )
    assert engine.load_adapter("ad0", random_adapters["ad0"]) == "peft"
    assert engine.load_adapter("ad1", random_adapters["ad1"]) == "peft"
    _texts(engine, [_request("hi", "ad0"), _request("hi", "ad1")])  # the gathered weights are built
    engine.unload_adapter("ad1")
    yield engine
    engine.close()


def test_a_hot_loaded_adapter_gives_pefts_outputs_alone_and_mixed(
    spare: PeftEngine, reference: PeftEngine, random_adapters: dict[str, Path]
) -> None:
    assert spare.load_adapter("ad2", random_adapters["ad2"]) == "slot"
    requests = [_request(p, a) for p in PROMPTS for a in (None, "ad0", "ad2")]
    mixed = _texts(spare, requests)
    assert mixed == _texts(reference, requests)
    assert [_texts(spare, [r])[0] for r in requests if r.adapter == "ad2"] == [
        t for r, t in zip(requests, mixed, strict=True) if r.adapter == "ad2"
    ]
    # the three really differ, so the equality above is not the base model's output three times
    assert len(set(mixed[-3:])) == 3


def test_a_smaller_rank_on_fewer_layers_goes_into_a_slot(
    spare: PeftEngine, reference: PeftEngine, more_adapters: dict[str, Path]
) -> None:
    """Rank 2 on q/v into a rank-4 q/k/v/o slot: zero-padded, the other layers zeroed, its own scaling."""
    assert spare.load_adapter("r2qv", more_adapters["r2qv"]) == "slot"
    requests = [_request(p, a) for p in PROMPTS for a in (None, "ad0", "r2qv")]
    assert _texts(spare, requests) == _texts(reference, requests)


def test_what_does_not_fit_a_slot_goes_through_peft(
    spare: PeftEngine, reference: PeftEngine, more_adapters: dict[str, Path], random_adapters: dict[str, Path]
) -> None:
    assert spare.load_adapter("r8all", more_adapters["r8all"]) == "peft"  # larger rank, more layers
    assert spare.load_adapter("ad2", random_adapters["ad2"]) == "slot"  # the spare is still there
    requests = [_request(p, a) for p in PROMPTS[:2] for a in ("r8all", "ad2", "ad0")]
    assert _texts(spare, requests) == _texts(reference, requests)


def test_replacing_and_reloading_reuse_slots(
    spare: PeftEngine, reference: PeftEngine, random_adapters: dict[str, Path]
) -> None:
    """The same name loaded again swaps in the new weights; what it replaced becomes the next spare."""
    assert spare.load_adapter("x", random_adapters["ad2"]) == "slot"
    assert spare.load_adapter("x", random_adapters["ad1"]) == "peft"  # no spare left: x's old slot is in use
    assert spare.load_adapter("y", random_adapters["ad2"]) == "slot"  # ... and is the spare once replaced
    assert _texts(spare, [_request("hi", "x"), _request("hi", "y")]) == _texts(
        reference, [_request("hi", "ad1"), _request("hi", "ad2")]
    )


def test_a_hot_load_never_takes_the_weights_of_rows_still_generating(
    spare: PeftEngine, reference: PeftEngine, random_adapters: dict[str, Path]
) -> None:
    """An unloaded adapter whose rows still run is not a spare until they finish: its output stays its own."""
    spare.load_adapter("busy", random_adapters["ad2"])  # into the spare
    started = threading.Event()
    future = spare.submit(_request(PROMPTS[1], "busy", max_tokens=24), on_delta=lambda i, t: started.set())
    assert started.wait(60)
    spare.unload_adapter("busy")
    assert spare.load_adapter("new", random_adapters["ad1"]) == "peft"  # busy's modules are still busy
    assert (
        future.result(timeout=60).choices[0].raw_text
        == _texts(reference, [_request(PROMPTS[1], "ad2", max_tokens=24)])[0]
    )
    assert spare.load_adapter("again", random_adapters["ad2"]) == "slot"  # now they are a spare


def test_no_spares_when_turned_off(tiny_model_path: Path, random_adapters: dict[str, Path]) -> None:
    engine = PeftEngine(load_model(tiny_model_path), load_tokenizer(tiny_model_path), "tiny", spare_slots=0)
    try:
        engine.load_adapter("a", random_adapters["ad0"])
        engine.unload_adapter("a")
        assert engine.load_adapter("b", random_adapters["ad1"]) == "peft"
    finally:
        engine.close()
