"""Limits on slow and greedy clients, in the one place uvicorn has none: the HTTP protocol.

uvicorn bounds concurrency (``limit_concurrency``) and idle keep-alive
connections (``timeout_keep_alive``), but with its httptools parser it accepts
headers of any size and number, and it waits forever for a client that sends
half its headers, or a body byte by byte, and stops. Each of uvicorn's two
protocols has a guarded subclass here, :class:`GuardedHttpToolsProtocol`
(httptools) and :class:`GuardedH11Protocol` (h11, the pure-Python fallback),
with the same limits:

- a connection over the concurrency limit is answered 503 (with
  ``Retry-After``) and closed at once, instead of being held open while it
  waits for a request; uvicorn's own 503 is turned off, because it answers
  outside the app (no request id, no access line, no metrics);
- the request line and headers must arrive within ``header_timeout`` seconds
  of the connection (or of the request's first byte on a kept-alive one),
  else 408 and close;
- more than ``max_header_bytes`` of request line and headers, or more than
  ``max_headers`` header fields, is answered 431 and closed;
- a request body must arrive within ``body_timeout`` seconds of its headers:
  while the app reads it, :mod:`compat.service.deadline` answers 408 through
  the app; a body that nobody reads (the answer went out already) and that is
  still arriving then gets its connection closed here.

A refusal never reaches the app, so it is written here whole (a problem
document with ``X-Request-ID`` and the security headers), logged as an access
line and counted in ``smddp_compat_http_requests_total`` by
:func:`compat.service.observe.record_refusal`. The limits travel to worker
processes in one environment variable, because uvicorn starts workers by
pickling its config and re-importing these classes.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from compat.service.observe import REQUEST_ID_HEADER, new_request_id, record_refusal
from compat.service.security import SECURITY_HEADERS
from compat.service.settings import Limits

#: Seconds a client refused for too many connections is asked to wait.
RETRY_AFTER_SECONDS = 2

_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}
_KINDS = {400: "bad-request", 408: "request-timeout", 431: "headers-too-large", 503: "busy"}


class HeaderLimitError(Exception):
    """Raised inside a parser callback to stop parsing a request that broke a header limit."""


def refusal(status: int, detail: str, request_id: str) -> bytes:
    """A complete problem+json response that closes the connection (no app is involved)."""
    kind = _KINDS[status]
    body = json.dumps(
        {
            "type": f"urn:smddp-compat:problem:{kind}",
            "title": _REASONS[status],
            "status": status,
            "detail": detail,
            "error": kind,
            "message": detail,
            "request_id": request_id,
        }
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        "content-type: application/problem+json",
        f"content-length: {len(body)}",
        "connection: close",
        f"x-request-id: {request_id}",
        *(f"{name.decode()}: {value.decode()}" for name, value in SECURITY_HEADERS),
    ]
    if status == 503:
        lines.append(f"retry-after: {RETRY_AFTER_SECONDS}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        lower = name.lower()
        if lower == b"transfer-encoding" or (lower == b"content-length" and value.strip() != b"0"):
            return True
    return False


class Guard:
    """What both guarded protocols share: the limits, the timers and the refusal.

    Mixed in before uvicorn's protocol class, whose attributes (``transport``,
    ``loop``, ``app``, ``client``, ``cycle``, ``connections``) it uses.
    """

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    app: Any
    client: tuple[str, int] | None
    cycle: Any
    connections: set[Any]
    limit_concurrency: int | None

    def _guard_init(self) -> None:
        self.limits = Limits.from_env()
        # Ours refuses at connect (below); uvicorn's answers outside the app, unseen.
        self.limit_concurrency = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._reading_headers = True
        self._header_bytes = 0
        self._parsed_bytes = 0
        self._header_count = 0
        self._limit_error: str | None = None
        self._request_started = time.perf_counter()
        self._method = "-"
        self._target = "-"
        self._client_request_id: str | None = None

    # -- request bookkeeping ------------------------------------------------------------
    def _begin_request(self) -> None:
        self._reading_headers = True
        self._header_bytes = 0
        self._parsed_bytes = 0
        self._header_count = 0
        self._limit_error = None
        self._request_started = time.perf_counter()
        self._method = "-"
        self._target = "-"
        self._client_request_id = None
        self._stop_body_timer()
        self._start_header_timer()

    def _headers_done(self, headers: list[tuple[bytes, bytes]]) -> None:
        self._reading_headers = False
        self._stop_header_timer()
        if _has_body(headers) and self.limits.body_timeout > 0:
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_deadline)

    def _seen_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if name.lower() == REQUEST_ID_HEADER:
            self._client_request_id = value.decode("latin-1")
        if self._header_count > self.limits.max_headers:
            self._limit(f"the request has more than {self.limits.max_headers} header fields")
        self._count_header_bytes(len(name) + len(value) + 4)

    def _count_header_bytes(self, size: int) -> None:
        # Bytes of complete fields; data_received also counts a field still arriving.
        self._parsed_bytes += size
        if self._parsed_bytes > self.limits.max_header_bytes:
            self._limit(f"the request headers are over {self.limits.max_header_bytes} bytes")

    def _count_arrived(self, size: int) -> None:
        """Bytes received while still inside a request's headers (a field may be half-way)."""
        if not self._reading_headers or self.transport.is_closing():
            return
        self._header_bytes += size
        if self._header_bytes > self.limits.max_header_bytes:
            self._refuse(431, f"the request headers are over {self.limits.max_header_bytes} bytes")

    def _limit(self, message: str) -> None:
        self._limit_error = message
        raise HeaderLimitError(message)

    # -- timers -------------------------------------------------------------------------
    def _start_header_timer(self) -> None:
        if self._header_timer is None and self.limits.header_timeout > 0:
            self._header_timer = self.loop.call_later(
                self.limits.header_timeout, self._header_deadline
            )

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _stop_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _stop_timers(self) -> None:
        self._stop_header_timer()
        self._stop_body_timer()

    def _header_deadline(self) -> None:
        self._header_timer = None
        if self._reading_headers and not self.transport.is_closing():
            self._refuse(
                408, f"the request headers did not arrive within {self.limits.header_timeout:g} s"
            )

    def _body_deadline(self) -> None:
        """The body is late: the app answers 408 while it reads; an unread body is cut off."""
        self._body_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self.transport.close()
        else:  # the app is reading it (compat.service.deadline answers) or has yet to
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_deadline)

    # -- refusing ------------------------------------------------------------------------
    def _refuse(self, status: int, detail: str) -> None:
        """Answer ``status`` without the app, close, and log and count it like any answer."""
        self._stop_timers()
        self._reading_headers = False
        if self.transport.is_closing():
            return
        rid = new_request_id(self._client_request_id)
        self.transport.write(refusal(status, detail, rid))
        self.transport.close()
        record_refusal(
            self.app,
            client=self.client,
            method=self._method,
            target=self._target,
            status=status,
            request_id=rid,
            seconds=time.perf_counter() - self._request_started,
        )

    def _over_connection_limit(self) -> bool:
        if len(self.connections) > self.limits.limit_concurrency:
            self._refuse(503, "the server has too many connections; retry shortly")
            return True
        return False


class GuardedH11Protocol(Guard, H11Protocol):
    """uvicorn's h11 protocol with the same connection cap, deadlines and header limits.

    h11 hands over a request only once all of its headers have arrived, so the
    header limits are checked on that event (by wrapping the connection's
    ``next_event``), and the bytes of headers still arriving are counted as they come
    (h11's own size limit, which would answer 400, is set above ours by ``serve``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard_init()
        self._reading_headers = False
        self._next_event = self.conn.next_event
        self.conn.next_event = self._checked_next_event  # type: ignore[method-assign]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self._over_connection_limit():
            self._begin_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self._reading_headers and self.conn.their_state is h11.IDLE:
            self._begin_request()  # the first bytes of the next request on a kept-alive one
        super().data_received(data)
        if self._reading_headers and self.conn.their_state is h11.IDLE:
            self._count_arrived(len(data))

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)

    def _checked_next_event(self) -> Any:
        event = self._next_event()
        if isinstance(event, h11.Request):
            self._method = event.method.decode("latin-1")
            self._target = event.target[:2048].decode("latin-1")
            headers = list(event.headers)
            try:
                self._count_header_bytes(len(event.target))
                for name, value in headers:
                    self._seen_header(name, value)
            except HeaderLimitError as exc:
                # Refused here, not as a protocol error (uvicorn would log it as malformed);
                # PAUSED makes uvicorn's event loop stop reading the closed connection.
                self._refuse(431, str(exc))
                return h11.PAUSED
            self._headers_done(headers)
        elif isinstance(event, h11.EndOfMessage):
            self._stop_body_timer()
        return event
