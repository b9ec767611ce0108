"""HEAD on every GET route and OPTIONS with ``Allow``, which FastAPI's routes do not answer.

FastAPI registers a GET route for GET alone, so HEAD (what load balancers
and monitors send) was a 405. This ASGI layer answers HEAD by running the GET
route and dropping the body (the headers, ``Content-Length`` included, stay
those of GET), and OPTIONS with ``204`` and the methods the path allows. A
CORS preflight never reaches it: the CORS middleware wraps it and answers first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from compat.service.security import ASGIApp, Message, Receive, Scope, Send

RouteTable = list[tuple[re.Pattern[str], frozenset[str], Any]]


def route_table(routes: Iterable[Any]) -> RouteTable:
    """(path pattern, methods) of every plain route, read once when the app is made.

    Taken from the routers themselves (not walked at request time through the
    app, whose internal route tree differs between FastAPI versions).
    """
    table: RouteTable = []
    for route in routes:
        pattern = getattr(route, "path_regex", None)
        methods = getattr(route, "methods", None)
        if pattern is not None and methods:
            table.append((pattern, frozenset(methods), route))
    return table


def allowed_methods(table: RouteTable, path: str) -> tuple[list[str], Any] | None:
    """The methods answered on ``path`` (HEAD and OPTIONS included) and its first route.

    None when no route has that path.
    """
    methods: set[str] = set()
    first = None
    for pattern, route_methods, route in table:
        if pattern.match(path):
            methods |= route_methods
            first = first or route
    if not methods:
        return None
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return sorted(methods), first


class MethodsMiddleware:
    """HEAD as GET without a body; OPTIONS as 204 with ``Allow``; a 405's ``Allow`` complete.

    A route's own 405 lists only that route's methods (``GET``); the path also
    answers HEAD and OPTIONS here, and maybe other methods on other routes, so
    a 405's ``Allow`` is replaced by :func:`allowed_methods` of the path.
    """

    def __init__(self, app: ASGIApp, routes: RouteTable) -> None:
        self.app = app
        self.routes = routes
        #: Paths whose GET cannot be a 405 (a GET route has exactly that path): no Allow to fix.
        self._gettable = {
            route.path
            for _, methods, route in routes
            if "GET" in methods and "{" not in getattr(route, "path", "{")
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if method not in ("HEAD", "OPTIONS"):
            if method == "GET" and scope["path"] in self._gettable:
                await self.app(scope, receive, send)
            else:
                await self.app(scope, receive, self._complete_allow(scope, send))
            return
        found = allowed_methods(self.routes, scope["path"])
        allowed = found[0] if found else None
        if method == "OPTIONS":
            if found is None:  # no such path: the router's 404 problem
                await self.app(scope, receive, send)
                return
            scope["route"] = found[1]  # the route's template labels the metrics and the log
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [(b"allow", ", ".join(found[0]).encode("ascii"))],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        # HEAD: the GET route's status and headers, never a body (also for 404 and 405).
        get_scope = {**scope, "method": "GET"} if allowed and "GET" in allowed else scope

        async def send_headers_only(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        await self.app(get_scope, receive, self._complete_allow(scope, send_headers_only))
        if "route" in get_scope:  # for the access log and the metrics, outside this layer
            scope["route"] = get_scope["route"]

    def _complete_allow(self, scope: Scope, send: Send) -> Send:
        """``send`` with a 405's ``Allow`` set to every method the path answers."""

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                found = allowed_methods(self.routes, scope["path"])
                if found is not None:
                    headers = [
                        (n, v) for n, v in message.get("headers", []) if n.lower() != b"allow"
                    ]
                    headers.append((b"allow", ", ".join(found[0]).encode("ascii")))
                    message["headers"] = headers
            await send(message)

        return send_allow
