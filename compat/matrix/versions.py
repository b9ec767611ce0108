"""Specifier matching that is fast for the simple ranges the matrix uses.

``packaging``'s ``SpecifierSet.contains`` re-renders the version as text for
each clause; checking and compiling a matrix of 10,000 rows asks it tens of
thousands of times. Ranges made of ``>=``, ``<=``, ``>``, ``<`` and exact
``==`` clauses are answered here by comparing ``Version`` objects; anything
else (wildcards, ``~=``, ``!=``, pre-releases, local versions) goes to
packaging. ``tests/test_versions.py`` checks both agree.
"""

from __future__ import annotations

import operator
from collections.abc import Callable

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

_COMPARE: dict[str, Callable[[Version, Version], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_Clauses = tuple[tuple[Callable[[Version, Version], bool], Version], ...]
#: Per specifier object: (the object, its clauses or None when not simple, has > or <).
#: Keyed by id() because rendering a SpecifierSet as a key costs as much as matching;
#: the entry keeps the object alive so that its id cannot be reused meanwhile.
_SIMPLE: dict[int, tuple[SpecifierSet, _Clauses | None, bool]] = {}
_MAX_CACHED = 4096


def _simple_clauses(spec: SpecifierSet) -> tuple[_Clauses | None, bool]:
    cached = _SIMPLE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1], cached[2]
    clauses: list[tuple[Callable[[Version, Version], bool], Version]] | None = []
    for clause in spec:
        compare = _COMPARE.get(clause.operator)
        bound = None
        if compare is not None and "*" not in clause.version:
            try:
                bound = Version(clause.version)
            except InvalidVersion:
                bound = None
        if compare is None or bound is None or bound.is_prerelease or bound.local is not None:
            clauses = None
            break
        assert clauses is not None
        clauses.append((compare, bound))
    simple = None if clauses is None else tuple(clauses)
    strict = simple is not None and any(c in (operator.gt, operator.lt) for c, _ in simple)
    if len(_SIMPLE) >= _MAX_CACHED:
        _SIMPLE.clear()
    _SIMPLE[id(spec)] = (spec, simple, strict)
    return simple, strict


def nearness(version: Version, wanted: Version) -> tuple[int, float]:
    """A sort key: releases sharing more leading parts with ``wanted`` first, then the
    numerically closest (2.4.0 before 2.5.1 and 2.3.0 for 2.4.1)."""
    shared = 0
    for a, b in zip(version.release, wanted.release, strict=False):
        if a != b:
            break
        shared += 1
    return -shared, abs(_as_number(version) - _as_number(wanted))


def _as_number(version: Version) -> float:
    parts = (*version.release, 0, 0, 0)
    return float(parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2])


def in_specifier(version: Version, spec: SpecifierSet) -> bool:
    """``version in spec``, as packaging answers it."""
    clauses, strict = _simple_clauses(spec)
    if clauses is None or version.is_prerelease or version.local is not None:
        return version in spec
    if strict and version.is_postrelease:
        return version in spec  # PEP 440: ">1.0" excludes 1.0.post1; leave that to packaging
    return all(compare(version, bound) for compare, bound in clauses)
