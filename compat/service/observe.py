"""Request ids, the access log line and the request metrics, in one plain ASGI layer.

Every response carries ``X-Request-ID``: the client's own when it is a sane
token (letters, digits, ``._-``, at most 128), else a fresh one, so that a
request can be followed from a load balancer's log to ours. The id is put
in ``scope["state"]`` for the problem documents, the access line and the
metrics are written once the response has started, labelled by the route's
template (never the raw path).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from compat.service.logs import ACCESS_LOGGER
from compat.service.security import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from compat.service.metrics import Metrics

access_log = logging.getLogger(ACCESS_LOGGER)

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
REQUEST_ID_HEADER = b"x-request-id"
#: The route label of a request that matched no route (a 404): never the raw path.
UNMATCHED = "unmatched"
Templates = tuple[tuple[re.Pattern[str], str], ...]
_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "-"}
)


def new_request_id(given: str | None) -> str:
    """``given`` (a client's X-Request-ID) when it is a sane token, else a new random one."""
    if given is not None and _SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is a sane token, else a new random one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            return new_request_id(value.decode("latin-1"))
    return uuid.uuid4().hex


def route_template(scope: Scope, templates: Templates = ()) -> str:
    """The template of the route that answered, never the raw path.

    FastAPI's own routes put themselves in the scope; plain Starlette routes
    (``/openapi.json``) and a 405 (the path exists, the method does not) do not,
    so they are looked up in ``templates``; ``unmatched`` when no route has the path.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    where = scope.get("path", "")
    for pattern, template in templates:
        if pattern.match(where):
            return template
    return UNMATCHED


def route_templates(routes: Iterable[Any]) -> Templates:
    """(path pattern, template) of every route, read once when the app is made."""
    found: list[tuple[re.Pattern[str], str]] = []
    for route in routes:
        pattern = getattr(route, "path_regex", None)
        path = getattr(route, "path", None)
        if pattern is not None and isinstance(path, str):
            found.append((pattern, path))
    return tuple(found)


def app_metrics(app: Any) -> Metrics | None:
    """The metrics of the app behind ``app`` (uvicorn may wrap it in middleware of its own)."""
    for _ in range(8):
        state = getattr(app, "state", None)
        if state is not None and hasattr(state, "metrics"):
            found: Metrics | None = state.metrics
            return found
        app = getattr(app, "app", None)
        if app is None:
            break
    return None


def record_refusal(
    app: Any,
    *,
    client: tuple[str, int] | None,
    method: str,
    target: str,
    status: int,
    request_id: str,
    seconds: float,
) -> None:
    """Log and count an answer the protocol layer gave without the app (408, 431, 503, 400).

    Its route is ``unmatched``: no route was chosen for it. A method outside HTTP's own
    is labelled ``other`` (h11 accepts any token as a method; a label per token would
    let a scanner grow the series).
    """
    if method not in _METHODS:
        method = "other"
    metrics = app_metrics(app)
    if metrics is not None:
        metrics.observe(UNMATCHED, method, status, seconds)
    if access_log.isEnabledFor(logging.INFO):
        path, _, query = target.partition("?")
        scope = {"client": client, "method": method, "path": path, "query_string": query.encode()}
        _log_access(scope, request_id, UNMATCHED, status, seconds)


class ObserveMiddleware:
    """Request id in, request id out; one access record and one metrics observation per request."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics | None = None, templates: Templates = ()
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id(scope)
        state = scope.get("state")
        if state is None:
            state = scope["state"] = {}
        state["request_id"] = rid
        status = 500
        header = (REQUEST_ID_HEADER, rid.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope, self.templates)
            method = scope["method"]
            if self.metrics is not None:
                self.metrics.observe(route, method, status, seconds)
            if access_log.isEnabledFor(logging.INFO):
                _log_access(scope, rid, route, status, seconds)


def _log_access(scope: Scope, rid: str, route: str, status: int, seconds: float) -> None:
    client = scope.get("client")
    where = f"{client[0]}:{client[1]}" if client else "-"
    query = scope.get("query_string", b"").decode("latin-1")
    target = scope.get("path", "") + (f"?{query}" if query else "")
    access_log.info(
        '%s - "%s %s HTTP/%s" %d %.1fms %s',
        where,
        scope["method"],
        target,
        scope.get("http_version", "1.1"),
        status,
        seconds * 1000,
        rid,
        extra={
            "request_id": rid,
            "client": where,
            "method": scope["method"],
            "path": scope.get("path", ""),
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        },
    )
