"""How one service instance is configured: what ``serve``'s options and the environment say.

``create_app`` stores a :class:`Settings` on ``app.state.settings``; the route
modules read it from there, so no route is a closure over its app.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

TOKEN_ENV = "SMDDP_COMPAT_TOKEN"
ENABLE_AWS_ENV = "SMDDP_COMPAT_ENABLE_AWS"
CORS_ENV = "SMDDP_COMPAT_CORS_ORIGIN"
MATRIX_ENV = "SMDDP_COMPAT_MATRIX"


@dataclass(frozen=True)
class Settings:
    """The switches of one app: the AWS checks, the token guarding them and admin, CORS."""

    enable_aws: bool = False
    #: None when the server has no token: the admin path and the AWS checks are off.
    token: str | None = None
    cors_origin: str | None = None
    matrix_path: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """The settings that ``serve`` hands to its worker processes through the environment."""
        return cls(
            enable_aws=os.environ.get(ENABLE_AWS_ENV, "") not in ("", "0"),
            token=os.environ.get(TOKEN_ENV) or None,
            cors_origin=os.environ.get(CORS_ENV) or None,
            matrix_path=os.environ.get(MATRIX_ENV) or None,
        )
