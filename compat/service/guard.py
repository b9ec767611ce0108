"""Limits on slow and greedy clients, in the one place uvicorn has none: the HTTP protocol.

uvicorn bounds concurrency (``limit_concurrency``: a 503 above it) and idle
keep-alive connections (``timeout_keep_alive``), but with its httptools
parser it accepts headers of any size and number, and waits forever for a
client that sends half its headers and stops. :class:`GuardedHttpToolsProtocol`
is uvicorn's httptools protocol (its ``data_received`` restated, to tell a
header limit from a malformed request) with three additions:

- a connection over the concurrency limit is answered 503 and closed at once,
  instead of being held open while it waits for a request;
- the request line and headers must arrive within ``header_timeout`` seconds
  of the connection (or of the request's first byte on a kept-alive one),
  else 408 and close;
- more than ``max_header_bytes`` of request line and headers, or more than
  ``max_headers`` header fields, is answered 431 and closed.

The limits travel to worker processes in one environment variable, because
uvicorn starts workers by pickling its config and re-importing this class.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from compat.service.settings import Limits

_REASONS = {
    408: b"Request Timeout",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}


class _HeaderLimitError(Exception):
    """Raised inside a parser callback to stop parsing a request that broke a header limit."""


def _refusal(status: int, detail: str) -> bytes:
    """A complete problem+json response that closes the connection (no app is involved)."""
    body = json.dumps(
        {
            "type": f"urn:smddp-compat:problem:http-{status}",
            "title": _REASONS[status].decode(),
            "status": status,
            "detail": detail,
            "error": f"http-{status}",
            "message": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status].decode()}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode()
    return head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a connection cap, a header deadline and header limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = Limits.from_env()
        self._header_timer: asyncio.TimerHandle | None = None
        self._reading_headers = True
        self._header_bytes = 0
        self._parsed_bytes = 0
        self._header_count = 0
        self._limit_error: str | None = None

    # -- connection -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.limit_concurrency:
            self._refuse(503, "the server has too many connections; retry shortly")
            return
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        try:
            self._unset_keepalive_if_required()
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # as uvicorn's own data_received does
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            if self._limit_error is not None:  # raised by on_url/on_header below
                self._refuse(431, self._limit_error)
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        if not self._reading_headers or self.transport.is_closing():
            return
        # Still inside a request's headers: count what arrived (a field may be half-way).
        self._header_bytes += len(data)
        if self._header_bytes > self.limits.max_header_bytes:
            self._refuse(431, f"the request headers are over {self.limits.max_header_bytes} bytes")

    # -- parser callbacks ---------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_headers = True
        self._header_bytes = 0
        self._parsed_bytes = 0
        self._header_count = 0
        self._limit_error = None
        self._start_header_timer()

    def on_url(self, url: bytes) -> None:
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            self._limit(f"the request has more than {self.limits.max_headers} header fields")
        self._count_header_bytes(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_headers = False
        self._stop_header_timer()
        super().on_headers_complete()

    # -- helpers ------------------------------------------------------------------------
    def _count_header_bytes(self, size: int) -> None:
        # Bytes of complete fields; data_received also counts a field still arriving.
        self._parsed_bytes += size
        if self._parsed_bytes > self.limits.max_header_bytes:
            self._limit(f"the request headers are over {self.limits.max_header_bytes} bytes")

    def _limit(self, message: str) -> None:
        self._limit_error = message
        raise _HeaderLimitError(message)

    def _start_header_timer(self) -> None:
        if self._header_timer is None and self.limits.header_timeout > 0:
            self._header_timer = self.loop.call_later(
                self.limits.header_timeout, self._header_deadline
            )

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_deadline(self) -> None:
        self._header_timer = None
        if self._reading_headers and not self.transport.is_closing():
            self._refuse(
                408, f"the request headers did not arrive within {self.limits.header_timeout:g} s"
            )

    def _refuse(self, status: int, detail: str) -> None:
        self._stop_header_timer()
        self._reading_headers = False
        if not self.transport.is_closing():
            self.transport.write(_refusal(status, detail))
            self.transport.close()
