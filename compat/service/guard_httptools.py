"""The guarded httptools protocol: uvicorn's fast parser with the limits of :mod:`.guard`.

A module of its own because it imports httptools, which ``serve`` may lack:
then it refuses to start unless asked for h11 (see ``compat/cli/commands/serve.py``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from compat.service.guard import Guard


class GuardedHttpToolsProtocol(Guard, HttpToolsProtocol):
    """uvicorn's httptools protocol with a connection cap, deadlines and header limits."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard_init()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self._over_connection_limit():
            self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received restated, to tell a header limit from a malformed request.
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
            self._refuse(400, "Invalid HTTP request received.")
            return
        self._count_arrived(len(data))

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begin_request()

    def on_url(self, url: bytes) -> None:
        self._method = self.parser.get_method().decode("latin-1")
        part = url.decode("latin-1")  # httptools may hand the URL over in pieces
        self._target = part if self._target == "-" else (self._target + part)[:2048]
        self._count_header_bytes(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._seen_header(name, value)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._headers_done(self.headers)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_body_timer()
        super().on_message_complete()
