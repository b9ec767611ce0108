"""Ready-to-copy snippets for one release: estimator arguments, the pip line, a Dockerfile.

Each is the text the CLI prints for the same question (``resolve --format
sagemaker``, ``byoc --format json``'s ``pip_install``, ``byoc``), made by the
same recipe functions, so the page and the API never write one of their own.
Where a recipe has no answer (TensorFlow has no wheel; no DLC carries the
release in the region) the snippet carries the library's error and hint instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.errors import CompatError

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.results import Resolution


@dataclass(frozen=True, slots=True)
class Snippet:
    """One snippet: its text, or why there is none; and the CLI command that prints it."""

    id: str
    title: str
    language: str
    command: str
    text: str | None
    error: str | None = None
    message: str | None = None
    hint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "language": self.language,
            "command": self.command,
            "text": self.text,
            "error": self.error,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class Snippets:
    """The snippets for one resolved release (in one region, or none)."""

    framework: str
    framework_version: str
    smddp_version: str
    region: str | None
    snippets: tuple[Snippet, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "framework_version": self.framework_version,
            "smddp_version": self.smddp_version,
            "region": self.region,
            "snippets": [s.to_dict() for s in self.snippets],
        }


def _attempt(id: str, title: str, language: str, command: str, make: Callable[[], str]) -> Snippet:
    try:
        return Snippet(id, title, language, command, make())
    except CompatError as exc:
        return Snippet(id, title, language, command, None, exc.kind, exc.message, exc.hint)


def snippets_for(res: Resolution, *, matrix: Matrix | None = None) -> Snippets:
    """The three snippets for ``res`` (a :func:`compat.resolve` result)."""
    from compat.output_format import OutputFormat
    from compat.recipes.byoc import byoc
    from compat.recipes.sagemaker_sdk import sagemaker_args
    from compat.render import render

    fw, version, region = res.framework, res.framework_version, res.region
    where = f" --region {region}" if region else ""
    base = "dlc" if region else "cuda"
    ask = f"--framework {fw} --version {version}{where}"
    return Snippets(
        framework=fw,
        framework_version=version,
        smddp_version=res.smddp_version,
        region=region,
        snippets=(
            _attempt(
                "sagemaker",
                "Estimator arguments",
                "json",
                f"smddp-compat resolve {ask} --format sagemaker",
                lambda: render(sagemaker_args(res, matrix=matrix), OutputFormat.SAGEMAKER),
            ),
            _attempt(
                "pip",
                "pip install line",
                "shell",
                f"smddp-compat byoc {ask} --base {base} --format json  # pip_install",
                lambda: byoc(fw, version, region, base=base, matrix=matrix).pip_install,
            ),
            _attempt(
                "dockerfile",
                "Dockerfile",
                "dockerfile",
                f"smddp-compat byoc {ask} --base {base}",
                lambda: byoc(fw, version, region, base=base, matrix=matrix).dockerfile(),
            ),
        ),
    )


def snippets(
    framework: str,
    version: str = "latest",
    region: str | None = None,
    *,
    matrix: Matrix | None = None,
    names: Mapping[str, str] | None = None,
) -> Snippets:
    """The snippets for ``framework`` at ``version`` in ``region``, resolved as resolve does.

    The release is :func:`compat.answers.answer`'s for the query
    :func:`compat.query.parse_query` builds (``names`` spells the parameters as
    the asking face does: the library's by default, ``HTTP_NAMES`` for
    ``/v1/snippets``). Raises what :func:`compat.resolve` raises for the same
    arguments.
    """
    from compat.answers import answer
    from compat.query import LIBRARY_NAMES, parse_query
    from compat.results import Resolution

    spelled = LIBRARY_NAMES if names is None else names
    query = parse_query(
        {"framework": framework, "version": version, "region": region}, names=spelled
    )
    found = answer(query, matrix=matrix, names=spelled)
    assert isinstance(found, Resolution)  # a forward lookup in JSON: one release
    return snippets_for(found, matrix=matrix)
