"""Turn a matrix file's bytes into a validated document, or list every problem.

Problems are reported as ``file:line: path: message`` so that a maintainer can
jump straight to the bad entry, and all of them are reported at once.
"""

from __future__ import annotations

from typing import Any

from compat.errors import MatrixError
from compat.matrix.schema import MatrixDocument
from compat.matrix.source import LineMap, format_path, load_yaml


def parse_document(data: bytes, filename: str) -> MatrixDocument:
    """Validate ``data`` (the bytes of a matrix file) completely.

    Raises :class:`MatrixError` listing every schema and consistency problem.
    """
    from pydantic import ValidationError

    from compat.matrix.rules import check_document

    raw, lines = load_yaml(data, filename)
    try:
        doc = MatrixDocument.model_validate(raw)
    except ValidationError as exc:
        problems = [_format_pydantic(err, raw, lines, filename) for err in exc.errors()]
        raise _invalid(filename, problems) from None
    found = check_document(doc)
    if found:
        problems = [
            _located(filename, lines.line_of(p.path), format_path(p.path), p.message) for p in found
        ]
        raise _invalid(filename, problems)
    return doc


def _invalid(filename: str, problems: list[str]) -> MatrixError:
    return MatrixError(
        f"{filename} is not a valid matrix: {len(problems)} problem(s)",
        problems=problems,
        hint="fix each entry at the line shown; 'smddp-compat schema' prints the file's schema",
    )


def _located(filename: str, line: int | None, where: str, message: str) -> str:
    prefix = f"{filename}:{line}" if line is not None else filename
    return f"{prefix}: {where}: {message}" if where else f"{prefix}: {message}"


def _format_pydantic(err: Any, raw: dict[str, Any], lines: LineMap, filename: str) -> str:
    loc = tuple(part for part in err["loc"] if part != "[key]")
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}; see 'smddp-compat schema' for the allowed fields"
    elif kind == "missing":
        message = f"missing required field {loc[-1]!r}"
    elif msg.startswith("Value error, "):
        message = msg[len("Value error, ") :]
    else:
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float | type(None)) else ""
        message = msg[0].lower() + msg[1:] + shown
    return _located(filename, lines.line_of(loc), format_path(loc), message)
