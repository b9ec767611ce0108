"""The FastAPI application: settings and state on ``app.state``, the routes in ``routes/``.

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
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from compat._version import __version__
from compat.errors import CompatError
from compat.service import problems
from compat.service.compress import CompressionMiddleware
from compat.service.conditional import ConditionalMiddleware
from compat.service.deadline import BodyDeadlineMiddleware
from compat.service.methods import MethodsMiddleware, route_table
from compat.service.observe import ObserveMiddleware, route_templates
from compat.service.routes import ROUTERS
from compat.service.routes.common import MATRIX_DERIVED
from compat.service.routes.page import read_static
from compat.service.routes.preflight import AwsSession
from compat.service.security import SecurityHeadersMiddleware
from compat.service.settings import (
    CORS_ENV,
    ENABLE_AWS_ENV,
    MATRIX_ENV,
    METRICS_TOKEN_ENV,
    TOKEN_ENV,
    Limits,
    Settings,
)
from compat.service.state import MatrixState

if TYPE_CHECKING:
    from compat.service.metrics import Metrics

log = logging.getLogger("compat.service")

__all__ = [
    "CORS_ENV",
    "ENABLE_AWS_ENV",
    "MATRIX_ENV",
    "METRICS_TOKEN_ENV",
    "TOKEN_ENV",
    "app_from_env",
    "create_app",
]


def create_app(
    matrix_path: str | None = None,
    *,
    enable_aws: bool = False,
    token: str | None = None,
    cors_origin: str | None = None,
    metrics: bool = True,
    metrics_token: str | None = None,
) -> FastAPI:
    """The service over the matrix at ``matrix_path`` (default: the shipped one).

    Raises :class:`~compat.errors.MatrixError` when that file is invalid, so a
    server never starts on a bad matrix. ``token`` guards the admin path and,
    with ``enable_aws``, the AWS checks of preflight; ``metrics_token`` (when
    given) guards GET /metrics, and ``metrics=False`` turns the metrics off.
    """
    settings = Settings(
        enable_aws=enable_aws,
        token=token or None,
        cors_origin=cors_origin,
        matrix_path=matrix_path,
        metrics_token=metrics_token or None,
    )
    state = MatrixState(matrix_path)
    collector = _metrics(state) if metrics else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _install_sighup(state)
        snap = state.current
        # One line per process (each worker logs its own, with its pid in JSON logs).
        log.info(
            "serving matrix %s sha256 %s (schema %d, %d releases, loaded %s)",
            state.path,
            snap.sha256,
            snap.schema_version,
            snap.release_count,
            snap.loaded_at,
        )
        yield
        if collector is not None:
            collector.process_ended()

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
    app.state.settings = settings
    app.state.static = read_static()
    from compat.service.page import asset_names

    #: page.js -> page.<hash>.js for the HTML, and back for GET /static/{name}.
    app.state.asset_names = asset_names(app.state.static)
    app.state.asset_files = {v: k for k, v in app.state.asset_names.items()}
    app.state.docs_page = {}
    app.state.aws_session = AwsSession()
    app.state.metrics = collector
    routes = [*app.router.routes, *(route for router in ROUTERS for route in router.routes)]
    # Innermost first: tags and 304s, then compression (which suffixes the tag it compresses).
    app.add_middleware(ConditionalMiddleware, state=state, policies=MATRIX_DERIVED, routes=routes)
    app.add_middleware(CompressionMiddleware)
    app.add_middleware(MethodsMiddleware, routes=route_table(routes))
    app.add_middleware(SecurityHeadersMiddleware)
    if cors_origin:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=[cors_origin],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(BodyDeadlineMiddleware, seconds=Limits.from_env().body_timeout)
    # Outermost: every response (CORS and security answers too) gets its request id.
    app.add_middleware(ObserveMiddleware, metrics=collector, templates=route_templates(routes))
    problems.install_handlers(app)
    for router in ROUTERS:
        # The routers' own routes, as app.get() would add them: include_router() wraps each
        # router in a layer that costs as much per request as a cached /v1/resolve answer.
        app.router.routes.extend(router.routes)
    return app


def _metrics(state: MatrixState) -> Metrics | None:
    """The app's metrics, following its matrix; None where prometheus-client is missing."""
    try:
        from compat.service.metrics import Metrics
    except ImportError:
        log.warning("prometheus-client is not installed: GET /metrics answers 503")
        return None
    collector = Metrics()
    collector.matrix_loaded(state.current)
    state.listeners.append(collector.reloaded)
    return collector


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
    env = Settings.from_env()
    return create_app(
        env.matrix_path,
        enable_aws=env.enable_aws,
        token=env.token,
        cors_origin=env.cors_origin,
        metrics_token=env.metrics_token,
    )
