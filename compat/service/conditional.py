"""Strong ETags, Cache-Control and 304 for every answer that depends only on the matrix.

Which routes those are is declared once, in
:data:`compat.service.routes.common.MATRIX_DERIVED` (route template -> whether
the query changes the answer); no route body deals with caching. For a GET
(HEAD arrives here as GET) of such a route, the ETag is computed before the
route runs, from the served matrix's SHA-256, this package's version (the
code shapes the answer too), the route and, where the query matters, the
normalised query. ``If-None-Match`` that names it answers 304 at once (the
route never runs); otherwise a 200 gets the ETag and ``Cache-Control: public,
no-cache`` (a cache may keep the answer and must ask again, which costs a
304, so that a matrix reload is seen at once).

The query is normalised only as far as that keeps the answer the same:
parameters are ordered by their decoded name, and parameters of the same name
keep their order (a repeated parameter may mean something other than its
swap); values are kept as sent. Two queries that differ otherwise get
different tags, which costs a cache miss, never a wrong answer.

A compressed answer's tag gets the coding as a suffix
(:mod:`compat.service.compress`); ``If-None-Match`` matches a tag with or
without that suffix, because both name the same content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from compat._version import __version__
from compat.service.security import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from compat.service.state import MatrixState

CACHE_CONTROL = b"public, no-cache"
_REPLACED = frozenset({b"etag", b"cache-control"})
#: Most tags kept (by matrix, route and raw query), so that a hot answer's tag costs a lookup.
TAG_CACHE_SIZE = 4096
#: Suffixes a compressed representation's tag carries (see compat.service.compress).
CODING_SUFFIXES = ("-br", "-gzip")


def normalised_query(query: bytes) -> bytes:
    """``query`` with its parameters ordered by decoded name (same-name order kept)."""
    if not query:
        return b""
    parts = [p for p in query.split(b"&") if p]
    keyed = [(unquote_plus(p.partition(b"=")[0].decode("latin-1")), p) for p in parts]
    keyed.sort(key=lambda pair: pair[0])  # stable: same-name parameters keep their order
    return b"&".join(p for _, p in keyed)


def etag_for(matrix_sha256: str, route: str, query: bytes = b"") -> str:
    """The strong ETag (quoted) of ``route``'s answer for this matrix and query."""
    digest = hashlib.sha256(
        b"\0".join((__version__.encode(), route.encode(), normalised_query(query)))
    ).hexdigest()
    return f'"{matrix_sha256}.{digest[:16]}"'


def if_none_match_hits(header: str, etag: str) -> str | None:
    """The tag of ``header`` that names ``etag`` (weak comparison, any coding), or None."""
    if header.strip() == "*":
        return etag
    base = etag[1:-1]
    for item in header.split(","):
        tag = item.strip().removeprefix("W/")
        if len(tag) < 2 or tag[0] != '"' or tag[-1] != '"':
            continue
        inner = tag[1:-1]
        if inner == base or any(inner == base + s for s in CODING_SUFFIXES):
            return tag
    return None


class ConditionalMiddleware:
    """ETag, Cache-Control and 304 on the routes declared matrix-derived."""

    def __init__(
        self,
        app: ASGIApp,
        state: MatrixState,
        policies: Mapping[str, bool],
        routes: Iterable[Any],
    ) -> None:
        self.app = app
        self.state = state
        #: path -> (route, whether the query is part of the tag); every template is a plain path.
        self.routes: dict[str, tuple[Any, bool]] = {}
        found = {getattr(r, "path", None): r for r in routes}
        for path, by_query in policies.items():
            if path not in found:
                raise ValueError(f"MATRIX_DERIVED names {path!r}, which is no route of the app")
            self.routes[path] = (found[path], by_query)
        self._tags: dict[tuple[str, str, bytes], str] = {}

    def _etag(self, sha256: str, route: str, query: bytes) -> str:
        key = (sha256, route, query)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) >= TAG_CACHE_SIZE:
                self._tags.clear()
            tag = self._tags[key] = etag_for(sha256, route, query)
        return tag

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self.routes.get(scope.get("path", "")) if scope["type"] == "http" else None
        if entry is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        route, by_query = entry
        snap = self.state.current
        query = scope.get("query_string", b"") if by_query else b""
        etag = self._etag(snap.sha256, route.path, query)
        for name, value in scope.get("headers", ()):
            if name == b"if-none-match":
                hit = if_none_match_hits(value.decode("latin-1"), etag)
                if hit is not None:
                    scope["route"] = route  # labels the access line and the metrics
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 304,
                            "headers": [
                                (b"etag", hit.encode("latin-1")),
                                (b"cache-control", CACHE_CONTROL),
                                (b"vary", b"Accept-Encoding"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
                break

        tag_bytes = etag.encode("latin-1")

        async def send_tagged(message: Message) -> None:
            # Only a 200 from the matrix the tag was made from (a reload may land mid-request).
            if (
                message["type"] == "http.response.start"
                and message["status"] == 200
                and self.state.current is snap
            ):
                # Lower-case names (ASGI); a route's own tag or policy gives way to these.
                headers = [(n, v) for n, v in message.get("headers", []) if n not in _REPLACED]
                headers += [(b"etag", tag_bytes), (b"cache-control", CACHE_CONTROL)]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_tagged)
