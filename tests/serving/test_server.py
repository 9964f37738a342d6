"""The OpenAI-compatible server, driven by the official ``openai`` client over real HTTP on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from _serving_harness import new_tenant, register_adapter, running_server, serving_home
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tracewheel.serving.app import create_app
from tracewheel.serving.engine import PeftEngine
from tracewheel.serving.peft_backend import PeftBackend

from tracewheel.config import Settings

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
HELLO = [{"role": "user", "content": "hello there"}]


@dataclass
class Served:
    url: str
    app: Any
    settings: Settings
    spans: InMemorySpanExporter
    acme: openai.OpenAI
    globex: openai.OpenAI
    acme_key: str
    champion: str  # acme's champion adapter id
    candidate: str  # another acme adapter
    foreign: str  # globex's adapter id


@pytest.fixture(scope="module")
def served(
    engine: PeftEngine, random_adapters: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    settings = serving_home(tmp_path_factory.mktemp("served"), max_adapters_per_tenant=2)
    acme_key, globex_key = new_tenant(settings, "acme"), new_tenant(settings, "globex")
    champion = register_adapter(settings, "acme", random_adapters["ad0"], champion=True)
    candidate = register_adapter(settings, "acme", random_adapters["ad1"])
    foreign = register_adapter(settings, "globex", random_adapters["ad2"])
    spans = InMemorySpanExporter()
    app = create_app(settings, backend=PeftBackend(engine), span_exporter=spans)
    with running_server(app) as url:
        yield Served(
            url=url,
            app=app,
            settings=settings,
            spans=spans,
            acme=openai.OpenAI(base_url=url, api_key=acme_key, max_retries=0),
            globex=openai.OpenAI(base_url=url, api_key=globex_key, max_retries=0),
            acme_key=acme_key,
            champion=champion,
            candidate=candidate,
            foreign=foreign,
        )


def test_chat_non_streaming_and_streaming_agree(served: Served) -> None:
    kwargs = {"model": "tiny-llama", "messages": HELLO, "max_tokens": 8, "temperature": 0}
    done = served.acme.chat.completions.create(**kwargs)
    assert done.model == "tiny-llama"
    assert done.choices[0].finish_reason == "length"
    assert done.usage.completion_tokens == 8 and done.usage.prompt_tokens > 0
    assert done.usage.total_tokens == done.usage.prompt_tokens + 8
    stream = served.acme.chat.completions.create(
        **kwargs, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == done.choices[0].message.content
    )
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].usage.completion_tokens == 8


def test_n_choices_and_seed_reproducibility(served: Served) -> None:
    kwargs = {"model": served.champion, "messages": HELLO, "max_tokens": 8, "temperature": 1.0, "n": 3}
    first = served.acme.chat.completions.create(**kwargs, seed=11)
    again = served.acme.chat.completions.create(**kwargs, seed=11)
    other = served.acme.chat.completions.create(**kwargs, seed=12)
    texts = [c.message.content for c in first.choices]
    assert [c.index for c in first.choices] == [0, 1, 2]
    assert texts == [c.message.content for c in again.choices]
    assert texts != [c.message.content for c in other.choices]
    assert len(set(texts)) > 1
    assert first.usage.completion_tokens == 24


def test_tools_are_rendered_and_a_named_tool_choice_starts_a_call(served: Served) -> None:
    plain = served.acme.chat.completions.create(
        model="tiny-llama", messages=HELLO, max_tokens=2, temperature=0
    )
    named = served.acme.chat.completions.create(
        model="tiny-llama",
        messages=HELLO,
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=4,
        temperature=0,
    )
    assert named.usage.prompt_tokens > plain.usage.prompt_tokens + 50  # the tool signatures are in the prompt
    # The random model cannot finish the forced call: no tool_calls, no markup leaking into content.
    assert named.choices[0].message.tool_calls is None
    assert "<tool_call>" not in (named.choices[0].message.content or "")


def test_models_lists_base_alias_and_own_adapters_with_parent(served: Served) -> None:
    acme = {m.id: m for m in served.acme.models.list().data}
    assert {"tiny-llama", "tracewheel", served.champion, served.candidate} <= set(acme)
    assert served.foreign not in acme
    assert acme[served.champion].model_extra["parent"] == "tiny-llama"
    assert acme["tracewheel"].model_extra["root"] == served.champion
    globex = {m.id for m in served.globex.models.list().data}
    assert served.foreign in globex and served.champion not in globex


def test_tenant_isolation(served: Served) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        served.globex.chat.completions.create(model=served.champion, messages=HELLO, max_tokens=2)
    assert caught.value.body["code"] == "model_not_found"
    foreign_dir = served.settings.paths.adapters_dir / "globex" / served.foreign
    for lora_path in (served.foreign, str(foreign_dir), "/etc", "../globex/" + served.foreign):
        response = httpx.post(
            f"{served.url}/load_lora_adapter",
            json={"lora_name": "stolen", "lora_path": lora_path},
            headers={"authorization": f"Bearer {served.acme_key}"},
        )
        assert response.status_code == 404, lora_path
        assert response.json()["error"]["param"] == "lora_path"


def test_load_and_unload_at_run_time(served: Served) -> None:
    headers = {"authorization": f"Bearer {served.acme_key}"}
    body = {"lora_name": "support-v2", "lora_path": served.candidate}
    response = httpx.post(f"{served.url}/load_lora_adapter", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert "support-v2" in {m.id for m in served.acme.models.list().data}
    by_name = served.acme.chat.completions.create(
        model="support-v2", messages=HELLO, max_tokens=6, temperature=0
    )
    by_id = served.acme.chat.completions.create(
        model=served.candidate, messages=HELLO, max_tokens=6, temperature=0
    )
    base = served.acme.chat.completions.create(
        model="tiny-llama", messages=HELLO, max_tokens=6, temperature=0
    )
    assert (
        by_name.choices[0].message.content
        == by_id.choices[0].message.content
        != base.choices[0].message.content
    )
    response = httpx.post(
        f"{served.url}/unload_lora_adapter", json={"lora_name": "support-v2"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert "support-v2" not in {m.id for m in served.acme.models.list().data}
    with pytest.raises(openai.NotFoundError):
        served.acme.chat.completions.create(model="support-v2", messages=HELLO, max_tokens=2)
    response = httpx.post(
        f"{served.url}/unload_lora_adapter", json={"lora_name": "support-v2"}, headers=headers
    )
    assert response.status_code == 404


def test_bad_input_gets_openai_errors_and_the_server_keeps_serving(served: Served) -> None:
    headers = {"authorization": f"Bearer {served.acme_key}", "content-type": "application/json"}
    url = f"{served.url}/chat/completions"
    cases = [
        (b"{not json", 400, None),
        (
            json.dumps({"model": "tiny-llama", "messages": HELLO, "temperature": 5}).encode(),
            400,
            "temperature",
        ),
        (json.dumps({"model": "tiny-llama", "messages": []}).encode(), 400, "messages"),
        (
            json.dumps({"model": "tiny-llama", "messages": [{"role": "wizard", "content": "x"}]}).encode(),
            400,
            None,
        ),
        (
            json.dumps({"model": "tiny-llama", "messages": HELLO, "tool_choice": "required"}).encode(),
            400,
            None,
        ),
        (json.dumps({"model": "gpt-17", "messages": HELLO}).encode(), 404, "model"),
        (
            json.dumps(
                {"model": "tiny-llama", "messages": [{"role": "user", "content": "go " * 3000}]}
            ).encode(),
            400,
            "messages",
        ),
    ]
    for payload, status, param in cases:
        response = httpx.post(url, content=payload, headers=headers)
        assert response.status_code == status, (payload[:60], response.text)
        error = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"]
        if param:
            assert (error["param"] or "").startswith(param), error
    assert httpx.post(url, json={"model": "tiny-llama", "messages": HELLO}).status_code == 401
    assert httpx.post(url, json={}, headers={"authorization": "Bearer tw_wrong"}).status_code == 401
    assert httpx.get(f"{served.url.removesuffix('/v1')}/healthz").json()["status"] == "ok"
    with pytest.raises(openai.BadRequestError) as caught:
        served.acme.chat.completions.create(
            model="tiny-llama", messages=[{"role": "user", "content": "go " * 3000}]
        )
    assert caught.value.code == "context_length_exceeded"
    assert served.acme.chat.completions.create(model="tiny-llama", messages=HELLO, max_tokens=2).choices


def test_main_alias_routes_to_the_champion(served: Served) -> None:
    kwargs = {"messages": HELLO, "max_tokens": 6, "temperature": 0}
    alias = served.acme.chat.completions.create(model="tracewheel", **kwargs)
    champion = served.acme.chat.completions.create(model=served.champion, **kwargs)
    assert alias.model == "tracewheel"
    assert alias.choices[0].message.content == champion.choices[0].message.content
    globex = served.globex.chat.completions.create(model="tracewheel", **kwargs)  # no champion: the base
    base = served.globex.chat.completions.create(model="tiny-llama", **kwargs)
    assert globex.choices[0].message.content == base.choices[0].message.content


def test_lru_eviction_never_evicts_the_champion(served: Served, random_adapters: dict[str, Path]) -> None:
    """acme may have 2 adapters loaded; its champion stays while the others come and go.

    The candidate's second load goes into the modules an evicted adapter left (a spare): it answers as before.
    """
    pool = served.app.state.services.pool
    extra = [register_adapter(served.settings, "acme", random_adapters["ad2"]) for _ in range(2)]
    served.acme.chat.completions.create(model=served.champion, messages=HELLO, max_tokens=1)
    answers = []
    for adapter_id in [served.candidate, *extra, served.candidate]:
        answer = served.acme.chat.completions.create(
            model=adapter_id, messages=HELLO, max_tokens=6, temperature=0
        )
        if adapter_id == served.candidate:
            answers.append(answer.choices[0].message.content)
        loaded = pool.loaded("acme")
        assert len(loaded) == 2 and served.champion in loaded and adapter_id in loaded
    assert answers[0] == answers[1]


def test_traceparent_joins_the_clients_trace(served: Served) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    served.spans.clear()
    client = served.acme.with_options(default_headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    client.chat.completions.create(
        model="tracewheel",
        messages=[{"role": "system", "content": "Be brief."}, *HELLO],
        tools=[WEATHER],
        max_tokens=3,
        user="u-1",
    )
    list(served.acme.chat.completions.create(model="tiny-llama", messages=HELLO, max_tokens=3, stream=True))
    joined, streamed = served.spans.get_finished_spans()
    assert format(joined.context.trace_id, "032x") == trace_id
    assert format(joined.parent.span_id, "016x") == parent_id
    assert joined.kind == SpanKind.SERVER and joined.name == "chat tracewheel"
    attrs = joined.attributes
    assert attrs["gen_ai.operation.name"] == "chat" and attrs["gen_ai.provider.name"] == "tracewheel"
    assert attrs["tracewheel.adapter"] == served.champion and attrs["tracewheel.tenant"] == "acme"
    assert attrs["tracewheel.canary"] is False
    assert attrs["gen_ai.usage.output_tokens"] == 3 and attrs["gen_ai.response.finish_reasons"] == ("length",)
    assert json.loads(attrs["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hello there"}]}
    ]
    assert json.loads(attrs["gen_ai.system_instructions"]) == [{"type": "text", "content": "Be brief."}]
    assert json.loads(attrs["gen_ai.tool.definitions"])[0]["name"] == "get_weather"
    assert json.loads(attrs["gen_ai.output.messages"])[0]["role"] == "assistant"
    assert streamed.parent is None and streamed.attributes["tracewheel.adapter"] == "base"
    assert streamed.attributes["gen_ai.usage.output_tokens"] == 3


def test_a_failure_mid_stream_ends_the_stream_with_an_error(tiny_model_path: Path, tmp_path: Path) -> None:
    """The engine shuts down while a stream is running: an error event, then [DONE]; never a hang."""
    from tracewheel.trainer.model import load_model, load_tokenizer

    settings = serving_home(tmp_path)
    key = new_tenant(settings, "acme")
    engine = PeftEngine(load_model(tiny_model_path), load_tokenizer(tiny_model_path), "tiny-llama")
    with running_server(create_app(settings, backend=PeftBackend(engine))) as url:
        body = {"model": "tiny-llama", "messages": HELLO, "max_tokens": 1500, "stream": True}
        lines = []
        with httpx.stream(
            "POST",
            f"{url}/chat/completions",
            json=body,
            headers={"authorization": f"Bearer {key}"},
            timeout=60,
        ) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line:
                    lines.append(line)
                if len(lines) == 3:
                    engine.close()
    assert lines[-1] == "data: [DONE]"
    error = json.loads(lines[-2].removeprefix("data: "))["error"]
    assert error["code"] == "engine_closed" and error["message"]


def test_the_server_answers_while_it_generates(served: Served) -> None:
    """Generation runs in the engine's worker thread: health checks and listings are not queued behind it."""
    import threading
    import time

    done = threading.Event()

    def long_request() -> None:
        served.acme.chat.completions.create(
            model="tiny-llama", messages=HELLO, max_tokens=600, extra_body={"ignore_eos": True}
        )
        done.set()

    worker = threading.Thread(target=long_request)
    worker.start()
    time.sleep(0.1)
    start = time.monotonic()
    assert httpx.get(f"{served.url.removesuffix('/v1')}/healthz").status_code == 200
    assert served.acme.models.list().data
    assert time.monotonic() - start < 5 and not done.is_set()
    worker.join(timeout=120)
