"""Each finding is reported on its own: a version without smddp does not hide the instance type.

One run shows every problem of a launcher, in every output format, except
where one finding makes another meaningless (the release's Python cannot be
compared when there is no release).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from compat.check import check_source

from ..conftest import Invoke
from .support import SARIF_SCHEMA

SMDDP = "distribution={'smdistributed': {'dataparallel': {'enabled': True}}}"
#: PyTorch 2.6.0 has no smddp (SMDDP001); no release of PyTorch runs smddp on ml.g5 (SMDDP003);
#: one instance (SMDDP004); a us-west-2 image on the China partition's host (SMDDP005).
BOTH = (
    "from sagemaker.pytorch import PyTorch\n"
    "PyTorch(entry_point='t.py', framework_version='2.6.0', py_version='py38',\n"
    "    instance_type='ml.g5.48xlarge', instance_count=1,\n"
    "    image_uri='763104351884.dkr.ecr.us-west-2.amazonaws.com.cn/pytorch-training:"
    "2.6.0-gpu-py312-cu126-ubuntu22.04-sagemaker',\n"
    f"    {SMDDP})\n"
)
#: (rule, line, column) of each finding of BOTH, in the report's order.
EXPECTED = [
    ("SMDDP001", 2, 47),
    ("SMDDP003", 3, 19),
    ("SMDDP004", 3, 52),
    ("SMDDP005", 4, 15),
]


def pt(version: str, instance_type: str, count: int = 2) -> str:
    return (
        "from sagemaker.pytorch import PyTorch\n"
        f"PyTorch(entry_point='t.py', framework_version={version!r}, "
        f"instance_type={instance_type!r},\n    instance_count={count}, {SMDDP})\n"
    )


def rules(text: str, tmp_path: Path) -> list[str]:
    return [f.rule for f in check_source(text, str(tmp_path / "launch.py")).findings]


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    old = os.getcwd()
    os.chdir(tmp_path)
    (tmp_path / "launch.py").write_text(BOTH)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def test_text_shows_every_problem(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("check")
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if not line.startswith("  fix: ")]
    assert [tuple(line.split(" ", 2)[:2]) for line in lines] == [
        (f"launch.py:{line}:{col}:", rule) for rule, line, col in EXPECTED
    ]
    (rule3,) = [line for line in lines if "SMDDP003" in line]
    assert "no PyTorch release runs smddp on ml.g5.48xlarge, whatever the framework" in rule3
    out = result.stdout.splitlines()
    fix = out[out.index(rule3) + 1]
    assert fix.startswith("  fix: use one of: ")
    assert "ml.p4d.24xlarge" in fix
    assert "3 errors, 1 warning, 0 infos in 1 file" in result.stderr


def test_json_shows_every_problem(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("check", "--format", "json")
    data = json.loads(result.stdout)
    got = [(f["rule"], f["location"]["line"], f["location"]["column"]) for f in data["findings"]]
    assert got == EXPECTED
    assert data["summary"] == {"error": 3, "warning": 1, "info": 0}
    (rule3,) = [f for f in data["findings"] if f["rule"] == "SMDDP003"]
    assert rule3["sources"], "the instance-type finding names where its fact comes from"


def test_sarif_shows_every_problem_and_validates(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("check", "--format", "sarif")
    doc = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert errors == [], [e.message for e in errors]
    results = doc["runs"][0]["results"]
    got = [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in results
    ]
    assert got == EXPECTED
    assert [r["level"] for r in results] == ["error", "error", "warning", "error"]


def test_github_shows_every_problem(repo: Path, run_cli: Invoke) -> None:
    lines = run_cli("check", "--format", "github").stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error",
        "::error",
        "::warning",
        "::error",
    ]
    for line, (rule, row, col) in zip(lines, EXPECTED, strict=True):
        assert f"file=launch.py,line={row},col={col},title={rule} " in line


def test_what_needs_the_release_is_not_reported_without_one(tmp_path: Path) -> None:
    """py_version='py38' cannot be compared with a release that has no smddp (SMDDP002),
    and the image tag is not compared with it either: the fix of SMDDP001 changes both."""
    found = rules(BOTH, tmp_path)
    assert "SMDDP002" not in found
    assert found.count("SMDDP005") == 1  # the registry's host only, not the tag


def test_an_instance_type_some_release_runs_waits_for_the_version(tmp_path: Path) -> None:
    """ml.p3.16xlarge runs smddp 1.x: whether it is right depends on the version chosen."""
    assert rules(pt("2.6.0", "ml.p3.16xlarge"), tmp_path) == ["SMDDP001"]
    assert rules(pt("2.6.0", "ml.p4d.24xlarge"), tmp_path) == ["SMDDP001"]


def test_an_unknown_version_still_has_its_instance_type_judged(tmp_path: Path) -> None:
    found = check_source(pt("1.13.9", "ml.p5.48xlarge"), str(tmp_path / "l.py")).findings
    assert [f.rule for f in found] == ["SMDDP012", "SMDDP003"]
    assert "no smddp version lists p5 instances" in found[1].message.lower()
    assert "torch_distributed" in (found[1].fix or "")


def test_a_name_without_ml_is_named_whatever_the_version(tmp_path: Path) -> None:
    found = check_source(pt("2.6.0", "p4d.24xlarge"), str(tmp_path / "l.py")).findings
    assert [f.rule for f in found] == ["SMDDP001", "SMDDP003"]
    assert found[1].message == "'p4d.24xlarge' is not a SageMaker instance type name"
    assert "did you mean ml.p4d.24xlarge?" in (found[1].fix or "")


def test_tensorflow_without_smddp_is_judged_against_tensorflow(tmp_path: Path) -> None:
    src = (
        "from sagemaker.tensorflow import TensorFlow\n"
        "TensorFlow(entry_point='t.py', framework_version='2.12.0', "
        f"instance_type='ml.g5.48xlarge',\n    instance_count=2, {SMDDP})\n"
    )
    found = check_source(src, str(tmp_path / "l.py")).findings
    assert [f.rule for f in found] == ["SMDDP001", "SMDDP003"]
    assert "no TensorFlow release runs smddp on ml.g5.48xlarge" in found[1].message


def test_without_smddp_nothing_is_reported(tmp_path: Path) -> None:
    src = pt("2.6.0", "ml.g5.48xlarge", count=1).replace(
        SMDDP, "distribution={'torch_distributed': {'enabled': True}}"
    )
    assert rules(src, tmp_path) == []


def test_a_malformed_version_does_not_hide_the_instance_type(tmp_path: Path) -> None:
    found = check_source(pt("abc", "ml.g5.48xlarge"), str(tmp_path / "l.py")).findings
    assert [f.rule for f in found] == ["SMDDP012", "SMDDP003"]
    assert found[0].message == "framework_version='abc': 'abc' is not a valid version"
    assert "exact version (1.13.1)" in (found[0].fix or "")
