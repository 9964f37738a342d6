"""Fixtures shared by test folders that have nothing else in common (each folder keeps its own ``conftest``).

Loading this file puts ``tests/`` on ``sys.path`` (pytest's default import mode), so shared helper modules here,
such as ``_tool_specs``, import by bare name from every test folder."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_heldout_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Curate every episode into training rows, as the tests written before the held-out split expect; the split's
    own tests (tests/evals/test_split.py) set these back."""
    monkeypatch.setenv("TRACEWHEEL_CURATOR__HELDOUT_FRACTION", "0")
    monkeypatch.setenv("TRACEWHEEL_CURATOR__HELDOUT_MIN_PER_TASK", "0")


@pytest.fixture
def connection_recorder() -> Iterator[Callable[[list[socket.socket]], list[bytes]]]:
    """Serve listening sockets until the test ends, recording what each connection sends first.

    A connection that sends nothing is recorded as ``b"<connected>"``: reaching the server at all is the finding.
    """
    received: list[bytes] = []
    stop = threading.Event()
    served: list[tuple[socket.socket, threading.Thread]] = []

    def serve(server: socket.socket) -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                received.append(conn.recv(100) or b"<connected>")

    def record(servers: list[socket.socket]) -> list[bytes]:
        for server in servers:
            server.settimeout(0.2)  # so the thread sees `stop` soon after the test
            thread = threading.Thread(target=serve, args=(server,), daemon=True)
            thread.start()
            served.append((server, thread))
        return received

    yield record
    stop.set()
    for server, thread in served:
        thread.join()
        server.close()


@pytest.fixture
def tcp_server(connection_recorder: Callable[[list[socket.socket]], list[bytes]]) -> tuple[int, list[bytes]]:
    """A TCP server on an ephemeral loopback port that records whatever reaches it: (port, received)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server.getsockname()[1], connection_recorder([server])
