"""Request hygiene in one place: response headers, parameter limits and the bearer token.

The token is compared in constant time and is never logged or echoed; a
request that carries a wrong one is refused, not quietly downgraded.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from compat.errors import CompatError
from compat.exit_codes import ExitCode

#: Longest framework, version, region or instance-type text a query may carry.
MAX_PARAM_LENGTH = 100
#: Largest request body accepted by POST /v1/explain (a log excerpt, not a log file).
MAX_BODY_BYTES = 64 * 1024
#: Longest Authorization header looked at.
MAX_AUTH_HEADER = 1024
#: Largest instance count a preflight may ask about.
MAX_INSTANCE_COUNT = 10_000

#: script-src 'self': the page's JavaScript is a file served by this app, never inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (a plain ASGI wrapper: cheap)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UnauthorizedError(CompatError):
    """No usable bearer token on a request that needs one."""

    exit_code = ExitCode.USAGE
    kind = "unauthorized"
    http_status = 401


class ForbiddenError(CompatError):
    """A bearer token that does not match, or a path this server has turned off."""

    exit_code = ExitCode.USAGE
    kind = "forbidden"
    http_status = 403


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None when there is none."""
    if authorization is None or not authorization.strip():
        return None
    if len(authorization) > MAX_AUTH_HEADER:
        raise UnauthorizedError(
            "the Authorization header is too long",
            hint="send 'Authorization: Bearer <token>' with the value of SMDDP_COMPAT_TOKEN",
        )
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise UnauthorizedError(
            "the Authorization header is not a bearer token",
            hint="send 'Authorization: Bearer <token>' with the value of SMDDP_COMPAT_TOKEN",
        )
    return value.strip()


def token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the token."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def require_token(authorization: str | None, expected: str | None, *, what: str) -> None:
    """Refuse unless the request carries the server's token.

    Raises ForbiddenError when the server has no token (the path is off),
    UnauthorizedError when the request has none, ForbiddenError when it is wrong.
    """
    if not expected:
        raise ForbiddenError(
            f"{what} is turned off on this server",
            hint="start the server with SMDDP_COMPAT_TOKEN set to enable it",
        )
    given = bearer_token(authorization)
    if given is None:
        raise UnauthorizedError(
            f"{what} needs a bearer token",
            hint="send 'Authorization: Bearer <token>' with the value of SMDDP_COMPAT_TOKEN",
        )
    if not token_matches(given, expected):
        raise ForbiddenError(
            "the bearer token does not match this server's token",
            hint="use the value of SMDDP_COMPAT_TOKEN that the server was started with",
        )
