"""GET /healthz (the process is alive) and GET /readyz (a validated matrix is loaded)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from compat.service.models import Health, Ready
from compat.service.problems import problem_responses
from compat.service.routes.common import dump, json_response, matrix_state

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Response:
    return json_response(b'{"status":"ok"}')


@router.get(
    "/readyz",
    response_model=Ready,
    summary="A validated matrix is loaded; the last reload's result and time",
    description="Still ready after a failed reload (the old matrix serves on): "
    "`last_reload` says that it failed, when, and why.",
    responses=problem_responses(503),
)
async def readyz(request: Request) -> Response:
    state = matrix_state(request)
    snap = state.current
    return json_response(
        dump(
            {
                "status": "ready",
                "matrix_sha256": snap.sha256,
                "loaded_at": snap.loaded_at,
                "last_reload": state.last_reload,
            }
        )
    )
