"""The matrix's answers: /v1/resolve, /v1/matrix, /v1/frameworks, /v1/regions, /v1/instance-types.

Each is the JSON of the matching CLI command, computed by the library and
kept per matrix snapshot as bytes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from compat.catalog import FrameworkInfo, InstanceTypeInfo, RegionInfo
from compat.errors import UsageError
from compat.matrix.schema import MatrixDocument
from compat.query import HTTP_NAMES, Query
from compat.results import Resolution
from compat.service.models import ResolveQuery
from compat.service.problems import problem_responses
from compat.service.query import query_parameters, resolve_query, text_param
from compat.service.routes.common import dump, json_response, matrix_state
from compat.service.state import ANSWER_CACHE_SIZE, Snapshot

router = APIRouter(tags=["matrix"])


@router.get(
    "/v1/resolve",
    response_model=Resolution | list[Resolution],
    summary="Resolve a framework version to its image URI, wheel and instance types",
    description="The same answer as `smddp-compat resolve`: JSON by default, the other "
    "formats with `format=` (uri, env, text, yaml as text/plain; sagemaker as JSON). With "
    "`smddp_version` alone, the reverse lookup: every release that ships it (a list). "
    "Unknown or repeated parameters are a 400 naming the closest known one; `_` "
    "(a cache-buster) is allowed and ignored. Encode a `+` in a version as `%2B`.",
    responses=problem_responses(400, 404, 422),
    openapi_extra={"parameters": query_parameters(ResolveQuery)},
)
async def get_resolve(request: Request) -> Response:
    query = resolve_query(request)  # the one parser, with the service's strict rules
    snap = matrix_state(request).current
    cached = snap.answers.get(query)
    if cached is not None:
        return _answer_response(query, cached)
    from compat.answers import answer

    try:
        value = answer(query, matrix=snap.matrix, names=HTTP_NAMES)
    except UsageError as exc:
        if query.version is not None and _plus_as_space(query.version):
            fix = (
                "a '+' in a URL query string arrives as a space: encode it as %2B "
                f"(version={query.version.replace(' ', '%2B')})"
            )
            exc.hint = f"{fix}; {exc.hint}" if exc.hint else fix
        raise
    if query.format in ("json", "sagemaker"):
        from compat.render.json import to_jsonable

        body = dump(to_jsonable(value))
    else:
        from compat.render import render

        body = (render(value, query.format) + "\n").encode("utf-8")
    return _answer_response(query, _remember(snap, query, body))


def _plus_as_space(version: str) -> bool:
    """Whether ``version`` reads as a ``+local`` version whose ``+`` arrived as a space."""
    release, space, local = version.partition(" ")
    return bool(space) and release[:1].isdigit() and local.replace(".", "").isalnum()


def _answer_response(query: Query, body: bytes) -> Response:
    if query.format in ("json", "sagemaker"):
        return json_response(body)
    return Response(body, media_type="text/plain; charset=utf-8")


def _snapshot_json(attribute: str) -> Callable[[Request], Awaitable[Response]]:
    """A route that answers bytes the matrix snapshot computed when it was loaded.

    Their ETag, Cache-Control and 304 come from the conditional middleware
    (``MATRIX_DERIVED``), as for every answer that depends only on the matrix.
    """

    async def route(request: Request) -> Response:
        body: bytes = getattr(matrix_state(request).current, attribute)
        return json_response(body)

    return route


router.get(
    "/v1/matrix",
    name="get_matrix",
    summary="The whole validated matrix document",
    description="A strong ETag made from the matrix file's SHA-256; If-None-Match answers 304 "
    "(as every answer that depends only on the matrix, compat.service.conditional).",
    response_model=MatrixDocument,
    responses={304: {"description": "Not modified"}},
    openapi_extra={
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "An ETag of an earlier answer: 304 while the matrix is the same",
            }
        ]
    },
)(_snapshot_json("matrix_json"))
router.get(
    "/v1/frameworks",
    name="get_frameworks",
    response_model=list[FrameworkInfo],
    summary="Frameworks, their aliases and versions with smddp",
)(_snapshot_json("frameworks_json"))
router.get(
    "/v1/regions",
    name="get_regions",
    response_model=list[RegionInfo],
    summary="Regions with their partition, DNS suffix and DLC account",
)(_snapshot_json("regions_json"))


@router.get(
    "/v1/instance-types",
    response_model=list[InstanceTypeInfo],
    summary="Instance types and their support per smddp version",
    responses=problem_responses(400, 422),
)
async def get_instance_types(
    request: Request,
    smddp_version: Annotated[
        str | None, text_param("Show the status for this smddp version", "1.7.0")
    ] = None,
) -> Response:
    from compat.service.query import read_parameters

    read_parameters(request, ("smddp_version",))  # a typo is a 400, never the whole list
    snap = matrix_state(request).current
    if smddp_version is None:
        return json_response(snap.instance_types_json)
    from compat.catalog import list_instance_types

    found = list_instance_types(smddp_version, matrix=snap.matrix)
    return json_response(dump([i.to_dict() for i in found]))


def _remember(snap: Snapshot, key: Query, answer: bytes) -> bytes:
    """Keep a resolve answer for this matrix (answers depend only on it and the key)."""
    if len(snap.answers) >= ANSWER_CACHE_SIZE:
        snap.answers.clear()
    snap.answers[key] = answer
    return answer
