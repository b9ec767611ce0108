"""GET / (the web page), GET /static/{name} (its script and style), GET /docs (the API page)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from compat.errors import CompatError
from compat.service.routes.common import matrix_state
from compat.service.security import MAX_PARAM_LENGTH

router = APIRouter(include_in_schema=False)

HTML_TYPE = "text/html; charset=utf-8"
#: The page's files, by name, with their media types.
STATIC_TYPES = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}


def read_static() -> dict[str, bytes]:
    """The page's static files, read once when the app is made."""
    folder = resources.files("compat.service") / "static"
    return {name: (folder / name).read_bytes() for name in STATIC_TYPES}


@router.get("/")
async def index(
    request: Request,
    region: Annotated[str | None, Query(max_length=MAX_PARAM_LENGTH)] = None,
) -> Response:
    from compat.service.page import render_page

    snap = matrix_state(request).current
    key = (region or "").strip().lower()
    cached = snap.pages.get(key)
    if cached is not None:
        return Response(cached, media_type=HTML_TYPE)
    if key:
        try:
            snap.matrix.region(key)
        except CompatError as exc:
            page = render_page(snap, None, error=f"{exc.message}. {exc.hint or ''}")
            return Response(page, status_code=404, media_type=HTML_TYPE)
    page = render_page(snap, key or None)
    snap.pages[key] = page
    return Response(page, media_type=HTML_TYPE)


@router.get("/static/{name}")
async def static_file(request: Request, name: Annotated[str, Path(max_length=40)]) -> Response:
    static: dict[str, bytes] = request.app.state.static
    if name not in static:
        raise StarletteHTTPException(404)
    return Response(
        static[name],
        media_type=STATIC_TYPES[name],
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/docs")
async def docs(request: Request) -> Response:
    pages: dict[str, bytes] = request.app.state.docs_page
    if "docs" not in pages:
        from compat.service.docs import render_docs

        pages["docs"] = render_docs(request.app.openapi())
    return Response(pages["docs"], media_type=HTML_TYPE)
