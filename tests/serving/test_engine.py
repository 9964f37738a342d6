"""The PEFT engine: mixed-adapter batches, per-row sampling, streaming, adapters loaded and unloaded at run time."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tracewheel.serving.engine import (
    ContextTooLong,
    GenerationRequest,
    PeftEngine,
    SamplingParams,
    UnknownAdapter,
)

PROMPTS = ["hello there", "what is the weather like in a city far away from here", "hi"]


def _request(prompt: str, adapter: str | None = None, **params) -> GenerationRequest:
    params.setdefault("max_tokens", 8)
    return GenerationRequest(
        messages=[{"role": "user", "content": prompt}], adapter=adapter, params=SamplingParams(**params)
    )


@pytest.fixture
def loaded(engine: PeftEngine, random_adapters: dict[str, Path]):
    for name, path in random_adapters.items():
        engine.load_adapter(name, path)
    yield list(random_adapters)
    for name in engine.loaded_adapters():
        engine.unload_adapter(name)


def test_greedy_base_matches_hf_generate(engine: PeftEngine) -> None:
    """The engine's own decoding loop is the same greedy decoding as transformers' ``generate``."""
    tokenizer = engine.tokenizer
    messages = [{"role": "user", "content": PROMPTS[1]}]
    inputs = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
    )
    expected = engine._model.generate(**inputs, max_new_tokens=8, do_sample=False)
    want = tokenizer.decode(expected[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    assert engine.generate([_request(PROMPTS[1])])[0].choices[0].raw_text == want


def test_a_mixed_batch_gives_each_adapter_its_own_output(engine: PeftEngine, loaded: list[str]) -> None:
    requests = [_request(p, a) for p in PROMPTS for a in [None, *loaded]]
    mixed = engine.generate(requests)
    alone = [engine.generate([r])[0] for r in requests]
    assert [m.choices[0].raw_text for m in mixed] == [a.choices[0].raw_text for a in alone]
    # The adapters really differ (random LoRA weights), so equality above is not the base model four times.
    per_adapter = {
        r.adapter: m.choices[0].raw_text
        for r, m in zip(requests, mixed, strict=True)
        if r.messages[0]["content"] == "hi"
    }
    assert len(set(per_adapter.values())) == 4


def test_n_choices_share_one_prefill_and_match_single_requests(engine: PeftEngine, loaded: list[str]) -> None:
    """A request's n choices are decoded from one prefill of its prompt (its KV cache copied to each choice):
    greedy choices equal what the same prompt gives alone, in a batch with other prompts and adapters."""
    batch = [
        _request(PROMPTS[1], loaded[0], n=3),
        _request(PROMPTS[2], None),
        _request(PROMPTS[0], loaded[1], n=2),
    ]
    out = engine.generate(batch)
    for request, result in zip(batch, out, strict=True):
        single = request.model_copy(update={"params": request.params.model_copy(update={"n": 1})})
        want = engine.generate([single])[0].choices[0].raw_text
        assert [c.raw_text for c in result.choices] == [want] * request.params.n


def test_seeded_sampling_is_reproducible_whatever_the_batch(engine: PeftEngine, loaded: list[str]) -> None:
    seeded = _request(PROMPTS[0], loaded[0], temperature=1.0, top_p=0.9, seed=7, n=2, max_tokens=10)
    alone = engine.generate([seeded])[0]
    crowd = engine.generate([_request(PROMPTS[1], temperature=0.7), seeded, _request(PROMPTS[2], loaded[1])])[
        1
    ]
    assert [c.raw_text for c in alone.choices] == [c.raw_text for c in crowd.choices]
    assert alone.choices[0].raw_text != alone.choices[1].raw_text  # n choices are different draws
    other = engine.generate(
        [seeded.model_copy(update={"params": seeded.params.model_copy(update={"seed": 8})})]
    )
    assert other[0].choices[0].raw_text != alone.choices[0].raw_text


def test_per_row_limits_stop_strings_and_usage(engine: PeftEngine, loaded: list[str]) -> None:
    long, short = engine.generate(
        [_request(PROMPTS[0], loaded[1], max_tokens=12), _request(PROMPTS[0], max_tokens=3)]
    )
    assert (long.completion_tokens, long.choices[0].finish_reason) == (12, "length")
    assert (short.completion_tokens, short.choices[0].finish_reason) == (3, "length")
    word = long.choices[0].raw_text.split()[1]
    stopped = engine.generate([_request(PROMPTS[0], loaded[1], max_tokens=12, stop=[word])])[0].choices[0]
    assert stopped.finish_reason == "stop"
    assert stopped.raw_text == long.choices[0].raw_text[: long.choices[0].raw_text.index(word)]
    assert long.prompt_tokens == len(
        engine.tokenizer.apply_chat_template(
            [{"role": "user", "content": PROMPTS[0]}], add_generation_prompt=True, tokenize=True
        )["input_ids"]
    )


def test_streaming_deltas_add_up_to_the_answer(engine: PeftEngine, loaded: list[str]) -> None:
    deltas: dict[tuple[int, int], list[str]] = {}
    futures = []
    for k, adapter in enumerate([None, *loaded]):
        sink = lambda i, text, k=k: deltas.setdefault((k, i), []).append(text)  # noqa: E731
        futures.append(engine.submit(_request(PROMPTS[k % 3], adapter, n=2, max_tokens=6), on_delta=sink))
    for k, future in enumerate(futures):
        result = future.result(timeout=60)
        for i, choice in enumerate(result.choices):
            assert "".join(deltas[(k, i)]) == choice.raw_text
            assert len(deltas[(k, i)]) > 1


def test_named_tool_choice_starts_the_answer_as_that_call(engine: PeftEngine) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    request = _request(PROMPTS[1], max_tokens=4).model_copy(
        update={"tools": [tool], "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    )
    choice = engine.generate([request])[0].choices[0]
    assert choice.raw_text.startswith('<tool_call>\n{"name": "get_weather", "arguments": ')
    assert (
        choice.tool_call_parse_error
    )  # the random model cannot finish it; the error is reported, not hidden


def test_required_tool_choice_with_one_tool_names_that_tool(engine: PeftEngine) -> None:
    weather = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    clock = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    one = _request(PROMPTS[1], max_tokens=4).model_copy(
        update={"tools": [weather], "tool_choice": "required"}
    )
    two = one.model_copy(update={"tools": [weather, clock]})
    only, either = (result.choices[0] for result in engine.generate([one, two]))
    assert only.raw_text.startswith('<tool_call>\n{"name": "get_weather", "arguments": ')
    # with two tools the model picks the name itself
    assert either.raw_text.startswith('<tool_call>\n{"name": "') and not either.raw_text.startswith(
        '<tool_call>\n{"name": "get_weather", "arguments": '
    )


def test_refusals(engine: PeftEngine) -> None:
    with pytest.raises(UnknownAdapter):
        engine.generate([_request("hi", "nope")])
    with pytest.raises(ContextTooLong):
        engine.generate([_request("word " * (engine.max_context + 10))])


def test_unload_while_a_batch_uses_the_adapter(engine: PeftEngine, random_adapters: dict[str, Path]) -> None:
    engine.load_adapter("busy", random_adapters["ad0"])
    started = threading.Event()
    future = engine.submit(_request(PROMPTS[0], "busy", max_tokens=40), on_delta=lambda i, t: started.set())
    assert started.wait(60)
    engine.unload_adapter("busy")  # hidden at once; the weights stay until the batch finishes
    assert "busy" not in engine.loaded_adapters()
    assert future.result(timeout=60).completion_tokens == 40
    with pytest.raises(UnknownAdapter):
        engine.generate([_request("hi", "busy")])
    engine.load_adapter("busy", random_adapters["ad1"])  # the name is free again at once
    assert engine.generate([_request("hi", "busy")])[0].choices
    engine.unload_adapter("busy")


def test_developer_messages_render_as_system(engine: PeftEngine) -> None:
    def prompt_tokens(role: str) -> int:
        messages = [{"role": role, "content": "Answer in French."}, {"role": "user", "content": "hi"}]
        return engine.generate([GenerationRequest(messages=messages, params=SamplingParams(max_tokens=1))])[
            0
        ].prompt_tokens

    assert prompt_tokens("developer") == prompt_tokens("system")
