"""GET /v1/snippets: estimator arguments, the pip line and a Dockerfile for one release.

The texts are the CLI's (:mod:`compat.recipes.snippets`); the page's snippet
tabs show them as they come.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from compat.service.problems import problem_responses
from compat.service.query import read_parameters, text_param
from compat.service.routes.common import dump, json_response, matrix_state

router = APIRouter(tags=["matrix"])


@router.get(
    "/v1/snippets",
    summary="Ready-to-copy snippets: estimator arguments, pip line, Dockerfile",
    description="For the release that `/v1/resolve` answers with the same parameters: the "
    "text of `resolve --format sagemaker`, `byoc`'s `pip_install` and `byoc`'s Dockerfile "
    "(`--base dlc` with a region, `--base cuda` without), each with the command that prints "
    "it. A snippet that has no text carries the error, message and hint instead.",
    responses=problem_responses(400, 404, 422),
)
async def get_snippets(
    request: Request,
    framework: Annotated[
        str,
        text_param(
            "pytorch (torch, pt), tensorflow (tf), pytorch-lightning, huggingface", "pytorch"
        ),
    ],
    version: Annotated[
        str, text_param("Exact (1.13.1), prefix (1.13), specifier or latest", "1.13.1")
    ] = "latest",
    region: Annotated[str | None, text_param("AWS region", "us-west-2")] = None,
) -> Response:
    from compat.query import HTTP_NAMES
    from compat.recipes.snippets import snippets

    read_parameters(request, ("framework", "version", "region"))  # a typo is a 400
    found = snippets(
        framework, version, region, matrix=matrix_state(request).current.matrix, names=HTTP_NAMES
    )
    return json_response(dump(found.to_dict()))
