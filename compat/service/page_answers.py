"""The page's answers, decided by the library alone, and the static export's index of them.

The live page asks ``/v1/resolve``; the static copy written by ``export-site``
cannot run Python, so it ships the library's answers and an index from every
spelling it knows (framework aliases and names, any case; exact versions,
``v`` prefixes, prefixes such as ``2.3`` and ``2``, ``latest``, ``+cuNNN`` and
``+cpu`` local forms, versions without smddp) to them. The page's script only
looks a query up and merges the stored difference (``requested_version``,
``match``, notes that quote the spelling); it matches nothing itself.

:func:`answer` is the one place that names the library function behind a page
query, so that the export follows whatever ``/v1/resolve`` calls.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.results import Resolution

#: The key of "no region" in the index (a region name never starts with "-").
NO_REGION = "-"
#: A name no framework, region or version can have: the index records the problem it gets.
_UNKNOWN = "no-such-name"


def answer(matrix: Matrix, framework: str, version: str, region: str | None) -> Resolution:
    """The library's answer to a page query: the same call as ``/v1/resolve``.

    The query is built by :func:`compat.query.parse_query` with the HTTP
    parameter names (the page asks as ``/v1/resolve`` is asked) and answered by
    :func:`compat.answers.answer`, so that the static copy decides nothing of
    its own: a JSON answer to a framework query is one :class:`Resolution`.
    """
    from compat.answers import answer as library_answer
    from compat.query import HTTP_NAMES, parse_query
    from compat.results import Resolution

    query = parse_query(
        {"framework": framework, "version": version, "region": region}, names=HTTP_NAMES
    )
    found = library_answer(query, matrix=matrix, names=HTTP_NAMES)
    assert isinstance(found, Resolution)  # a forward lookup in JSON: one release
    return found


def answer_or_problem(
    matrix: Matrix, framework: str, version: str, region: str | None
) -> tuple[int, dict[str, Any]]:
    """``(200, answer JSON)`` or ``(status, problem JSON)`` as ``/v1/resolve`` sends them."""
    from compat.service.problems import from_error

    try:
        return 200, answer(matrix, framework, version, region).to_dict()
    except CompatError as exc:
        return from_error(exc)


def version_spellings(matrix: Matrix, framework: str) -> list[str]:
    """Every version spelling the static copy answers for ``framework``, in a stable order.

    Only where a spelling comes from is chosen here; what it means is the library's.
    """
    from packaging.version import Version

    found: dict[str, None] = {"latest": None}
    releases = matrix.compiled["releases"][framework]
    # torch.__version__ local parts: +cpu and +cuNNN for every CUDA the framework's images
    # use (a build for another CUDA than the release's own gets the library's note).
    cudas = sorted({str(r["cuda"]) for r in releases if r["cuda"]}, key=Version)
    locals_ = ["cpu", *(f"cu{c.replace('.', '')}" for c in cudas)]
    for version, index in matrix.versions_newest_first(framework):
        text = str(releases[index]["version"])
        found.update(dict.fromkeys((text, f"v{text}")))
        found.update(dict.fromkeys(f"{text}+{local}" for local in locals_))
        parts = version.release
        found.update(dict.fromkeys((f"{parts[0]}", f"{parts[0]}.{parts[1]}")))
        # The x.y.0 and x.y.(z+1) next to a release: versions people ask for that have no smddp.
        found.update(dict.fromkeys((f"{parts[0]}.{parts[1]}.0", f"{parts[0]}.{parts[1]}.9")))
    info = matrix.compiled["frameworks"][framework]
    found.update(dict.fromkeys(str(v) for v in info["documented_versions"]))
    for rule in info["no_smddp"]:
        for clause in str(rule["versions"]).split(","):
            bound = clause.strip().lstrip("<>=!~")
            try:
                found[str(Version(bound))] = None
            except ValueError:
                continue
    return list(found)


def framework_names(matrix: Matrix) -> dict[str, str]:
    """Each framework name and alias the library accepts, lower-cased, to its name."""
    names: dict[str, str] = {}
    for name, info in matrix.iter_frameworks():
        for spelling in (name, *info["aliases"], info["display_name"]):
            try:
                names[spelling.lower()] = matrix.framework(spelling)
            except CompatError:
                continue  # a display name ("PyTorch Lightning") is not a name the API takes
    return dict(sorted(names.items()))


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:20]


def static_answers(matrix: Matrix) -> dict[str, bytes]:
    """The static copy's answer files and index, by path under the site root.

    ``v1/resolve/{framework}/{version}/{region|index}.json`` hold each release's
    answer for its exact version (the bytes the live endpoint sends);
    ``v1/problems/{hash}.json`` the problems; ``v1/answers/{framework}.json`` maps
    each spelling to ``[file, patch]`` per region (in its ``regions`` order, flat)
    where the patch is the difference between the library's answer for that
    spelling and the stored file (:func:`_difference`);
    ``v1/answers/index.json`` names, regions and the problem for unknown ones.
    """
    from compat.catalog import list_regions
    from compat.service.routes.common import dump

    regions: list[str | None] = [None, *(r.name for r in list_regions(matrix=matrix))]
    files: dict[str, bytes] = {}
    frameworks = [name for name, _ in matrix.iter_frameworks()]
    for framework in frameworks:
        paths: dict[str, int] = {}
        patches: dict[str, int] = {}
        spellings: dict[str, list[int]] = {}
        exact: dict[tuple[str, str | None], dict[str, Any]] = {}
        for spelling in version_spellings(matrix, framework):
            by_region: list[int] = []
            for region in regions:
                status, body = answer_or_problem(matrix, framework, spelling, region)
                if status == 200:
                    version = body["framework_version"]
                    key = (version, region)
                    if key not in exact:
                        exact[key] = answer(matrix, framework, version, region).to_dict()
                        path = f"v1/resolve/{framework}/{version}/{region or 'index'}.json"
                        files[path] = dump(exact[key])
                    base = exact[key]
                    path = f"v1/resolve/{framework}/{version}/{region or 'index'}.json"
                    patch = _difference(base, body)
                else:
                    data = dump(body)
                    path = f"v1/problems/{_digest(data)}.json"
                    files[path] = data
                    patch = {}
                patch_text = json.dumps(patch, sort_keys=True)
                by_region += [
                    paths.setdefault(path, len(paths)),
                    patches.setdefault(patch_text, len(patches)),
                ]
            spellings[spelling] = by_region
        files[f"v1/answers/{framework}.json"] = dump(
            {
                "framework": framework,
                "regions": [r or NO_REGION for r in regions],
                "files": list(paths),
                "patches": [json.loads(p) for p in patches],
                "spellings": spellings,
            }
        )
    files["v1/answers/index.json"] = dump(
        {
            "frameworks": framework_names(matrix),
            "regions": {str(r).lower(): str(r) for r in regions if r is not None},
            "unknown": {
                "framework": _unknown_problem(matrix, _UNKNOWN, "latest", None),
                "region": _unknown_problem(matrix, frameworks[0], "latest", _UNKNOWN),
                "version": _unknown_problem(matrix, frameworks[0], "0.0.1", None),
            },
        }
    )
    return files


def static_snippets(matrix: Matrix, answers: dict[str, bytes]) -> dict[str, bytes]:
    """``v1/snippets/...`` beside each stored answer ``v1/resolve/...``: what /v1/snippets says."""
    from compat.recipes.snippets import snippets_for
    from compat.service.routes.common import dump

    out: dict[str, bytes] = {}
    for path in answers:
        if not path.startswith("v1/resolve/"):
            continue
        _, _, framework, version, leaf = path.split("/")
        region = None if leaf == "index.json" else leaf.removesuffix(".json")
        found = snippets_for(answer(matrix, framework, version, region), matrix=matrix)
        out["v1/snippets/" + path.removeprefix("v1/resolve/")] = dump(found.to_dict())
    return out


def _difference(base: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """What turns ``base`` into ``body``: changed keys, and lists that only gained items.

    A list that holds ``base``'s list as one run is stored as ``"+key": [before,
    after]`` (the notes a prefix or a local version adds), so that one stored
    answer serves every spelling.
    """
    patch: dict[str, Any] = {}
    for key, value in body.items():
        old = base.get(key)
        if old == value:
            continue
        if isinstance(old, list) and isinstance(value, list):
            size = len(old)
            at = next((i for i in range(len(value) - size + 1) if value[i : i + size] == old), None)
            if at is not None:
                patch["+" + key] = [value[:at], value[at + size :]]
                continue
        patch[key] = value
    return patch


def _unknown_problem(
    matrix: Matrix, framework: str, version: str, region: str | None
) -> dict[str, Any]:
    """The status and kind of problem the library gives a name it does not know."""
    status, body = answer_or_problem(matrix, framework, version, region)
    return {"status": status, "error": body.get("error"), "title": body.get("title")}
