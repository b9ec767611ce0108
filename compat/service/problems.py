"""RFC 9457 problem documents from the library's errors.

Each :class:`~compat.errors.CompatError` class already has a ``kind`` (the
problem type) and an ``http_status``; the body carries the same fields as the
CLI's ``--format json`` error (``error``, ``message``, ``hint``, ``choices``)
next to RFC 9457's ``type``, ``title``, ``status`` and ``detail``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict

from compat.errors import CompatError, MatrixError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:smddp-compat:problem:"
log = logging.getLogger("compat.service")

#: Statuses that are never the answer to a request: the service maps them away.
_SERVER_FAULT = 500


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error response of the service carries."""

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
    """The HTTP status for ``exc``; a bad matrix answers 422 (the old one keeps serving)."""
    if default is not None:
        return default
    if isinstance(exc, MatrixError):
        return 422
    status = exc.http_status
    return 503 if status == _SERVER_FAULT else status


def from_error(
    exc: CompatError, *, instance: str | None = None, status: int | None = None
) -> tuple[int, dict[str, Any]]:
    """(status, body) of the problem document for a library error."""
    code = status_for(exc, default=status)
    data = exc.to_dict()
    body = problem_body(exc.kind, code, exc.message, instance=instance)
    body.update({k: v for k, v in data.items() if k not in ("error", "message")})
    return code, body


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def unexpected(exc: BaseException, *, instance: str | None = None) -> tuple[int, dict[str, Any]]:
    """A generic 500 for a bug: logged with its traceback, nothing of it in the response."""
    log.error("unexpected error on %s", instance or "a request", exc_info=exc)
    return _SERVER_FAULT, problem_body(
        "internal",
        _SERVER_FAULT,
        "the server hit an unexpected error; it has been logged",
        instance=instance,
        hint="this is a bug: report it with the time of the request",
    )
