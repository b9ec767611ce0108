"""The installed package: it ships its data, every command has help, both entry points work."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import click
import pytest

import compat
from compat.cli.app import cli
from compat.cli.registry import COMMANDS
from compat.matrix import shipped_matrix_path

from .conftest import REPO, Invoke, run_process, subprocess_env


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


def test_root_cli_script_runs_from_a_clone() -> None:
    """``python cli.py ...`` (the design card's script) answers from the clone's own tree.

    The clone's ``compat`` comes first on sys.path, and its matrix is the repository's
    data/matrix.yaml, found by the resources helper.
    """
    args = ["resolve", "--framework", "pytorch", "--version", "1.13.1", "--region", "us-west-2"]
    probe = subprocess.run(
        [sys.executable, "-c", "import compat, sys; print(compat.__file__)"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=True,
    )
    assert Path(probe.stdout.strip()) == REPO / "compat" / "__init__.py"
    from_clone = subprocess.run(
        [sys.executable, "cli.py", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=subprocess_env(SMDDP_COMPAT_CACHE_DIR=""),
        timeout=60,
        check=False,
    )
    installed = run_process(args)
    assert from_clone.returncode == 0, from_clone.stderr
    assert from_clone.stdout == installed.stdout
    assert "pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker" in from_clone.stdout
    bad = subprocess.run(
        [sys.executable, "cli.py", "resolve", "-f", "pytorch", "--version", "9.9.9"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert bad.returncode == 3
    assert "Traceback" not in bad.stderr


def test_shipped_matrix_path_in_a_clone_is_the_repository_data_file() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "from compat.matrix import shipped_matrix_path as p; print(p())"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=True,
    )
    assert Path(probe.stdout.strip()) == REPO / "data" / "matrix.yaml"
