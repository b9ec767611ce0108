"""The compiled matrix layout: its version, and the meaning of values several modules read.

Importable without the compiler (and without pydantic): the hot path reads it.
"""

from __future__ import annotations

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: Bump when the compiled layout changes; older cache files are then ignored.
COMPILED_FORMAT = 3

#: The ``instance_support`` statuses (``schema.SupportStatus``) under which
#: smddp runs on an instance type: ``limited`` runs, with a note.
RUNNABLE = ("supported", "limited")


def runnable_instance_types(release: Mapping[str, Any]) -> list[str]:
    """The instance types smddp runs on for a compiled release, in matrix order."""
    return [name for name, support in release["instance_support"].items() if support[0] in RUNNABLE]
