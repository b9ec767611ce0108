"""From a matrix file's bytes to a :class:`Matrix` that answers lookups.

The steps, each in its own module::

    resources   where the shipped data/matrix.yaml is
    limits      size limits, checked before anything is parsed
    source      bytes -> YAML events -> plain data, with a line for every path
    schema      pydantic models of the file (the JSON Schema comes from these)
    rules       consistency checks the models cannot express (tags vs. rows, ...)
    naming      the patterns of DLC tags and wheel file names
    validate    source + schema + rules: every problem as file:line: path: message
    compiler    a valid document -> plain dicts and lists (the ``layout``)
    store       the compiled cache on disk, and the Matrix that answers lookups

Only the store's light names are re-exported here, because the hot path of
``resolve`` imports this package: pydantic and PyYAML load only on a cache miss.
"""

from __future__ import annotations

from compat.matrix.resources import shipped_matrix_path
from compat.matrix.store import (
    Matrix,
    compile_bytes,
    default_matrix,
    load_matrix,
    matrix_or_default,
    read_matrix_bytes,
    validate_and_compile,
)

__all__ = [
    "Matrix",
    "compile_bytes",
    "default_matrix",
    "load_matrix",
    "matrix_or_default",
    "read_matrix_bytes",
    "shipped_matrix_path",
    "validate_and_compile",
]
