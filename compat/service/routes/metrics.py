"""GET /metrics: the Prometheus text format (see ``compat/service/metrics.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from compat.service.problems import ServiceUnavailableError, problem_responses
from compat.service.routes.common import settings
from compat.service.security import require_token

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics: requests, durations, the matrix served, reloads",
    description="The Prometheus text format. When the server has SMDDP_COMPAT_METRICS_TOKEN, "
    "a scrape needs `Authorization: Bearer <that token>`.",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        **problem_responses(401, 403, 503),
    },
)
async def get_metrics(
    request: Request,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    token = settings(request).metrics_token
    if token is not None:
        require_token(authorization, token, what="reading the metrics")
    metrics = request.app.state.metrics
    if metrics is None:
        raise ServiceUnavailableError(
            "metrics are not available: prometheus-client is not installed",
            hint="install it with: pip install 'smddp-compat[serve]'",
        )
    from compat.service.metrics import CONTENT_TYPE

    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
