"""POST /v1/admin/reload: load the matrix file again, with the server's token."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from compat.service.models import ReloadAnswer
from compat.service.problems import problem_responses
from compat.service.routes.common import dump, json_response, matrix_state, settings
from compat.service.security import require_token

router = APIRouter(tags=["admin"])


@router.post(
    "/v1/admin/reload",
    response_model=ReloadAnswer,
    summary="Load the matrix file again; swap it in only when all of it is valid",
    description="Needs `Authorization: Bearer <SMDDP_COMPAT_TOKEN>`. A bad file answers "
    "422 listing every problem, and the old matrix keeps serving.",
    responses=problem_responses(401, 403, 422),
)
async def post_reload(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    require_token(authorization, settings(request).token, what="reloading the matrix")
    result = await asyncio.to_thread(matrix_state(request).reload)
    return json_response(dump(result.to_dict()))
