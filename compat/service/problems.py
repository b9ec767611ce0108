"""RFC 9457 problem documents: the service's errors, and how every error becomes one.

Each :class:`~compat.errors.CompatError` class already has a ``kind`` (the
problem type) and an ``http_status``; the body carries the same fields as the
CLI's ``--format json`` error (``error``, ``message``, ``hint``, ``choices``)
next to RFC 9457's ``type``, ``title``, ``status`` and ``detail``. The few
errors only a web server has (a body too large, a media type it cannot read,
a feature this install lacks) are declared here, in the library's hierarchy,
so that the same handler maps them.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from compat.errors import CompatError, UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    from compat.aws.report import PreflightReport

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:smddp-compat:problem:"
log = logging.getLogger("compat.service")

#: Statuses that are never the answer to a request: the service maps them away.
_SERVER_FAULT = 500


class PayloadTooLargeError(UsageError):
    """A request body over the service's limit."""

    kind = "too-large"
    http_status = 413


class UnsupportedMediaTypeError(UsageError):
    """A request body in a media type the endpoint does not read."""

    kind = "unsupported-media-type"
    http_status = 415


class ServiceUnavailableError(CompatError):
    """A part of the service that this installation lacks."""

    kind = "unavailable"
    http_status = 503


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document, as every error response of the service carries.

    Named apart from :class:`compat.matrix.rules.MatrixProblem` (a finding in a
    matrix file), which it is not.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    title: str
    status: int
    detail: str
    error: str
    message: str
    hint: str | None = None
    choices: list[str] | None = None
    problems: list[str] | None = None
    instance: str | None = None
    #: The request's X-Request-ID (echoed or generated), as in the logs.
    request_id: str | None = None


def _title(kind: str) -> str:
    return kind.replace("-", " ").capitalize()


def problem_body(
    kind: str,
    status: int,
    message: str,
    *,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind,
        "title": _title(kind),
        "status": status,
        "detail": message,
        "error": kind,
        "message": message,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def status_for(exc: CompatError, *, default: int | None = None) -> int:
    """The HTTP status for ``exc``: its class's ``http_status`` (a bad matrix: 422)."""
    if default is not None:
        return default
    status = exc.http_status
    return 503 if status == _SERVER_FAULT else status


def from_error(
    exc: CompatError,
    *,
    instance: str | None = None,
    status: int | None = None,
    request_id: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """(status, body) of the problem document for a library error."""
    code = status_for(exc, default=status)
    data = exc.to_dict()
    body = problem_body(exc.kind, code, exc.message, instance=instance, request_id=request_id)
    body.update({k: v for k, v in data.items() if k not in ("error", "message")})
    return code, body


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def unexpected(
    exc: BaseException, *, instance: str | None = None, request_id: str | None = None
) -> tuple[int, dict[str, Any]]:
    """A generic 500 for a bug: logged with its traceback, nothing of it in the response."""
    log.error(
        "unexpected error on %s (request %s)",
        instance or "a request",
        request_id or "-",
        exc_info=exc,
        extra={"request_id": request_id},
    )
    return _SERVER_FAULT, problem_body(
        "internal",
        _SERVER_FAULT,
        "the server hit an unexpected error; it has been logged",
        instance=instance,
        hint="this is a bug: report it with its request_id",
        request_id=request_id,
    )


def aws_problem(
    report: PreflightReport, *, instance: str | None = None, request_id: str | None = None
) -> tuple[int, dict[str, Any]]:
    """(502, body) for a preflight that could not ask AWS: the first such check's message and hint.

    The same words the CLI prints for that check (its message, and the remedy
    as the hint); the whole report rides along in ``report``.
    """
    failed = report.aws_failure()
    if failed is None:
        raise ValueError("aws_problem of a report that asked AWS: answer the report itself")
    return 502, problem_body(
        "aws",
        502,
        f"{failed.name}: {failed.message}",
        instance=instance,
        hint=failed.remedy,
        request_id=request_id,
        report=report.to_dict(),
    )


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """A problem document as a response with the RFC 9457 media type."""
    from fastapi.responses import Response

    return Response(
        encode(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` saying that these statuses answer with a problem document."""
    return {
        code: {
            "model": ProblemDocument,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": "An RFC 9457 problem document",
        }
        for code in codes
    }


def request_id_of(request: Request) -> str | None:
    """The id that ``compat.service.observe`` gave this request (None outside that layer)."""
    found = request.scope.get("state", {}).get("request_id")
    return found if isinstance(found, str) else None


def install_handlers(app: FastAPI) -> None:
    """Map every error a request can raise to a problem document (never a bare 500)."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(CompatError)
    async def library_error(request: Request, exc: CompatError) -> Response:
        status, body = from_error(exc, instance=request.url.path, request_id=request_id_of(request))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return problem_response(status, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"][1:] or first["loc"])
        body = problem_body(
            "invalid-request",
            422,
            f"{where}: {first['msg']}" if where else str(first["msg"]),
            instance=request.url.path,
            request_id=request_id_of(request),
            hint="see /docs for the parameters and their limits",
            errors=errors,
        )
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "no-such-endpoint", 405: "method-not-allowed"}.get(exc.status_code, "http")
        message = {
            404: f"there is no endpoint {request.url.path[:200]}",
            405: f"{request.method} is not allowed on {request.url.path[:200]}",
        }.get(exc.status_code, str(exc.detail))
        body = problem_body(
            kind,
            exc.status_code,
            message,
            instance=request.url.path,
            request_id=request_id_of(request),
            hint="see /docs",
        )
        return problem_response(exc.status_code, body, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        status, body = unexpected(exc, instance=request.url.path, request_id=request_id_of(request))
        return problem_response(status, body)
