"""The corpus: launch code as people write it, checked as a repository, finding by finding."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from compat.check import check_paths

from .support import CORPUS

#: (path, cell, line, rule): every finding the corpus must give, and no other.
EXPECTED = {
    ("broken.py", None, 1, "SMDDP011"),
    ("code/train_ok.py", None, 8, "SMDDP008"),  # torchrun_launch.py: PyTorch 2.6.0, torchrun
    ("hf_launch.py", None, 23, "SMDDP009"),
    ("notebooks/smddp_pytorch.ipynb", 8, 7, "SMDDP001"),  # framework_version variable, 2.6.0
    ("notebooks/smddp_pytorch.ipynb", 9, 1, "SMDDP011"),  # a cell that is not Python
    ("tf_launch.py", None, 16, "SMDDP001"),
    ("unknown_values.py", None, 19, "SMDDP010"),
    ("unknown_values.py", None, 20, "SMDDP010"),
    ("v3/trainer.py", None, 11, "SMDDP003"),  # ModelTrainer on ml.p5.48xlarge
    ("variables_kwargs.py", None, 26, "SMDDP003"),  # ml.p3.16xlarge through **common
}


@pytest.fixture
def in_corpus() -> Iterator[Path]:
    old = os.getcwd()
    os.chdir(CORPUS)
    try:
        yield CORPUS
    finally:
        os.chdir(old)


def test_the_corpus_gives_exactly_the_expected_findings(in_corpus: Path) -> None:
    report = check_paths(["."])
    got = {
        (f.location.path.replace(os.sep, "/"), f.location.cell, f.location.line, f.rule)
        for f in report.findings
    }
    assert got == EXPECTED
    assert report.suppressed == 1  # the notebook's "# smddp-compat: ignore[SMDDP004]"
    assert report.files_checked == 13  # ignored/ and *.tmp.py are in .gitignore
    assert report.launchers == 13


def test_gitignore_can_be_turned_off_and_exclude_added(in_corpus: Path) -> None:
    report = check_paths(["."], use_gitignore=False, exclude=["notebooks/", "broken.py"])
    paths = {f.location.path for f in report.findings}
    assert "ignored/launch.py" in paths
    assert "scratch.tmp.py" in paths
    assert not any(p.startswith("notebooks") for p in paths)
    assert "broken.py" not in paths


def test_a_notebook_location_names_cell_and_line(in_corpus: Path) -> None:
    report = check_paths(["notebooks/smddp_pytorch.ipynb"])
    first = next(f for f in report.findings if f.rule == "SMDDP001")
    assert str(first.location) == "notebooks/smddp_pytorch.ipynb:cell 8:line 7:23"


def test_writefile_cell_is_the_launched_script(in_corpus: Path) -> None:
    """The %%writefile cell writes code/train_nb.py: the launcher's script, read from the cell."""
    report = check_paths(["notebooks"], select=["SMDDP008"])
    assert report.findings == ()  # its launcher's own SMDDP001 already says why
    assert report.scripts == 1


def test_a_file_named_on_the_command_line_is_read_even_if_ignored(in_corpus: Path) -> None:
    report = check_paths(["ignored/launch.py"])
    assert [f.rule for f in report.findings] == ["SMDDP001"]
