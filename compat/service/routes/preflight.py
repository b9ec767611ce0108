"""GET /v1/preflight and POST /v1/explain: the ``preflight`` and ``explain`` commands over HTTP.

The AWS checks of preflight run only on a server started with
``--enable-aws`` and a token, for requests that carry that token; every other
request gets them ``skipped`` with the reason.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from compat.errors import UsageError
from compat.service.models import ExplainRequest, ExplanationModel, PreflightReportModel
from compat.service.problems import (
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
    aws_problem,
    problem_response,
    problem_responses,
    request_id_of,
)
from compat.service.query import read_parameters, text_param
from compat.service.routes.common import JSON_TYPE, dump, json_response, matrix_state, settings
from compat.service.security import (
    MAX_BODY_BYTES,
    MAX_INSTANCE_COUNT,
    MAX_PARAM_LENGTH,
    bearer_token,
    require_token,
    token_matches,
)

router = APIRouter(tags=["preflight"])

#: GET /v1/preflight's parameters, as they are spelled.
PREFLIGHT_PARAMETERS = (
    "framework",
    "version",
    "region",
    "instance_type",
    "instance_count",
    "spot",
    "require_aws",
)


class AwsSession:
    """One boto3 session per app, created on the first request allowed to use AWS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: Any = None

    def get(self) -> Any:
        with self._lock:
            if self._session is None:
                import boto3

                self._session = boto3.session.Session()
            return self._session


@router.get(
    "/v1/preflight",
    response_model=PreflightReportModel,
    summary="Will a training job start? Eligibility always; quotas with --enable-aws",
    description="The same JSON as `smddp-compat preflight --format json`. The quota and "
    "usage checks run only when the server was started with `--enable-aws` and the "
    "request carries `Authorization: Bearer <SMDDP_COMPAT_TOKEN>`; otherwise they are "
    "`skipped` with the reason. A wrong token is refused (403). When AWS cannot be asked "
    "(credentials, permissions, throttling, network: the CLI's exit 6), the answer is a 502 "
    "problem with the CLI's hint and the whole report in `report`.",
    responses=problem_responses(400, 401, 403, 404, 422, 502, 503),
)
def get_preflight(
    request: Request,
    framework: Annotated[
        str,
        text_param(
            "pytorch (torch, pt), tensorflow (tf), pytorch-lightning, huggingface", "pytorch"
        ),
    ],
    region: Annotated[str, text_param("AWS region", "us-west-2")],
    instance_type: Annotated[str, text_param("SageMaker instance type", "ml.p4d.24xlarge")],
    version: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_PARAM_LENGTH,
            description="Exact (1.13.1), prefix (1.13), PEP 440 specifier (>=1.12,<2) or latest",
            examples=["1.13.1"],
        ),
    ] = "latest",
    instance_count: Annotated[
        int, Query(ge=1, le=MAX_INSTANCE_COUNT, description="Number of instances")
    ] = 1,
    spot: Annotated[bool, Query(description="Check the spot quotas")] = False,
    require_aws: Annotated[
        bool,
        Query(description="exit_code 5 when the quota checks did not run (status partial)"),
    ] = False,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    read_parameters(request, PREFLIGHT_PARAMETERS)  # a typo is a 400, never a default
    run_preflight = _library("compat", "preflight", "preflight")
    config = settings(request)
    use_aws, why = _aws_allowed(config.enable_aws, config.token, authorization)
    aws: AwsSession = request.app.state.aws_session
    report = run_preflight(
        framework,
        version,
        region,
        instance_type,
        instance_count,
        spot=spot,
        session=aws.get() if use_aws else None,
        require_aws=require_aws,
        aws_unavailable=None if use_aws else why,
        matrix=matrix_state(request).current.matrix,
    )
    if report.aws_failure() is not None:
        # The CLI exits 6 with the failing check's hint; HTTP says 502 with the same hint.
        status, body = aws_problem(
            report, instance=request.url.path, request_id=request_id_of(request)
        )
        return problem_response(status, body)
    return json_response(dump(report.to_dict()))


@router.post(
    "/v1/explain",
    response_model=ExplanationModel,
    summary="Read a ResourceLimitExceeded message: which quota, how much to ask for",
    description='`{"message": "..."}` as JSON, or the message itself as text/plain. '
    "The same reading as `smddp-compat explain`.",
    responses=problem_responses(400, 404, 413, 415, 422, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                JSON_TYPE: {"schema": ExplainRequest.model_json_schema()},
                "text/plain": {"schema": {"type": "string", "maxLength": MAX_BODY_BYTES}},
            },
        }
    },
)
async def post_explain(request: Request) -> Response:
    run_explain = _library("compat", "explain", "explain")
    message, region = await _explain_input(request)
    found = run_explain(message, region=region, matrix=matrix_state(request).current.matrix)
    return json_response(dump(found.to_dict()))


def _aws_allowed(
    enable_aws: bool, token: str | None, authorization: str | None
) -> tuple[bool, str]:
    """Whether this request may run the AWS checks, and if not, why not.

    A request that carries a token must carry the right one (else 403), so a
    typo is reported instead of silently skipping the checks.
    """
    given = bearer_token(authorization)
    if given is not None and token and not token_matches(given, token):
        require_token(authorization, token, what="the AWS checks")
    if not enable_aws:
        return False, "this server runs without --enable-aws"
    if not token:
        return False, "the server has no SMDDP_COMPAT_TOKEN, so the AWS checks are off"
    if given is None:
        return False, "the AWS checks need 'Authorization: Bearer <token>'"
    return True, ""


def _library(module: str, name: str, feature: str) -> Any:
    """A library function imported on first use, or a 503 when this install lacks it."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ServiceUnavailableError(
            f"{feature} is not available in this installation of smddp-compat",
            hint="upgrade smddp-compat",
        ) from None


async def _explain_input(request: Request) -> tuple[str, str | None]:
    """The message (and optional region) of an explain request, within the size limit."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise PayloadTooLargeError(
            f"the request body is over {MAX_BODY_BYTES} bytes",
            hint="send only the error message, not a whole log",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLargeError(
                f"the request body is over {MAX_BODY_BYTES} bytes",
                hint="send only the error message, not a whole log",
            )
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the request body is not UTF-8 text") from None
    if media == "text/plain":
        if not text.strip():
            raise UsageError("the message is empty", hint="send the ResourceLimitExceeded text")
        return text, None
    if media not in (JSON_TYPE, ""):
        raise UnsupportedMediaTypeError(
            f"cannot read a {media[:60]!r} body",
            hint='send {"message": "..."} as application/json, or the text as text/plain',
        )
    from pydantic import ValidationError

    try:
        parsed = ExplainRequest.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise UsageError(
            f"the request body is not valid: {where}: {first['msg']}",
            hint='send {"message": "<the ResourceLimitExceeded text>"}',
        ) from None
    return parsed.message, parsed.region
