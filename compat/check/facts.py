"""Every matrix fact the rules use, looked up in one place.

The rules hold no versions, names or lists of their own. When the matrix
gains a field for something read here from a note (the deprecated APIs, the
SDK's accepted versions), only the function that reads it changes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.version import Version

    from compat.matrix import Matrix
    from compat.results import Resolution

_DEPRECATED = re.compile(
    r"(smdistributed\.dataparallel\.[\w.]+) is deprecated: use (?:the )?([\w.]+)"
)
_BACKEND_SINCE = re.compile(r"smddp (\d+(?:\.\d+)+) and later works as a backend")


def sources(m: Matrix, ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``ID: title <url>`` of each source id the matrix cites."""
    out = []
    for sid in ids:
        src = m.compiled["sources"].get(sid)
        if src is None:
            out.append(sid)
            continue
        url = f" <{src['url']}>" if src.get("url") else ""
        out.append(f"{sid}: {' '.join(src['title'].split())}{url}")
    return tuple(out)


def deprecated_apis(m: Matrix) -> tuple[tuple[str, str], ...]:
    """(deprecated smddp API, what to use instead), from the PyTorch notes of the matrix."""
    return _deprecated(m.sha256, tuple(_framework_notes(m, "pytorch")))


@lru_cache(maxsize=8)
def _deprecated(_digest: str, notes: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for note in notes:
        for match in _DEPRECATED.finditer(" ".join(note.split())):
            found.append((match.group(1), match.group(2).rstrip(".")))
    return tuple(found)


def deprecated_since(m: Matrix) -> Version | None:
    """The smddp version from which those APIs are deprecated (smddp became a backend)."""
    from packaging.version import Version

    for note in _framework_notes(m, "pytorch"):
        match = _BACKEND_SINCE.search(" ".join(note.split()))
        if match:
            return Version(match.group(1))
    return None


def deprecation_sources(m: Matrix) -> tuple[str, ...]:
    ids = re.findall(r"\(([A-Z][A-Z0-9-]+)\)", " ".join(_framework_notes(m, "pytorch")))
    return sources(m, [i for i in dict.fromkeys(ids) if i in m.compiled["sources"]])


def _framework_notes(m: Matrix, framework: str) -> list[str]:
    fw = m.compiled["frameworks"].get(framework)
    return list(fw["notes"]) if fw is not None else []


def sdk_rejection(res: Resolution, m: Matrix) -> str | None:
    """Why SageMaker SDK v2 refuses smdistributed for this release without image_uri, or None.

    The one place this is asked: ``--format sagemaker`` answers the same question
    with the same function (the matrix's ``sdk`` lists), so the two never disagree.
    """
    from compat.recipes.sdk_accepts import sdk_verdict

    verdict = sdk_verdict(res, m)
    return verdict.reason if verdict.accepted is False else None


def repositories(m: Matrix) -> dict[str, str]:
    """DLC repository -> the framework whose images it holds (with smddp)."""
    out: dict[str, str] = {}
    for name, fw in m.compiled["frameworks"].items():
        if fw["repository"]:
            out.setdefault(fw["repository"], name)
        for rel in m.compiled["releases"].get(name, []):
            if rel["repository"] and rel["framework"] == name:
                out.setdefault(rel["repository"], name)
    out.setdefault(m.compiled["smp"]["repository"], "pytorch")  # SMP images carry smddp too
    return out


def dlc_accounts(m: Matrix) -> dict[str, list[str]]:
    """ECR account -> the regions whose framework DLCs it hosts."""
    out: dict[str, list[str]] = {}
    for region, info in m.compiled["regions"].items():
        out.setdefault(info["account"], []).append(region)
    out.setdefault(m.compiled["smp"]["account"], []).extend(m.compiled["smp"]["regions"])
    return out
