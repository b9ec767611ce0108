"""The installed package: it ships its data, every command has help, both entry points work."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import click
import pytest

import compat
from compat.cli import cli
from compat.commands import COMMANDS
from compat.matrix import shipped_matrix_path

from .conftest import REPO, Invoke, run_process


def test_tests_run_against_the_installed_package() -> None:
    package_dir = Path(compat.__file__).resolve().parent
    assert package_dir != REPO / "compat", (
        "compat was imported from the source tree; install it (pip install .) and run pytest"
    )
    assert "site-packages" in package_dir.parts


def test_the_matrix_ships_inside_the_package() -> None:
    shipped = Path(shipped_matrix_path())
    assert shipped == Path(compat.__file__).resolve().parent / "data" / "matrix.yaml"
    assert shipped.read_bytes() == (REPO / "data" / "matrix.yaml").read_bytes()


def test_version_option(run_cli: Invoke) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"smddp-compat, version {compat.__version__}\n"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(run_cli: Invoke, name: str) -> None:
    result = run_cli(name, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: smddp-compat {name} ")
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help, f"{name} has no help text"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_registry_help_is_the_commands_own_first_line(name: str) -> None:
    module, attribute, short_help = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    assert command.name == name
    first_line = (command.help or "").strip().splitlines()[0].strip()
    assert short_help == first_line


def test_group_help_lists_every_command(run_cli: Invoke) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


def test_unknown_command_suggests_the_closest(run_cli: Invoke) -> None:
    result = run_cli("resolv")
    assert result.exit_code == 2
    assert "No such command 'resolv'. Did you mean 'resolve'?" in result.stderr


def test_python_dash_m_compat_runs_the_cli() -> None:
    result = run_process(
        ["resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-west-2", "--format", "uri"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:"
        "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker\n"
    )
    assert result.stderr == ""


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "smddp-compat"
    assert script.exists()


def test_exports_are_not_shadowed_by_submodules() -> None:
    """Importing every submodule must not replace an exported function by a module.

    Python sets ``compat.<name>`` when it imports the submodule ``compat.<name>``;
    a module named like an exported function would shadow it.
    """
    import pkgutil
    import types

    for info in pkgutil.walk_packages(compat.__path__, "compat."):
        if info.name == "compat.__main__":
            continue  # runs the CLI
        if info.name.startswith("compat.service") and importlib.util.find_spec("fastapi") is None:
            continue
        importlib.import_module(info.name)
    for name in compat.__all__:
        value = getattr(compat, name)
        assert not isinstance(value, types.ModuleType), f"compat.{name} is a module"
