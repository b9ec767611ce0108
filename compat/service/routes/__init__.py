"""The service's routes, one ``APIRouter`` per group, each reading ``request.app.state``.

``health`` (liveness, readiness), ``metrics`` (Prometheus), ``matrix`` (resolve and
the catalog), ``snippets`` (the CLI's snippets), ``preflight`` (preflight, explain),
``admin`` (reload), ``page`` (the web page, its static files, the API docs page).
"""

from __future__ import annotations

from compat.service.routes import admin, health, matrix, metrics, page, preflight, snippets

ROUTERS = (
    health.router,
    matrix.router,
    snippets.router,
    preflight.router,
    admin.router,
    metrics.router,
    page.router,
)

__all__ = ["ROUTERS"]
