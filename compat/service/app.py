"""The FastAPI application: every route a thin call into the library.

``create_app`` builds one app around one :class:`~compat.service.state.MatrixState`.
Answers are the library's ``to_dict()`` JSON; errors are RFC 9457 problem
documents made from the library's typed errors (see ``problems.py``). No
request can produce a 500: malformed parameters are refused before any
lookup, and the catch-all handler exists only so that a bug is logged and
answered without leaking anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from compat._version import __version__
from compat.catalog import FrameworkInfo, InstanceTypeInfo, RegionInfo
from compat.errors import CompatError, UsageError
from compat.matrix.schema import MatrixDocument
from compat.results import Resolution
from compat.service import problems
from compat.service.models import (
    ExplainRequest,
    ExplanationModel,
    Health,
    PreflightReportModel,
    Ready,
    ReloadAnswer,
    ResolveQuery,
)
from compat.service.query import query_parameters, read_query
from compat.service.security import (
    MAX_BODY_BYTES,
    MAX_INSTANCE_COUNT,
    MAX_PARAM_LENGTH,
    SecurityHeadersMiddleware,
    bearer_token,
    require_token,
    token_matches,
)
from compat.service.state import ANSWER_CACHE_SIZE, MatrixState, Snapshot

log = logging.getLogger("compat.service")

TOKEN_ENV = "SMDDP_COMPAT_TOKEN"
ENABLE_AWS_ENV = "SMDDP_COMPAT_ENABLE_AWS"
CORS_ENV = "SMDDP_COMPAT_CORS_ORIGIN"
MATRIX_ENV = "SMDDP_COMPAT_MATRIX"

JSON_TYPE = "application/json"
_STATIC = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}


class PayloadTooLargeError(UsageError):
    """A request body over the service's limit."""

    kind = "too-large"
    http_status = 413


class UnsupportedMediaTypeError(UsageError):
    kind = "unsupported-media-type"
    http_status = 415


class ServiceUnavailableError(CompatError):
    """A part of the service that this installation lacks."""

    kind = "unavailable"
    http_status = 503


def _problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            "model": problems.Problem,
            "content": {problems.PROBLEM_MEDIA_TYPE: {}},
            "description": "An RFC 9457 problem document",
        }
        for code in codes
    }


def _json(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=headers)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _problem(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        problems.encode(body),
        status_code=status,
        media_type=problems.PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _text_param(description: str, example: str) -> Any:
    return Query(
        min_length=1, max_length=MAX_PARAM_LENGTH, description=description, examples=[example]
    )


FrameworkParam = Annotated[
    str,
    _text_param("pytorch (torch, pt), tensorflow (tf), pytorch-lightning, huggingface", "pytorch"),
]
VersionParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_PARAM_LENGTH,
        description="Exact (1.13.1), prefix (1.13), PEP 440 specifier (>=1.12,<2) or latest",
        examples=["1.13.1"],
    ),
]


def create_app(
    matrix_path: str | None = None,
    *,
    enable_aws: bool = False,
    token: str | None = None,
    cors_origin: str | None = None,
) -> FastAPI:
    """The service over the matrix at ``matrix_path`` (default: the shipped one).

    Raises :class:`~compat.errors.MatrixError` when that file is invalid, so a
    server never starts on a bad matrix. ``token`` guards the admin path and,
    with ``enable_aws``, the AWS checks of preflight.
    """
    state = MatrixState(matrix_path)
    token = token or None
    static = {
        name: (resources.files("compat.service") / "static" / name).read_bytes() for name in _STATIC
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _install_sighup(state)
        yield

    app = FastAPI(
        title="smddp-compat",
        version=__version__,
        description="SageMaker smddp compatibility: framework versions, DLC image URIs, "
        "wheel URLs, instance types and quotas.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.matrix = state
    app.add_middleware(SecurityHeadersMiddleware)
    if cors_origin:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=[cors_origin],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    _install_error_handlers(app)

    _health_and_matrix_routes(app, state)
    _preflight_routes(app, state, enable_aws=enable_aws, token=token)
    _admin_routes(app, state, token)
    _page_routes(app, state, static)
    return app


def _health_and_matrix_routes(app: FastAPI, state: MatrixState) -> None:
    # -- liveness -----------------------------------------------------------------
    @app.get("/healthz", response_model=Health, tags=["health"], summary="The process is alive")
    async def healthz() -> Response:
        return _json(b'{"status":"ok"}')

    @app.get(
        "/readyz",
        response_model=Ready,
        tags=["health"],
        summary="A validated matrix is loaded",
        responses=_problem_responses(503),
    )
    async def readyz() -> Response:
        snap = state.current
        return _json(
            _dump({"status": "ready", "matrix_sha256": snap.sha256, "loaded_at": snap.loaded_at})
        )

    # -- the matrix ------------------------------------------------------------------
    @app.get(
        "/v1/resolve",
        response_model=Resolution | list[Resolution],
        tags=["matrix"],
        summary="Resolve a framework version to its image URI, wheel and instance types",
        description="The same JSON as `smddp-compat resolve --format json`. With "
        "`smddp_version`, the reverse lookup: every release that ships it (a list).",
        responses=_problem_responses(400, 404, 422),
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
        snap = state.current
        cached = snap.answers.get(key)
        if cached is not None:
            return _json(cached)
        from compat.resolver import find_by_smddp, resolve

        matrix = snap.matrix
        if smddp_version is not None:
            found = find_by_smddp(smddp_version, region, framework=framework, matrix=matrix)
            return _json(_remember(snap, key, _dump([r.to_dict() for r in found])))
        if framework is None:
            raise UsageError(
                "resolve needs framework (or smddp_version for a reverse lookup)",
                hint="for example /v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2",
            )
        answer = _dump(resolve(framework, version, region, matrix=matrix).to_dict())
        return _json(_remember(snap, key, answer))

    @app.get(
        "/v1/matrix",
        tags=["matrix"],
        summary="The whole validated matrix document",
        description="Cached by ETag (the SHA-256 of the matrix file); If-None-Match answers 304.",
        response_model=MatrixDocument,
        responses={304: {"description": "Not modified"}},
    )
    async def get_matrix(
        if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
    ) -> Response:
        snap = state.current
        headers = {"ETag": snap.etag, "Cache-Control": "public, no-cache"}
        if if_none_match is not None and _etag_matches(if_none_match, snap.etag):
            return Response(status_code=304, headers=headers)
        return _json(snap.matrix_json, headers=headers)

    @app.get(
        "/v1/frameworks",
        response_model=list[FrameworkInfo],
        tags=["matrix"],
        summary="Frameworks, their aliases and versions with smddp",
    )
    async def get_frameworks() -> Response:
        return _json(state.current.frameworks_json)

    @app.get(
        "/v1/regions",
        response_model=list[RegionInfo],
        tags=["matrix"],
        summary="Regions with their partition, DNS suffix and DLC account",
    )
    async def get_regions() -> Response:
        return _json(state.current.regions_json)

    @app.get(
        "/v1/instance-types",
        response_model=list[InstanceTypeInfo],
        tags=["matrix"],
        summary="Instance types and their support per smddp version",
        responses=_problem_responses(400, 422),
    )
    async def get_instance_types(
        smddp_version: Annotated[
            str | None, _text_param("Show the status for this smddp version", "1.7.0")
        ] = None,
    ) -> Response:
        snap = state.current
        if smddp_version is None:
            return _json(snap.instance_types_json)
        from compat.catalog import list_instance_types

        found = list_instance_types(smddp_version, matrix=snap.matrix)
        return _json(_dump([i.to_dict() for i in found]))


def _preflight_routes(
    app: FastAPI, state: MatrixState, *, enable_aws: bool, token: str | None
) -> None:
    # -- preflight and explain ---------------------------------------------------------
    aws_session: list[Any] = []
    session_lock = threading.Lock()

    def session() -> Any:
        with session_lock:
            if not aws_session:
                import boto3

                aws_session.append(boto3.session.Session())
            return aws_session[0]

    @app.get(
        "/v1/preflight",
        response_model=PreflightReportModel,
        tags=["preflight"],
        summary="Will a training job start? Eligibility always; quotas with --enable-aws",
        description="The same JSON as `smddp-compat preflight --format json`. The quota and "
        "usage checks run only when the server was started with `--enable-aws` and the "
        "request carries `Authorization: Bearer <SMDDP_COMPAT_TOKEN>`; otherwise they are "
        "`skipped` with the reason. A wrong token is refused (403).",
        responses=_problem_responses(400, 401, 403, 404, 422, 502, 503),
    )
    def get_preflight(
        framework: FrameworkParam,
        region: Annotated[str, _text_param("AWS region", "us-west-2")],
        instance_type: Annotated[str, _text_param("SageMaker instance type", "ml.p4d.24xlarge")],
        version: VersionParam = "latest",
        instance_count: Annotated[
            int, Query(ge=1, le=MAX_INSTANCE_COUNT, description="Number of instances")
        ] = 1,
        spot: Annotated[bool, Query(description="Check the spot quotas")] = False,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Response:
        run_preflight = _library("compat", "preflight", "preflight")
        use_aws, why = _aws_allowed(enable_aws, token, authorization)
        report = run_preflight(
            framework,
            version,
            region,
            instance_type,
            instance_count,
            spot=spot,
            session=session() if use_aws else None,
            no_aws=not use_aws,
            skip_reason=why,
            matrix=state.current.matrix,
        )
        return _json(_dump(report.to_dict()))

    @app.post(
        "/v1/explain",
        response_model=ExplanationModel,
        tags=["preflight"],
        summary="Read a ResourceLimitExceeded message: which quota, how much to ask for",
        description='`{"message": "..."}` as JSON, or the message itself as text/plain. '
        "The same reading as `smddp-compat explain`.",
        responses=_problem_responses(400, 404, 413, 415, 422, 503),
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
        found = run_explain(message, region=region, matrix=state.current.matrix)
        return _json(_dump(found.to_dict()))


def _admin_routes(app: FastAPI, state: MatrixState, token: str | None) -> None:
    # -- admin -----------------------------------------------------------------------
    @app.post(
        "/v1/admin/reload",
        response_model=ReloadAnswer,
        tags=["admin"],
        summary="Load the matrix file again; swap it in only when all of it is valid",
        description="Needs `Authorization: Bearer <SMDDP_COMPAT_TOKEN>`. A bad file answers "
        "422 listing every problem, and the old matrix keeps serving.",
        responses=_problem_responses(401, 403, 422),
    )
    async def post_reload(
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Response:
        require_token(authorization, token, what="reloading the matrix")
        result = await asyncio.to_thread(state.reload)
        return _json(_dump(result.to_dict()))


def _page_routes(app: FastAPI, state: MatrixState, static: dict[str, bytes]) -> None:
    # -- pages -----------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    async def index(
        region: Annotated[str | None, Query(max_length=MAX_PARAM_LENGTH)] = None,
    ) -> Response:
        from compat.service.page import render_page

        snap = state.current
        key = (region or "").strip().lower()
        cached = snap.pages.get(key)
        if cached is not None:
            return Response(cached, media_type="text/html; charset=utf-8")
        if key:
            try:
                snap.matrix.region(key)
            except CompatError as exc:
                page = render_page(snap, None, error=f"{exc.message}. {exc.hint or ''}")
                return Response(page, status_code=404, media_type="text/html; charset=utf-8")
        page = render_page(snap, key or None)
        snap.pages[key] = page
        return Response(page, media_type="text/html; charset=utf-8")

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: Annotated[str, Path(max_length=40)]) -> Response:
        if name not in static:
            raise StarletteHTTPException(404)
        return Response(
            static[name], media_type=_STATIC[name], headers={"Cache-Control": "public, max-age=300"}
        )

    docs_page: list[bytes] = []

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        if not docs_page:
            from compat.service.docs import render_docs

            docs_page.append(render_docs(app.openapi()))
        return Response(docs_page[0], media_type="text/html; charset=utf-8")


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


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CompatError)
    async def library_error(request: Request, exc: CompatError) -> Response:
        status, body = problems.from_error(exc, instance=request.url.path)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _problem(status, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"][1:] or first["loc"])
        body = problems.problem_body(
            "invalid-request",
            422,
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            instance=request.url.path,
            hint="see /docs for the parameters and their limits",
            errors=errors,
        )
        return _problem(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "no-such-endpoint", 405: "method-not-allowed"}.get(exc.status_code, "http")
        message = {
            404: f"there is no endpoint {request.url.path[:200]}",
            405: f"{request.method} is not allowed on {request.url.path[:200]}",
        }.get(exc.status_code, str(exc.detail))
        body = problems.problem_body(
            kind, exc.status_code, message, instance=request.url.path, hint="see /docs"
        )
        return _problem(exc.status_code, body, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        status, body = problems.unexpected(exc, instance=request.url.path)
        return _problem(status, body)


def _install_sighup(state: MatrixState) -> None:
    """SIGHUP reloads the matrix (single-process servers; uvicorn's supervisor has its own)."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()

    def reload_in_background() -> None:
        def reload() -> None:
            # A bad file is logged by state.reload with every problem; the old matrix serves on.
            with contextlib.suppress(CompatError):
                state.reload()

        loop.run_in_executor(None, reload)

    try:
        loop.add_signal_handler(signal.SIGHUP, reload_in_background)
    except (NotImplementedError, RuntimeError, ValueError):
        log.warning("SIGHUP reload is not available here; use POST /v1/admin/reload")


def app_from_env() -> FastAPI:
    """The app configured from the environment: the factory uvicorn's workers call."""
    return create_app(
        os.environ.get(MATRIX_ENV) or None,
        enable_aws=os.environ.get(ENABLE_AWS_ENV, "") not in ("", "0"),
        token=os.environ.get(TOKEN_ENV) or None,
        cors_origin=os.environ.get(CORS_ENV) or None,
    )
