"""The closest valid value for a mistyped one ("did you mean us-west-2?")."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def closest(value: str, choices: Sequence[str]) -> str | None:
    """The choice most like ``value``, or None when nothing is close."""
    found = difflib.get_close_matches(value.strip().lower(), list(choices), n=1, cutoff=0.6)
    return found[0] if found else None
