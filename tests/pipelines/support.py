"""Helpers for the CI-integration tests: offline runs and an offline pip.

The action and the pre-commit hooks install smddp-compat with pip from this
checkout. Tests must not reach the network, so they give pip no index
(``PIP_NO_INDEX``), no build isolation (hatchling comes from the test
environment) and the test environment's installed dependencies through
``PYTHONPATH`` (a folder of links that leaves out smddp-compat itself, so the
freshly built copy is the one that runs). Where ``unshare -n`` works (root on
Linux), the command also runs in a network namespace of its own, which proves it.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import yaml

from ..conftest import REPO

#: Left out of the dependency folder: smddp-compat itself (the install under test
#: must be what runs) and the packaging tools each new environment has its own of.
_NOT_DEPENDENCIES = frozenset(
    {"compat", "smddp_compat", "pip", "setuptools", "_distutils_hack", "pkg_resources"}
)


@functools.cache
def unshare_works() -> bool:
    """True where ``unshare -n`` can give a command an empty network namespace."""
    try:
        return (
            subprocess.run(
                ["unshare", "-n", "true"], capture_output=True, check=False, timeout=10
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def offline(argv: list[str]) -> list[str]:
    """``argv`` in a network namespace without interfaces, where that is possible."""
    return ["unshare", "-n", *argv] if unshare_works() else argv


def dependency_folder(folder: Path) -> Path:
    """Links to the test environment's installed distributions, less smddp-compat."""
    folder.mkdir(parents=True, exist_ok=True)
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name
        stem = name.split("-", 1)[0].removesuffix(".py")
        if (
            name.endswith(".pth")
            or name.startswith(("__", "_virtualenv"))
            or stem in _NOT_DEPENDENCIES
        ):
            continue
        (folder / name).symlink_to(entry)
    return folder


def offline_pip_env(dependencies: Path) -> dict[str, str]:
    """Environment for a pip that installs this checkout without any index."""
    return {
        "PYTHONPATH": str(dependencies),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's spelling for --no-build-isolation
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def path_with_python() -> str:
    """PATH with this interpreter's folder first, so ``python3`` is the test Python."""
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def load_yaml(relative: str) -> dict[str, object]:
    """A YAML file of the repository (the action, a workflow, the hooks)."""
    data = yaml.safe_load((REPO / relative).read_text(encoding="utf-8"))
    assert isinstance(data, dict | list), relative
    return data  # type: ignore[return-value]
