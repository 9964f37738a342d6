"""A scripted OpenAI-compatible chat-completions server on loopback, for agent-framework tests and captures.

Standard library only, so the same file serves the dev venv's live tests and the throwaway venvs the capture
recorder builds (tests/collector/captures/record.py) without adding a web framework to either.

The script is stateless per request, so a framework that retries or re-sends history gets the same answer: while
the request holds no ``tool`` message the model asks for the scenario's tool calls (one per city, in parallel when
there are several); once tool results are there it gives the final answer. ``stream: true`` is answered with
server-sent events in the OpenAI chunk format (some frameworks always stream). The Responses API
(``/v1/responses``, non-streaming) follows the same script, for SDKs that default to it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Script:
    """What the model says in one scenario: the tool calls it makes first, then its final answer."""

    tool: str
    calls: tuple[dict[str, Any], ...]  # the arguments of each call, in order
    call_ids: tuple[str, ...]
    final_answer: str
    model: str = "fake-gpt"


@dataclass
class FakeLLM:
    """The running server: ``base_url`` for an OpenAI client; ``requests`` holds every request body received."""

    script: Script
    port: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Called as observer(headers, request_body, completion) for each chat request before the answer goes out:
    # tests that play the serving side hang their own spans here.
    observer: Callable[[dict[str, str], dict[str, Any], dict[str, Any]], None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The assistant message (OpenAI shape) and finish reason for one request."""
        messages = body.get("messages") or []
        answered = any(isinstance(m, dict) and m.get("role") == "tool" for m in messages)
        if answered or not body.get("tools"):
            return {"message": {"role": "assistant", "content": self.script.final_answer}, "finish": "stop"}
        calls = [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": self.script.tool, "arguments": json.dumps(args)},
            }
            for call_id, args in zip(self.script.call_ids, self.script.calls, strict=True)
        ]
        return {
            "message": {"role": "assistant", "content": None, "tool_calls": calls},
            "finish": "tool_calls",
        }


def response(fake: FakeLLM, body: dict[str, Any], n: int) -> dict[str, Any]:
    """The same script through the Responses API (``POST /v1/responses``, non-streaming): answered once the
    input holds a ``function_call_output`` item."""
    items = body.get("input") if isinstance(body.get("input"), list) else []
    answered = any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items)
    if answered or not body.get("tools"):
        text = fake.script.final_answer
        output: list[dict[str, Any]] = [
            {
                "type": "message",
                "id": f"msg_{n}",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ]
    else:
        output = [
            {
                "type": "function_call",
                "id": f"fc_{n}_{i}",
                "call_id": call_id,
                "name": fake.script.tool,
                "arguments": json.dumps(args),
                "status": "completed",
            }
            for i, (call_id, args) in enumerate(zip(fake.script.call_ids, fake.script.calls, strict=True))
        ]
    usage = _usage(n)
    return {
        "id": f"resp_{n}",
        "object": "response",
        "created_at": 1_700_000_000 + n,
        "model": fake.script.model,
        "status": "completed",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "text": {"format": {"type": "text"}},
        "truncation": "disabled",
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "output_tokens": usage["completion_tokens"],
            "total_tokens": usage["total_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def _usage(n: int) -> dict[str, int]:
    return {"prompt_tokens": 20 + 10 * n, "completion_tokens": 5 + n, "total_tokens": 25 + 11 * n}


def completion(fake: FakeLLM, body: dict[str, Any], n: int) -> dict[str, Any]:
    answer = fake.answer(body)
    return {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": 1_700_000_000 + n,
        "model": fake.script.model,
        "choices": [
            {"index": 0, "message": answer["message"], "finish_reason": answer["finish"], "logprobs": None}
        ],
        "usage": _usage(n),
    }


def chunks(fake: FakeLLM, body: dict[str, Any], n: int) -> Iterator[dict[str, Any]]:
    """The same answer as ``completion``, as streaming chunks (tool-call arguments split in two)."""
    answer = fake.answer(body)
    base = {"id": f"chatcmpl-{n}", "object": "chat.completion.chunk", "created": 1_700_000_000 + n}
    base["model"] = fake.script.model

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    message = answer["message"]
    if message.get("content"):
        text = message["content"]
        half = len(text) // 2
        yield chunk({"content": text[:half]})
        yield chunk({"content": text[half:]})
    for i, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        head = {"index": i, "id": call["id"], "type": "function"}
        yield chunk(
            {"tool_calls": [{**head, "function": {"name": call["function"]["name"], "arguments": ""}}]}
        )
        half = len(args) // 2
        yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[:half]}}]})
        yield chunk({"tool_calls": [{"index": i, "function": {"arguments": args[half:]}}]})
    yield chunk({}, answer["finish"])
    if (body.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": _usage(n)}


def _handler(fake: FakeLLM, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass  # quiet: the test output is for the test

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(
                    200, {"object": "list", "data": [{"id": fake.script.model, "object": "model"}]}
                )
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send_json(400, {"error": {"message": "body is not JSON"}})
                return
            if self.path.rstrip("/").endswith("/responses") and not body.get("stream"):
                with lock:
                    n = len(fake.requests)
                    fake.requests.append(body)
                self._send_json(200, response(fake, body, n))
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            with lock:
                n = len(fake.requests)
                fake.requests.append(body)
            if fake.observer is not None:
                fake.observer(dict(self.headers.items()), body, completion(fake, body, n))
            if not body.get("stream"):
                self._send_json(200, completion(fake, body, n))
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")  # the body ends when the connection does
            self.end_headers()
            for item in chunks(fake, body, n):
                self.wfile.write(f"data: {json.dumps(item)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def serving(script: Script) -> Iterator[FakeLLM]:
    """Run a ``FakeLLM`` for ``script`` on a free loopback port for the duration of the block."""
    fake = FakeLLM(script)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake, threading.Lock()))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
