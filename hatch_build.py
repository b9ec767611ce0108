"""Wheel build hook: compile the shipped matrix when the wheel is built, not when it is used.

hatchling runs this for every wheel (``pip install .``, ``pip wheel``, ``python
-m build``). It validates ``data/matrix.yaml`` completely and ships the compiled
form as ``compat/data/matrix.compiled`` next to ``compat/data/matrix.yaml``
(see compat/matrix/prebuilt.py), so that an installed ``smddp-compat`` answers
without parsing YAML, importing pydantic or writing a cache. An invalid matrix
fails the build. Editable installs get no compiled file: their matrix is the
clone's, edited in place, and is validated and cached at run time as before.

The compiler runs in a child interpreter with the source tree first on its
path, so the backend's process never imports this project (or an installed
copy of it); it needs the build requirements pydantic, PyYAML and packaging.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MATRIX = os.path.join("data", "matrix.yaml")
TARGET = "compat/data/matrix.compiled"


class CompileMatrixHook(BuildHookInterface):  # type: ignore[type-arg]
    """Writes the compiled matrix into the wheel (see the module docstring)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        self._workdir = tempfile.mkdtemp(prefix="smddp-compat-build-")
        out = os.path.join(self._workdir, "matrix.compiled")
        # The source tree first; the rest of PYTHONPATH stays, for pip's isolated build
        # environment reaches the child through it (where pydantic and PyYAML are).
        path = [self.root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("SMDDP_COMPAT_MATRIX", None)
        proc = subprocess.run(
            [sys.executable, "-m", "compat.matrix.prebuilt", MATRIX, out],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"compiling {MATRIX} for the wheel failed (exit {proc.returncode}):\n"
                f"{proc.stderr.strip()}"
            )
        build_data["force_include"][out] = TARGET

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
