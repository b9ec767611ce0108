""".pre-commit-hooks.yaml, through ``pre-commit try-repo`` in a temporary git repository.

pre-commit builds the hooks' environment as it would for a user (``language:
python``: a new virtual environment and ``pip install`` of this repository), but
offline: pip gets no index and the test environment's dependencies (see
support.py), and the whole run is in a network namespace of its own where possible.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO, subprocess_env
from .support import dependency_folder, load_yaml, offline, offline_pip_env, path_with_python

SHIPPED = REPO / "data" / "matrix.yaml"
HOOKS = {hook["id"]: hook for hook in load_yaml(".pre-commit-hooks.yaml")}  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], int]:
    """A git repository with a good and a bad matrix file; the bad file's line."""
    root = tmp_path_factory.mktemp("pre-commit")
    repo = root / "project"
    repo.mkdir()
    text = SHIPPED.read_text(encoding="utf-8")
    (repo / "matrix-good.yaml").write_text(text, encoding="utf-8")
    lines = text.splitlines(keepends=True)
    bad_line = next(n for n, line in enumerate(lines, 1) if line.strip().startswith("smddp: "))
    lines[bad_line - 1] = lines[bad_line - 1].split("smddp:")[0] + 'smddp: "banana"\n'
    (repo / "matrix-bad.yaml").write_text("".join(lines), encoding="utf-8")
    (repo / "notes.yaml").write_text("not: a matrix\n", encoding="utf-8")
    env = subprocess_env(
        PATH=path_with_python(),
        PRE_COMMIT_HOME=str(root / "pre-commit-home"),
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        GIT_CONFIG_GLOBAL=str(root / "gitconfig"),
        SMDDP_COMPAT_CACHE_DIR=str(root / "cache"),
        **offline_pip_env(dependency_folder(root / "dependencies")),
    )
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=repo, env=env, check=True, capture_output=True)
    return repo, env, bad_line


def try_repo(project: tuple[Path, dict[str, str], int], hook: str, *files: str) -> str:
    repo, env, _ = project
    argv = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--files", *files]
    proc = subprocess.run(
        offline(argv), cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_hooks_match_matrix_files_only() -> None:
    for name in ("smddp-compat-validate", "smddp-compat-lint"):
        pattern = re.compile(HOOKS[name]["files"])
        assert pattern.search("matrix.yaml")
        assert pattern.search("config/matrix-gpu.yaml")
        assert not pattern.search("notes.yaml")
        assert not pattern.search("matrix/other.yaml")
    assert set(HOOKS) == {"smddp-compat-validate", "smddp-compat-lint", "smddp-compat-check"}
    assert HOOKS["smddp-compat-check"]["types_or"] == ["python", "jupyter"]


CHECK_BAD = (
    "from sagemaker.pytorch import PyTorch\n"
    "VERSION = '2.6.0'\n"
    "PyTorch(entry_point='train.py', framework_version=VERSION, instance_count=2,\n"
    "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
)


def test_check_hook_reads_python_and_notebooks(project: tuple[Path, dict[str, str], int]) -> None:
    import json

    repo, env, _ = project
    (repo / "launch.py").write_text(CHECK_BAD, encoding="utf-8")
    (repo / "ok.py").write_text("import os\n", encoding="utf-8")
    cell = {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": ["%pip install sagemaker\n", *CHECK_BAD.splitlines(keepends=True)],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (repo / "launch.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=repo, env=env, check=True, capture_output=True)
    bad = try_repo(project, "smddp-compat-check", "launch.py", "ok.py", "launch.ipynb")
    assert bad.startswith("exit 1\n"), bad
    assert "launch.py:3:51: SMDDP001 error: " in bad
    assert "launch.ipynb:cell 1:line 4:51: SMDDP001 error: " in bad
    good = try_repo(project, "smddp-compat-check", "ok.py")
    assert good.startswith("exit 0\n"), good


def test_validate_hook_fails_the_bad_file_at_its_line(
    project: tuple[Path, dict[str, str], int],
) -> None:
    _, _, bad_line = project
    output = try_repo(project, "smddp-compat-validate", "matrix-good.yaml", "matrix-bad.yaml")
    assert output.startswith("exit 1\n"), output
    assert f"matrix-bad.yaml:{bad_line}: " in output
    assert "'banana' is not a valid version" in output
    assert "matrix-good.yaml: valid" in output
    assert not re.search(r"matrix-good\.yaml:\d", output)


def test_lint_hook_is_strict_and_names_the_line(project: tuple[Path, dict[str, str], int]) -> None:
    _, _, bad_line = project
    assert HOOKS["smddp-compat-lint"]["args"] == ["--strict"]
    good = try_repo(project, "smddp-compat-lint", "matrix-good.yaml")
    assert good.startswith("exit 0\n"), good
    bad = try_repo(project, "smddp-compat-lint", "matrix-good.yaml", "matrix-bad.yaml")
    assert bad.startswith("exit 1\n"), bad
    assert f"matrix-bad.yaml:{bad_line}: " in bad
