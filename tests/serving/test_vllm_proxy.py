"""The vLLM backend's real path, with ``serving/vllm_standin.py`` (a STAND-IN for vLLM: no GPU here) as the process.

tracewheel starts the stand-in with vLLM's command line, waits for ``/health``, loads adapters through
``/v1/load_lora_adapter`` and proxies chat completions; tenancy, routing and the server's errors stay in front.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import httpx
import openai
import pytest
from _serving_harness import new_tenant, register_adapter, running_server, serving_home
from tracewheel.serving.app import create_app
from tracewheel.serving.vllm_backend import vllm_command_line

HELLO = [{"role": "user", "content": "hello there"}]


@pytest.fixture(scope="module")
def proxied(
    tiny_model_path: Path, random_adapters: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
):
    settings = serving_home(
        tmp_path_factory.mktemp("vllm"),
        backend="vllm",
        model=str(tiny_model_path),
        vllm_command=f"{sys.executable} -m tracewheel.serving.vllm_standin",
        vllm_startup_timeout_s=120,
    )
    keys = {"acme": new_tenant(settings, "acme"), "globex": new_tenant(settings, "globex")}
    adapter = register_adapter(settings, "acme", random_adapters["ad1"], champion=True)
    app = create_app(settings)
    with running_server(app) as url:
        yield app, url, keys, adapter


def _client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key=key, max_retries=0)


def test_command_line_is_vllms(tiny_model_path: Path, tmp_path: Path) -> None:
    settings = serving_home(tmp_path, vllm_extra_args='["--gpu-memory-utilization", "0.5"]')
    cmd = vllm_command_line(settings.serving, "/models/base", "base", 9000)
    assert cmd[:3] == ["vllm", "serve", "/models/base"]
    for flag, value in [("--max-loras", "8"), ("--max-lora-rank", "64"), ("--tool-call-parser", "hermes")]:
        assert cmd[cmd.index(flag) + 1] == value
    assert "--enable-lora" in cmd and "--enable-auto-tool-choice" in cmd
    assert cmd[-2:] == ["--gpu-memory-utilization", "0.5"]


def test_proxied_chat_stream_adapters_and_tenancy(proxied) -> None:
    app, url, keys, adapter = proxied
    acme, globex = _client(url, keys["acme"]), _client(url, keys["globex"])
    base_name = app.state.services.backend.base_model
    kwargs = {"messages": HELLO, "max_tokens": 6, "temperature": 0}
    base = acme.chat.completions.create(model=base_name, **kwargs)
    via_alias = acme.chat.completions.create(
        model="tracewheel", **kwargs
    )  # acme's champion, loaded into "vLLM"
    assert via_alias.model == "tracewheel" and base.model == base_name
    assert via_alias.choices[0].message.content != base.choices[0].message.content
    assert app.state.services.backend.loaded_adapters() == [f"acme--{adapter}"]
    streamed = acme.chat.completions.create(model=adapter, stream=True, **kwargs)
    text = "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)
    assert text == via_alias.choices[0].message.content
    listed = {m.id: m for m in acme.models.list().data}
    assert listed[adapter].model_extra["parent"] == base_name
    with pytest.raises(openai.NotFoundError):
        globex.chat.completions.create(model=adapter, **kwargs)
    with pytest.raises(openai.BadRequestError) as caught:  # vLLM's (here: the stand-in's) refusal, passed on
        acme.chat.completions.create(model=base_name, messages=[{"role": "user", "content": "go " * 3000}])
    assert "context" in caught.value.message


def test_the_vllm_process_dying_mid_stream_ends_the_stream_with_an_error(proxied) -> None:
    app, url, keys, _ = proxied
    process = app.state.services.backend._process.process
    body = {
        "model": app.state.services.backend.base_model,
        "messages": HELLO,
        "max_tokens": 1500,
        "stream": True,
    }
    lines = []
    with httpx.stream(
        "POST",
        f"{url}/chat/completions",
        json=body,
        headers={"authorization": f"Bearer {keys['acme']}"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line:
                lines.append(line)
            if len(lines) == 3:
                process.send_signal(signal.SIGKILL)
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2].removeprefix("data: "))["error"]["code"] == "backend_unavailable"
    after = httpx.post(
        f"{url}/chat/completions",
        json={**body, "stream": False},
        headers={"authorization": f"Bearer {keys['acme']}"},
    )
    assert after.status_code == 502 and after.json()["error"]["code"] == "backend_unavailable"
