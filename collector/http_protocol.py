"""uvicorn's httptools protocol plus a request-header deadline (slow-header, "slowloris", clients).

uvicorn has no timeout on receiving request headers (encode/uvicorn#157 is still open): ``timeout_keep_alive``
only covers the idle gap between requests and is cancelled by the first byte of the next one, and ASGI code only
runs once the headers are complete. So a client that sends a partial request line or headers and then trickles,
or stops, holds its connection forever; 500 of them hold 500 file descriptors and count against
``limit_concurrency``.

The smallest fix is here: a timer armed when a connection opens and when each next request begins, cancelled when
that request's headers are complete; when it fires the connection is closed. The body has its own deadline in the
receiver (``body_timeout_s``, answered with 408).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_s, self._header_deadline_passed)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _header_deadline_passed(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            logger.info(
                "closing a connection from %s: request headers not complete within %.1fs",
                self.client,
                self.header_timeout_s,
            )
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)


def protocol_with_header_timeout(header_timeout_s: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s})
