"""GET / (the web page), GET /static/{name} (its script and style), GET /docs (the API page)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from compat.errors import CompatError
from compat.service.routes.common import matrix_state
from compat.service.security import MAX_PARAM_LENGTH

router = APIRouter(include_in_schema=False)

HTML_TYPE = "text/html; charset=utf-8"
#: Versioned asset URLs never change content: a year, immutable. The HTML is revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"
HTML_CACHE = "no-cache"
#: The address parameters the page reads (everything the forms put there).
PAGE_PARAMS = ("region", "framework", "version", "instance_type", "instance_count", "check")


def read_static() -> dict[str, bytes]:
    """The page's static files, read once when the app is made."""
    from compat.service.page import STATIC_TYPES

    folder = resources.files("compat.service") / "static"
    return {name: (folder / name).read_bytes() for name in STATIC_TYPES}


def _html(body: bytes, status: int = 200) -> Response:
    return Response(
        body, status_code=status, media_type=HTML_TYPE, headers={"Cache-Control": HTML_CACHE}
    )


@router.get("/")
async def index(request: Request) -> Response:
    """The page; its query (region, a resolve or an eligibility question) is read leniently.

    An empty ``region=`` means none (the no-JavaScript form's "none" sends it);
    an empty ``framework=`` or ``version=`` (no form sends one) is asked as it
    is, so the panel shows ``/v1/resolve``'s 400 naming it, as the script does.
    A bad value gets the page with the problem in it, never a JSON error: this
    is an HTML route.
    """
    from compat.service.page import PageQuery, render_page

    snap = matrix_state(request).current
    assets: dict[str, str] = request.app.state.asset_names
    given = request.query_params
    values = {k: (given.get(k) or "").strip() for k in PAGE_PARAMS}
    too_long = [k for k, v in values.items() if len(v) > MAX_PARAM_LENGTH]
    if too_long:
        page = render_page(
            snap,
            None,
            assets=assets,
            error=f"{too_long[0]} is longer than {MAX_PARAM_LENGTH} characters. "
            f"Choose a {too_long[0]} from the form.",
        )
        return _html(page, 400)
    region = values["region"].lower()
    key = region
    plain = not any(k in given for k in PAGE_PARAMS if k != "region")
    cached = snap.pages.get(key) if plain else None
    if cached is not None:
        return _html(cached)
    if region:
        try:
            region = snap.matrix.region(region)["name"]
        except CompatError as exc:
            page = render_page(snap, None, assets=assets, error=f"{exc.message}. {exc.hint or ''}")
            return _html(page, 404)
    query = PageQuery(
        region=region or None,
        framework=given.get("framework"),
        version=given.get("version"),
        instance_type=values["instance_type"] or None,
        instance_count=values["instance_count"] or None,
        check=bool(values["check"]),
    )
    page = render_page(snap, query, assets=assets)
    if plain:
        snap.pages[key] = page
    return _html(page)


@router.get("/static/{name}")
async def static_file(request: Request, name: Annotated[str, Path(max_length=60)]) -> Response:
    """A page asset by its versioned name (cached a year) or its plain name (revalidated)."""
    from compat.service.page import STATIC_TYPES

    static: dict[str, bytes] = request.app.state.static
    versioned: dict[str, str] = request.app.state.asset_files
    if name in versioned:
        plain, cache = versioned[name], IMMUTABLE
    elif name in static:
        plain, cache = name, HTML_CACHE
    else:
        raise StarletteHTTPException(404)
    return Response(static[plain], media_type=STATIC_TYPES[plain], headers={"Cache-Control": cache})


@router.get("/docs")
async def docs(request: Request) -> Response:
    pages: dict[str, bytes] = request.app.state.docs_page
    if "docs" not in pages:
        from compat.service.docs import render_docs

        pages["docs"] = render_docs(request.app.openapi())
    return Response(pages["docs"], media_type=HTML_TYPE)
