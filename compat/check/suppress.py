"""``# smddp-compat: ignore[SMDDP003]`` comments and --select / --ignore, as ruff users expect.

A comment on the line a finding points at silences it: with rule ids, those
rules; bare (``# smddp-compat: ignore``), every rule on that line. Rule
selectors match by prefix, so ``SMDDP00`` selects SMDDP001 to SMDDP009.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"#\s*smddp-compat:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?", re.IGNORECASE)
#: Every rule on the line.
ALL = frozenset({"*"})


def suppressions(source: str) -> dict[int, frozenset[str]]:
    """Line number (1-based) -> the rule ids ignored there (ALL for every rule)."""
    if "smddp-compat" not in source:
        return {}
    out: dict[int, frozenset[str]] = {}
    for number, line in enumerate(source.split("\n"), start=1):
        if "#" not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            continue
        ids = match.group(1)
        if ids is None:
            out[number] = ALL
        else:
            out[number] = frozenset(i.strip().upper() for i in ids.split(",") if i.strip())
    return out


def is_suppressed(rule: str, line: int, table: dict[int, frozenset[str]]) -> bool:
    ids = table.get(line)
    return ids is not None and (ids is ALL or "*" in ids or rule in ids)


def selected(rule: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """Whether ``rule`` is reported under --select and --ignore (prefixes, as in ruff)."""
    if select and not any(rule.startswith(s) for s in select):
        return False
    return not any(rule.startswith(i) for i in ignore)
