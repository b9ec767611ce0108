"""Argument type checks for the library's public functions.

Python callers pass what they have: ``None`` from a missing setting, ``1.13``
from a YAML file that lost its quotes. A bare TypeError from deep inside is a
traceback; these checks raise :class:`~compat.errors.UsageError` naming the
argument, what it must be and what was given. They cost one ``isinstance``.
"""

from __future__ import annotations

from compat.errors import UsageError

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def require_text(name: str, value: object, example: str, *, optional: bool = False) -> None:
    """Raise UsageError unless ``value`` is a str (or None, when ``optional``)."""
    if isinstance(value, str) or (optional and value is None):
        return
    raise text_error(name, value, example, optional=optional)


def text_error(name: str, value: Any, example: str, *, optional: bool = False) -> UsageError:
    """The UsageError for ``value`` given where ``name`` must be text."""
    kind = "a string or None" if optional else "a string"
    hint = f"pass {name} as text, such as {example!r}"
    if isinstance(value, float | int) and not isinstance(value, bool):
        if "version" in name:
            hint += (
                f"; quote numbers: the number {value!r} is not the version text "
                f"(1.10 as a number is 1.1), so pass {str(value)!r} only if that is what you mean"
            )
        else:
            hint += f"; quote it: {str(value)!r}, if that is what you mean"
    return UsageError(
        f"{name} must be {kind}, not {type(value).__name__} {_shown(value)}", hint=hint
    )


def require_flag(name: str, value: object) -> None:
    """Raise UsageError unless ``value`` is a bool."""
    if isinstance(value, bool):
        return
    raise UsageError(
        f"{name} must be True or False, not {type(value).__name__} {_shown(value)}",
        hint=f"pass {name}=True or {name}=False",
    )


def require_type(name: str, value: object, expected: type, what: str, hint: str) -> None:
    """Raise UsageError unless ``value`` is an instance of ``expected``."""
    if isinstance(value, expected):
        return
    raise UsageError(
        f"{name} must be {what}, not {type(value).__name__} {_shown(value)}", hint=hint
    )
