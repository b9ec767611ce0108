"""Output formats: text lines, JSON, SARIF 2.1.0 (validated against the official schema),
GitHub annotations."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from compat.check import RULES, check_paths
from compat.check.findings import CheckReport
from compat.check.output import CheckFormat, render

from .support import CORPUS, SARIF_SCHEMA

SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


@pytest.fixture(scope="module")
def report() -> Iterator[CheckReport]:
    old = os.getcwd()
    os.chdir(CORPUS)
    try:
        yield check_paths(["."])
    finally:
        os.chdir(old)


def test_text_lines(report: CheckReport) -> None:
    lines = render(report, CheckFormat.TEXT).splitlines()
    assert (
        lines[0]
        == "broken.py:1:1: SMDDP011 info: not valid Python ('(' was never closed, line 2); skipped"
    )
    nb = next(line for line in lines if "SMDDP001" in line and "ipynb" in line)
    assert nb.startswith("notebooks/smddp_pytorch.ipynb:cell 8:line 7:23: SMDDP001 error: ")
    after = lines[lines.index(nb) + 1]
    assert after.startswith("  fix: use PyTorch 2.5.1")


def test_json(report: CheckReport) -> None:
    data = json.loads(render(report, CheckFormat.JSON))
    assert data["summary"] == {"error": 6, "warning": 0, "info": 4}
    assert data["exit_code"] == 1
    assert set(data["rules"]) == set(RULES)
    first = data["findings"][0]
    assert set(first) == {"rule", "severity", "message", "fix", "location", "related", "sources"}


def test_sarif_validates_against_the_official_schema(report: CheckReport) -> None:
    schema_bytes = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(schema_bytes).hexdigest() == SCHEMA_SHA256
    schema = json.loads(schema_bytes)
    doc = json.loads(render(report, CheckFormat.SARIF))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert errors == [], [e.message for e in errors]
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(r["helpUri"].startswith("https://") for r in rules)
    assert len(run["results"]) == len(report.findings)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (CORPUS / uri).is_file()
    nb = next(r for r in run["results"] if r["ruleId"] == "SMDDP001" and "ipynb" in str(r))
    assert nb["locations"][0]["physicalLocation"]["region"] == {"startLine": 96}
    assert nb["locations"][0]["logicalLocations"][0]["name"] == "cell 8"


def test_sarif_is_rejected_by_the_schema_when_broken(report: CheckReport) -> None:
    """The validation can fail: a result without a message is not SARIF."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    doc = json.loads(render(report, CheckFormat.SARIF))
    del doc["runs"][0]["results"][0]["message"]
    assert list(jsonschema.Draft4Validator(schema).iter_errors(doc))


def test_github_annotations(report: CheckReport) -> None:
    lines = render(report, CheckFormat.GITHUB).splitlines()
    assert lines[0].startswith("::notice file=broken.py,line=1,col=1,title=SMDDP011 not-python::")
    nb = next(line for line in lines if "ipynb" in line and "SMDDP001" in line)
    # line= is the .ipynb file's line that holds the cell's line 7 (Jupyter's layout).
    assert nb.startswith("::error file=notebooks/smddp_pytorch.ipynb,line=96,title=SMDDP001 ")
    raw = (CORPUS / "notebooks" / "smddp_pytorch.ipynb").read_text().splitlines()
    assert raw[96 - 1].strip() == '"    framework_version=framework_version,\\n",'
    assert "::cell 8, line 7: smddp is requested" in nb
    assert all("\n" not in line for line in lines)


def test_github_escapes(tmp_path: Path) -> None:
    from compat.check.findings import Finding, Location, Severity

    f = Finding("SMDDP010", Severity.INFO, "50% a\nb", Location("a,b:c.py", 2, 3))
    out = render(CheckReport((f,), 1), CheckFormat.GITHUB)
    assert out == "::notice file=a%2Cb%3Ac.py,line=2,col=3,title=SMDDP010 unknown-value::50%25 a b"
