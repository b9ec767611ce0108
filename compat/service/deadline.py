"""A deadline for request bodies: a client that sends its body too slowly gets a 408.

uvicorn waits for a body as long as bytes keep coming. This layer gives the
whole body ``seconds`` from the app's first read: past that, the read raises
:class:`RequestTimeoutError`, which the problem handlers answer 408 (with the
request id, logged and counted like every answer), and the connection is
closed after it. Requests whose body nobody reads pay nothing; a body still
arriving after its answer went out is cut off by the protocol layer
(:mod:`compat.service.guard`).
"""

from __future__ import annotations

import asyncio

from compat.errors import UsageError
from compat.service.security import ASGIApp, Message, Receive, Scope, Send

#: Methods whose requests this service never reads a body of (no route reads one).
_BODILESS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestTimeoutError(UsageError):
    """A request body that did not arrive in time."""

    kind = "request-timeout"
    http_status = 408


class BodyDeadlineMiddleware:
    """Bounds the time the app waits for a request's body (``seconds`` <= 0: no bound)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0 or scope["method"] in _BODILESS:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        body_done = False
        timed_out = False

        async def receive_in_time() -> Message:
            nonlocal deadline, body_done, timed_out
            if body_done:  # later reads wait for a disconnect: no deadline
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.seconds
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                timed_out = True
                raise RequestTimeoutError(
                    f"the request body did not arrive within {self.seconds:g} s",
                    hint="send the whole body at once; it is at most a few kilobytes",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def send_closing(message: Message) -> None:
            if timed_out and message["type"] == "http.response.start":
                # The rest of the body may still be on its way: do not read it as a request.
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            await send(message)

        await self.app(scope, receive_in_time, send_closing)
