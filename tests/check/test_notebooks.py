"""Notebooks: magics neutralised with line numbers kept; bad notebooks and cells never crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.check import check_source
from compat.check.notebooks import NotebookError, neutralise, read_cells


def notebook(*cells: str, fmt: int = 4) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "source": c} for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": fmt,
            "nbformat_minor": 5,
        }
    )


def test_magic_lines_become_pass_and_keep_their_lines() -> None:
    cell = neutralise(
        1, "%pip install x\n!ls\nfiles = !ls\npip install y\n  %time f()\nobj?\nx = 1"
    )
    lines = cell.source.split("\n")
    assert lines == ["pass", "pass", "pass", "pass", "  pass", "pass", "x = 1"]


def test_cell_magics() -> None:
    assert neutralise(1, "%%bash\nls").foreign
    timed = neutralise(1, "%%time\nx = 1")
    assert timed.source == "pass\nx = 1"
    written = neutralise(1, "%%writefile code/train.py\nimport os")
    assert (written.writes, written.source, written.line_offset) == (
        "code/train.py",
        "import os",
        1,
    )


def test_line_numbers_point_into_the_cell() -> None:
    launcher = (
        "%pip install sagemaker\n"
        "!nvidia-smi\n"
        "from sagemaker.pytorch import PyTorch\n"
        "PyTorch(entry_point='t.py', framework_version='2.6.0', instance_count=2,\n"
        "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
    )
    text = notebook("print(1)", "x = 1", launcher)
    (hit,) = check_source(text, "nb.ipynb").findings
    assert (hit.rule, hit.location.cell, hit.location.line) == ("SMDDP001", 3, 4)
    assert str(hit.location).startswith("nb.ipynb:cell 3:line 4:")


def test_cells_share_names_in_order() -> None:
    text = notebook(
        "from sagemaker.pytorch import PyTorch\nVERSION = '2.6.0'",
        "PyTorch(entry_point='t.py', framework_version=VERSION, instance_count=2,\n"
        "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})",
    )
    assert [f.rule for f in check_source(text, "nb.ipynb").findings] == ["SMDDP001"]


def test_list_sources_and_nbformat3() -> None:
    doc = {
        "worksheets": [{"cells": [{"cell_type": "code", "input": ["import sagemaker\n", "x=1"]}]}],
        "nbformat": 3,
    }
    (cell,) = read_cells(json.dumps(doc))
    assert cell.source == "import sagemaker\nx=1"


@pytest.mark.parametrize("text", ["", "{", "[]", '{"cells": 3}', "\x00"])
def test_not_a_notebook(text: str) -> None:
    with pytest.raises(NotebookError):
        read_cells(text)
    (hit,) = check_source(text, "bad.ipynb").findings
    assert hit.rule == "SMDDP011"


def test_an_invalid_cell_is_an_info_finding_and_the_rest_is_checked(tmp_path: Path) -> None:
    text = notebook(
        "import sagemaker\ndef broken(:",
        "from sagemaker.pytorch import PyTorch\nPyTorch(framework_version='2.6.0',"
        " distribution={'smdistributed': {'dataparallel': {'enabled': True}}})",
    )
    found = check_source(text, str(tmp_path / "nb.ipynb")).findings
    assert [(f.rule, f.location.cell) for f in found] == [("SMDDP011", 1), ("SMDDP001", 2)]


def test_suppression_comment_in_a_cell() -> None:
    text = notebook(
        "from sagemaker.pytorch import PyTorch\n"
        "PyTorch(framework_version='2.6.0',  # smddp-compat: ignore[SMDDP001]\n"
        " distribution={'smdistributed': {'dataparallel': {'enabled': True}}})",
    )
    report = check_source(text, "nb.ipynb")
    assert report.findings == ()
    assert report.suppressed == 1


def test_file_lines_follow_jupyters_layout_or_are_left_out() -> None:
    doc = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# t\n", "x"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": []},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["a = 1\n", "b = 2"]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    pretty = json.dumps(doc, indent=1)
    lines = pretty.split("\n")
    _, last = read_cells(pretty)
    assert [lines[n - 1].strip() for n in last.file_lines] == ['"a = 1\\n",', '"b = 2"']
    (_, compact) = read_cells(json.dumps(doc))  # one line: no file lines
    assert compact.file_lines == ()
