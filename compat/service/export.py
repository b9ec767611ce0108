"""``export-site``: every answer of the service as static files, for any static host or CDN.

The answer space is small (every release x every region), so it is computed
once: ``DIR/index.html`` (the page, answering from the files), ``DIR/v1/``
``matrix.json``, ``openapi.json``, ``frameworks.json``, ``regions.json``,
``instance-types.json``, ``v1/resolve/{framework}/{version}/{region}.json``
plus ``.../index.json`` without a region, the problems, and the index from
every spelling the page accepts to them (:mod:`compat.service.page_answers`).
Each answer's bytes are those the live endpoint returns, because both come
from the same snapshot and the same library calls (the tests compare them).

The export is atomic (built in a temporary directory beside ``DIR``, then
renamed over it) and deterministic (same matrix, same bytes: no time stamps,
sorted walks), so a CDN can cache it and a diff shows what changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compat.errors import UsageError

if TYPE_CHECKING:
    from compat.service.state import Snapshot

#: A file that marks a directory as an export, so that only an export is ever replaced.
MARKER = ".smddp-compat-site"


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    directory: str
    files: int
    answers: int
    sha256: str


def site_files(snapshot: Snapshot, openapi: dict[str, object]) -> dict[str, bytes]:
    """Every file of the site, by relative path, from one snapshot."""
    from starlette.responses import JSONResponse

    from compat.catalog import list_regions
    from compat.service.page import PageQuery, asset_names, render_page
    from compat.service.page_answers import static_answers, static_snippets
    from compat.service.routes.page import read_static

    matrix = snapshot.matrix
    static = read_static()
    assets = asset_names(static)
    files: dict[str, bytes] = {
        "index.html": render_page(snapshot, None, static=True, assets=assets),
        "v1/matrix.json": snapshot.matrix_json,
        # As FastAPI serves /openapi.json (JSONResponse's compact encoding).
        "v1/openapi.json": bytes(JSONResponse(openapi).body),
        "v1/frameworks.json": snapshot.frameworks_json,
        "v1/regions.json": snapshot.regions_json,
        "v1/instance-types.json": snapshot.instance_types_json,
        MARKER: f"{snapshot.sha256}\n".encode(),
    }
    # One page per region (the tables show that region's URIs); the script only navigates.
    for region in list_regions(matrix=matrix):
        files[f"index-{region.name}.html"] = render_page(
            snapshot, PageQuery(region=region.name), static=True, assets=assets
        )
    files.update({f"static/{assets[name]}": body for name, body in static.items()})
    answers = static_answers(matrix)
    files.update(answers)
    files.update(static_snippets(matrix, answers))
    return files


def export_site(directory: str, matrix_path: str | None = None) -> ExportResult:
    """Write the site to ``directory``, replacing an earlier export there in one rename.

    Raises UsageError when ``directory`` exists, is not empty and is not an
    earlier export (it is never replaced), MatrixError for an invalid matrix.
    """
    from compat.service.app import create_app

    target = os.path.abspath(directory)
    _check_replaceable(target)
    app = create_app(matrix_path, metrics=False)
    snapshot = app.state.matrix.current
    files = site_files(snapshot, app.openapi())
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", dir=parent)
    try:
        _write_tree(staging, files)
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    answers = sum(1 for name in files if name.startswith("v1/resolve/"))  # one per release x region
    return ExportResult(target, len(files), answers, snapshot.sha256)


def _write_tree(root: str, files: dict[str, bytes]) -> None:
    """Write every file under ``root``: directories 0755 and files 0644 whatever the umask."""
    folders = sorted(
        {
            "/".join(name.split("/")[:depth])
            for name in files
            for depth in range(1, name.count("/") + 1)
        }
    )
    for folder in folders:
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    for folder in ["", *folders]:
        os.chmod(os.path.join(root, folder), 0o755)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for name in sorted(files):
        fd = os.open(os.path.join(root, name), flags, 0o644)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(files[name])


def _check_replaceable(target: str) -> None:
    if not os.path.exists(target):
        return
    if not os.path.isdir(target):
        raise UsageError(
            f"{target} exists and is not a directory", hint="choose a new or empty directory"
        )
    if os.listdir(target) and not os.path.isfile(os.path.join(target, MARKER)):
        raise UsageError(
            f"{target} is not empty and was not written by export-site, so it is left alone",
            hint="choose a new or empty directory, or one an earlier export-site wrote",
        )


def _swap_in(staging: str, target: str) -> None:
    """Put ``staging`` at ``target``; an earlier export is moved aside first, then deleted."""
    if not os.path.exists(target):
        os.rename(staging, target)
        return
    old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old.", dir=os.path.dirname(target))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    with contextlib.suppress(OSError):
        shutil.rmtree(old)


def summary(result: ExportResult) -> str:
    return json.dumps(
        {
            "directory": result.directory,
            "files": result.files,
            "answers": result.answers,
            "matrix_sha256": result.sha256,
        }
    )
