"""Output formats: one enum, one renderer per format.

Every command returns typed results; the CLI picks a format and calls
:func:`render`. Data goes to stdout; messages are the CLI's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

from compat.errors import NotFoundError, UsageError
from compat.results import Resolution

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    YAML = "yaml"
    ENV = "env"
    URI = "uri"
    SAGEMAKER = "sagemaker"

    def __str__(self) -> str:
        return self.value


def to_jsonable(value: Any) -> Any:
    """Results, lists of results and plain data as JSON-ready values."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def render_json(value: Any) -> str:
    import json

    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)


def render_yaml(value: Any) -> str:
    import yaml

    text: str = yaml.safe_dump(to_jsonable(value), sort_keys=False, allow_unicode=True, width=1000)
    return text.rstrip("\n")


def _env_lines(res: Resolution) -> list[str]:
    import shlex

    pairs = {
        "SMDDP_FRAMEWORK": res.framework,
        "SMDDP_FRAMEWORK_VERSION": res.framework_version,
        "SMDDP_VERSION": res.smddp_version,
        "SMDDP_REGION": res.region,
        "SMDDP_IMAGE_URI": res.image_uri,
        "SMDDP_SMP_IMAGE_URI": res.smp_image_uri,
        "SMDDP_BINARY_URL": res.binary_url,
        "SMDDP_PYTHON_VERSION": res.python_version,
        "SMDDP_PY_VERSION": res.py_version,
        "SMDDP_CUDA_VERSION": res.cuda_version,
        "SMDDP_OS": res.os,
        "SMDDP_INSTANCE_TYPES": ",".join(res.instance_types),
        "SMDDP_BASE_FRAMEWORK": res.base_framework,
        "SMDDP_BASE_FRAMEWORK_VERSION": res.base_framework_version,
        "SMDDP_CONFIDENCE": res.confidence,
    }
    return [f"{key}={shlex.quote(value) if value else ''}" for key, value in pairs.items()]


def render_env(value: Any) -> str:
    if isinstance(value, Resolution):
        return "\n".join(_env_lines(value))
    if hasattr(value, "env_lines"):
        return "\n".join(value.env_lines())
    raise UsageError(
        "--format env needs a single result", hint="use --format json for a list of results"
    )


def _uri_of(res: Resolution) -> str:
    if res.image_uri is not None:
        return res.image_uri
    if res.region is None:
        raise UsageError("--format uri needs --region", hint="pass --region, e.g. us-west-2")
    fallback = [
        f"the SMP image {res.smp_image_uri}" if res.smp_image_uri else None,
        f"the wheel {res.binary_url}" if res.binary_url else None,
    ]
    instead = " or ".join(f for f in fallback if f)
    raise NotFoundError(
        f"no DLC image carries {res.framework} {res.framework_version} with smddp "
        f"{res.smddp_version}",
        hint=f"use {instead}" if instead else "see the notes in --format text",
    )


def render_uri(value: Any) -> str:
    if isinstance(value, Resolution):
        return _uri_of(value)
    if isinstance(value, list) and all(isinstance(v, Resolution) for v in value):
        return "\n".join(v.image_uri for v in value if v.image_uri is not None)
    raise UsageError("--format uri applies to resolve results only")


def render_sagemaker(value: Any) -> str:
    """SageMaker SDK arguments as JSON (the logic is in compat.recipes.sagemaker_sdk)."""
    from compat.recipes.sagemaker_sdk import as_sagemaker_args

    return render_json(as_sagemaker_args(value))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain left-aligned text table; None shows as '-'."""
    cells = [[("-" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _resolution_text(res: Resolution) -> str:
    where = f" in {res.region}" if res.region else ""
    head = f"{res.framework} {res.framework_version} with smddp {res.smddp_version}{where}"
    if res.base_framework:
        head += f" (on {res.base_framework} {res.base_framework_version})"
    py = f"{res.python_version} ({res.py_version})" if res.python_version else None
    fields: list[tuple[str, object]] = [
        ("image", res.image_ref),
        ("smp image", res.smp_image_uri),
        ("wheel", res.binary_url),
        ("python", py),
        ("cuda", res.cuda_version),
        ("os", res.os),
        ("instances", ", ".join(res.instance_types) or None),
    ]
    if res.requirements:
        fields.append(("requirements", ", ".join(res.requirements)))
    fields += [
        ("released", res.released),
        ("confidence", res.confidence),
        ("sources", ", ".join(s.id for s in res.sources)),
    ]
    lines = [head] + [f"  {k:<13}{'-' if v is None else v}" for k, v in fields]
    if res.notes:
        lines.append("notes:")
        lines += [f"  - {n}" for n in res.notes]
    return "\n".join(lines)


def _resolutions_table(items: Sequence[Resolution]) -> str:
    return table(
        ["framework", "version", "smddp", "python", "cuda", "image", "wheel"],
        [
            [
                r.framework,
                r.framework_version,
                r.smddp_version,
                r.python_version,
                r.cuda_version,
                r.image_ref,
                r.binary_url,
            ]
            for r in items
        ],
    )


def render_text(value: Any) -> str:
    if isinstance(value, Resolution):
        return _resolution_text(value)
    if isinstance(value, list) and value and all(isinstance(v, Resolution) for v in value):
        return _resolutions_table(value)
    if hasattr(value, "to_text"):
        return str(value.to_text())
    if isinstance(value, list) and value and all(hasattr(v, "text_row") for v in value):
        return table(value[0].text_headers(), [v.text_row() for v in value])
    if isinstance(value, list) and value and all(hasattr(v, "to_dict") for v in value):
        dicts = [v.to_dict() for v in value]
        headers = [k for k, v in dicts[0].items() if not isinstance(v, list | dict)]
        return table(headers, [[d[h] for h in headers] for d in dicts])
    return render_yaml(value)


RENDERERS: dict[OutputFormat, Callable[[Any], str]] = {
    OutputFormat.TEXT: render_text,
    OutputFormat.JSON: render_json,
    OutputFormat.YAML: render_yaml,
    OutputFormat.ENV: render_env,
    OutputFormat.URI: render_uri,
    OutputFormat.SAGEMAKER: render_sagemaker,
}


def render(value: Any, fmt: OutputFormat | str) -> str:
    """``value`` in format ``fmt``, without a trailing newline."""
    return RENDERERS[OutputFormat(fmt)](value)
