"""The matrix's answers: /v1/resolve, /v1/matrix, /v1/frameworks, /v1/regions, /v1/instance-types.

Each is the JSON of the matching CLI command, computed by the library and
kept per matrix snapshot as bytes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from compat.catalog import FrameworkInfo, InstanceTypeInfo, RegionInfo
from compat.errors import UsageError
from compat.matrix.schema import MatrixDocument
from compat.results import Resolution
from compat.service.models import ResolveQuery
from compat.service.problems import problem_responses
from compat.service.query import query_parameters, read_query, text_param
from compat.service.routes.common import dump, json_response, matrix_state
from compat.service.state import ANSWER_CACHE_SIZE, Snapshot

router = APIRouter(tags=["matrix"])


@router.get(
    "/v1/resolve",
    response_model=Resolution | list[Resolution],
    summary="Resolve a framework version to its image URI, wheel and instance types",
    description="The same JSON as `smddp-compat resolve --format json`. With "
    "`smddp_version`, the reverse lookup: every release that ships it (a list).",
    responses=problem_responses(400, 404, 422),
    # The hottest route reads its query with one model (see compat/service/query.py):
    # FastAPI's per-field validation cost as much as everything else on a cached answer.
    openapi_extra={"parameters": query_parameters(ResolveQuery)},
)
async def get_resolve(request: Request) -> Response:
    query = read_query(ResolveQuery, request)  # strict limits, before any lookup
    framework, version, region, smddp_version = key = (
        query.framework,
        query.version,
        query.region,
        query.smddp_version,
    )
    snap = matrix_state(request).current
    cached = snap.answers.get(key)
    if cached is not None:
        return json_response(cached)
    from compat.resolver import find_by_smddp, resolve

    matrix = snap.matrix
    if smddp_version is not None and version is None:
        found = find_by_smddp(smddp_version, region, framework=framework, matrix=matrix)
        return json_response(_remember(snap, key, dump([r.to_dict() for r in found])))
    if framework is None and smddp_version is not None:
        raise UsageError(
            "version needs framework: which framework's version is it?",
            hint="add framework=, or leave version out for the reverse lookup by smddp_version",
        )
    if framework is None:
        raise UsageError(
            "resolve needs framework (or smddp_version for a reverse lookup)",
            hint="for example /v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2",
        )
    # With both version and smddp_version: the release that matches both, or a 400 naming both.
    res = resolve(
        framework, version or "latest", region, smddp_version=smddp_version, matrix=matrix
    )
    return json_response(_remember(snap, key, dump(res.to_dict())))


@router.get(
    "/v1/matrix",
    summary="The whole validated matrix document",
    description="Cached by ETag (the SHA-256 of the matrix file); If-None-Match answers 304.",
    response_model=MatrixDocument,
    responses={304: {"description": "Not modified"}},
)
async def get_matrix(
    request: Request,
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    snap = matrix_state(request).current
    headers = {"ETag": snap.etag, "Cache-Control": "public, no-cache"}
    if if_none_match is not None and _etag_matches(if_none_match, snap.etag):
        return Response(status_code=304, headers=headers)
    return json_response(snap.matrix_json, headers=headers)


@router.get(
    "/v1/frameworks",
    response_model=list[FrameworkInfo],
    summary="Frameworks, their aliases and versions with smddp",
)
async def get_frameworks(request: Request) -> Response:
    return json_response(matrix_state(request).current.frameworks_json)


@router.get(
    "/v1/regions",
    response_model=list[RegionInfo],
    summary="Regions with their partition, DNS suffix and DLC account",
)
async def get_regions(request: Request) -> Response:
    return json_response(matrix_state(request).current.regions_json)


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
    snap = matrix_state(request).current
    if smddp_version is None:
        return json_response(snap.instance_types_json)
    from compat.catalog import list_instance_types

    found = list_instance_types(smddp_version, matrix=snap.matrix)
    return json_response(dump([i.to_dict() for i in found]))


def _remember(snap: Snapshot, key: tuple[str | None, ...], answer: bytes) -> bytes:
    """Keep a resolve answer for this matrix (answers depend only on it and the key)."""
    if len(snap.answers) >= ANSWER_CACHE_SIZE:
        snap.answers.clear()
    snap.answers[key] = answer
    return answer


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags
