"""``smddp-compat check``: exit codes, formats, selection, suppression, --output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import Invoke, run_process
from .support import CORPUS

BAD = (
    "from sagemaker.pytorch import PyTorch\n"
    "PyTorch(entry_point='t.py', framework_version='2.6.0', instance_count=2,\n"
    "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
)
WARN_ONLY = (
    "from sagemaker.pytorch import PyTorch\n"
    "PyTorch(entry_point='t.py', framework_version='1.13.1', py_version='py39',\n"
    "    instance_type='ml.p4d.24xlarge', instance_count=1,\n"
    "    distribution={'smdistributed': {'dataparallel': {'enabled': True}}})\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def test_exit_0_when_clean(repo: Path, run_cli: Invoke) -> None:
    (repo / "a.py").write_text("import os\n")
    result = run_cli("check")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "0 errors, 0 warnings, 0 infos in 1 file" in result.stderr


def test_exit_1_on_errors_with_text_and_fix(repo: Path, run_cli: Invoke) -> None:
    (repo / "launch.py").write_text(BAD)
    result = run_cli("check")
    assert result.exit_code == 1
    first, fix = result.stdout.splitlines()[:2]
    assert first.startswith("launch.py:2:47: SMDDP001 error: smddp is requested with ")
    assert fix.startswith("  fix: use PyTorch ")


def test_warnings_fail_only_with_strict(repo: Path, run_cli: Invoke) -> None:
    (repo / "launch.py").write_text(WARN_ONLY)
    assert run_cli("check").exit_code == 0
    assert run_cli("check", "--strict").exit_code == 1
    assert run_cli("check", "--strict", "--ignore", "SMDDP004").exit_code == 0


def test_select_and_ignore(repo: Path, run_cli: Invoke) -> None:
    (repo / "launch.py").write_text(BAD + WARN_ONLY.split("\n", 1)[1])
    both = run_cli("check", "--format", "json")
    assert {f["rule"] for f in json.loads(both.stdout)["findings"]} == {"SMDDP001", "SMDDP004"}
    only = run_cli("check", "--format", "json", "--select", "SMDDP004")
    assert [f["rule"] for f in json.loads(only.stdout)["findings"]] == ["SMDDP004"]
    none = run_cli("check", "--format", "json", "--ignore", "SMDDP001,SMDDP004")
    assert json.loads(none.stdout)["findings"] == []
    assert none.exit_code == 0


def test_suppression_comment(repo: Path, run_cli: Invoke) -> None:
    text = BAD.replace("instance_count=2,", "instance_count=2,  # smddp-compat: ignore[SMDDP001]")
    (repo / "launch.py").write_text(text)
    result = run_cli("check")
    assert result.exit_code == 0
    assert "1 suppressed" in result.stderr
    other = BAD.replace("instance_count=2,", "instance_count=2,  # smddp-compat: ignore[SMDDP003]")
    (repo / "launch.py").write_text(other)
    assert run_cli("check").exit_code == 1  # another rule's id silences nothing here


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "SMDDP999"], "names no rule"),
        (["--ignore", "E501"], "names no rule"),
        (["missing-dir"], "no such file or directory: missing-dir"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_usage_errors_exit_2(repo: Path, run_cli: Invoke, args: list[str], message: str) -> None:
    result = run_cli("check", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_as_json(repo: Path, run_cli: Invoke) -> None:
    result = run_cli("check", "--format", "json", "--select", "nope")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "usage"


def test_unreadable_matrix_exits_7(repo: Path, run_cli: Invoke) -> None:
    (repo / "m.yaml").write_text("schema_version: [\n")
    (repo / "launch.py").write_text(BAD)
    result = run_cli("--matrix", "m.yaml", "check")
    assert result.exit_code == 7
    assert "m.yaml" in result.stderr


def test_output_file_is_written(repo: Path, run_cli: Invoke) -> None:
    (repo / "launch.py").write_text(BAD)
    result = run_cli("check", "--format", "sarif", "--output", "out.sarif", "--quiet")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == ""
    doc = json.loads((repo / "out.sarif").read_text())
    assert doc["runs"][0]["results"][0]["ruleId"] == "SMDDP001"


def test_library_and_cli_agree(repo: Path, run_cli: Invoke) -> None:
    import compat

    (repo / "launch.py").write_text(BAD)
    lib = compat.check_paths(["launch.py"]).to_dict()
    cli = json.loads(run_cli("check", "launch.py", "--format", "json").stdout)
    cli.pop("rules")
    assert cli == lib
    assert compat.check_source(BAD, "launch.py").to_dict() == lib


def test_check_imports_no_aws_sdk_or_user_code(tmp_path: Path) -> None:
    """A real process: boto3, botocore, the SageMaker SDK and the user's modules stay unloaded,
    even where the user's code would import them or write a file when run."""
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text(
        "open(__file__ + '.imported', 'w').write('x')\n"
    )
    (tmp_path / "launch.py").write_text("import mypkg\nimport boto3\nimport sagemaker\n" + BAD)
    probe = (
        "import sys, json, runpy\n"
        "sys.argv = ['smddp-compat', 'check', sys.argv[1], '--format', 'json']\n"
        "from compat.cli.app import run\n"
        "code = run(sys.argv[1:])\n"
        "sys.stderr.write('MODULES=' + json.dumps(sorted(sys.modules)) + '\\n')\n"
        "sys.exit(code)\n"
    )
    import subprocess

    from ..conftest import subprocess_env

    proc = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        env=subprocess_env(PYTHONPATH=str(tmp_path)),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    loaded = {m.split(".")[0] for m in json.loads(line.removeprefix("MODULES="))}
    assert not loaded & {"boto3", "botocore", "sagemaker", "mypkg", "s3transfer"}
    assert json.loads(proc.stdout)["findings"][0]["rule"] == "SMDDP001"
    assert not (tmp_path / "mypkg" / "__init__.py.imported").exists()


def test_installed_console_script_on_the_corpus() -> None:
    result = run_process(["check", str(CORPUS / "tf_launch.py"), "--format", "json"])
    assert result.exit_code == 1
    rules = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert rules == ["SMDDP001"]


def test_output_that_cannot_be_written_is_a_usage_error(repo: Path, run_cli: Invoke) -> None:
    (repo / "launch.py").write_text(BAD)
    (repo / "a-file").write_text("")
    result = run_cli("check", "--output", "a-file/out.sarif")
    assert result.exit_code == 2
    assert "cannot write the report to a-file/out.sarif" in result.stderr
    assert "Traceback" not in result.stderr
