"""Commands sit below the click group: no command module imports compat.cli.app,
not even inside a function (the group imports the commands, not the other way)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from compat.cli.registry import COMMANDS

MODULES = sorted({module for module, _, _ in COMMANDS.values()})


def imported_names(source: str) -> set[str]:
    """Every module an ``import`` or ``from ... import`` in ``source`` names, at any depth."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    "source",
    ["from compat.cli.app import cli", "from compat.cli import app", "import compat.cli.app"],
)
def test_the_check_sees_imports_inside_functions(source: str) -> None:
    assert "compat.cli.app" in imported_names(f"def f():\n    {source}\n")


@pytest.mark.parametrize("module", MODULES)
def test_no_command_module_imports_the_group(module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    names = imported_names(Path(spec.origin).read_text(encoding="utf-8"))
    assert "compat.cli.app" not in names
