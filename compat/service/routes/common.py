"""What every route module shares: JSON responses and the app's state, typed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import Response

if TYPE_CHECKING:
    from compat.service.settings import Settings
    from compat.service.state import MatrixState

JSON_TYPE = "application/json"

#: The routes whose answer depends only on the matrix (and this code): route template ->
#: whether the query changes the answer. compat.service.conditional gives each a strong
#: ETag, Cache-Control and 304 on If-None-Match; a route added here needs nothing else.
MATRIX_DERIVED: dict[str, bool] = {
    "/v1/resolve": True,
    "/v1/snippets": True,
    "/v1/frameworks": False,
    "/v1/regions": False,
    "/v1/instance-types": True,
    "/v1/matrix": False,
    "/": True,
    "/openapi.json": False,
}


def json_response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Bytes already encoded as JSON (answers are cached as bytes, never re-validated)."""
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=headers)


def dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def matrix_state(request: Request) -> MatrixState:
    """The app's matrix (``state.current`` is read once per request by the caller)."""
    state: MatrixState = request.app.state.matrix
    return state


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found
