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
