"""Where the shipped matrix file is: the one place that knows the two layouts.

In an installed package the wheel carries ``data/matrix.yaml`` as
``compat/data/matrix.yaml``. In a clone (``python cli.py ...``, an editable
install) the package has no copy and the file is the repository's own
``data/matrix.yaml``, where maintainers edit it.
"""

from __future__ import annotations

import os

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shipped_matrix_path() -> str:
    """The matrix file this installation answers from when none is given."""
    packaged = os.path.join(_PACKAGE, "data", "matrix.yaml")
    if os.path.exists(packaged):
        return packaged
    return os.path.join(os.path.dirname(_PACKAGE), "data", "matrix.yaml")
