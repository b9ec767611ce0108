"""How one service instance is configured: what ``serve``'s options and the environment say.

``create_app`` stores a :class:`Settings` on ``app.state.settings``; the route
modules read it from there, so no route is a closure over its app.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

TOKEN_ENV = "SMDDP_COMPAT_TOKEN"
ENABLE_AWS_ENV = "SMDDP_COMPAT_ENABLE_AWS"
CORS_ENV = "SMDDP_COMPAT_CORS_ORIGIN"
MATRIX_ENV = "SMDDP_COMPAT_MATRIX"
#: When set, GET /metrics needs it as a bearer token.
METRICS_TOKEN_ENV = "SMDDP_COMPAT_METRICS_TOKEN"
#: The HTTP limits, as JSON, for the server's worker processes (set by ``serve``).
LIMITS_ENV = "SMDDP_COMPAT_HTTP_LIMITS"


@dataclass(frozen=True)
class Settings:
    """The switches of one app: the AWS checks, the token guarding them and admin, CORS."""

    enable_aws: bool = False
    #: None when the server has no token: the admin path and the AWS checks are off.
    token: str | None = None
    cors_origin: str | None = None
    matrix_path: str | None = None
    #: None: /metrics is open (bind it to a private network or put it behind the proxy).
    metrics_token: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """The settings that ``serve`` hands to its worker processes through the environment."""
        return cls(
            enable_aws=os.environ.get(ENABLE_AWS_ENV, "") not in ("", "0"),
            token=os.environ.get(TOKEN_ENV) or None,
            cors_origin=os.environ.get(CORS_ENV) or None,
            matrix_path=os.environ.get(MATRIX_ENV) or None,
            metrics_token=os.environ.get(METRICS_TOKEN_ENV) or None,
        )


@dataclass(frozen=True)
class Limits:
    """What ``serve`` bounds; the defaults suit one small instance behind a load balancer."""

    #: Connections (and requests in progress) at once; above it, 503.
    limit_concurrency: int = 1000
    #: Seconds an idle kept-alive connection stays open.
    timeout_keep_alive: int = 5
    #: Bytes of request line and headers.
    max_header_bytes: int = 16 * 1024
    #: Header fields per request.
    max_headers: int = 100
    #: Seconds for the request line and headers to arrive.
    header_timeout: float = 10.0
    #: Seconds for a request body to arrive once its headers have.
    body_timeout: float = 10.0

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Limits:
        raw = os.environ.get(LIMITS_ENV)
        return cls(**json.loads(raw)) if raw else cls()
