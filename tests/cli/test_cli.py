"""The CLI: exact output for the main cases, errors on stderr with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.exit_codes import ExitCode

from ..conftest import Invoke, run_process

MAIN = ["resolve", "--framework", "pytorch", "--version", "1.13.1", "--region", "us-west-2"]
URI = (
    "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:"
    "1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"
)
WHEEL = (
    "https://smdataparallel.s3.amazonaws.com/binary/pytorch/1.13.1/cu117/2023-01-09/"
    "smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl"
)


def test_resolve_text(run_cli: Invoke) -> None:
    result = run_cli(*MAIN)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "pytorch 1.13.1 with smddp 1.7.0 in us-west-2\n"
        f"  image        {URI}\n"
        "  smp image    -\n"
        f"  wheel        {WHEEL}\n"
        "  python       3.9 (py39)\n"
        "  cuda         11.7\n"
        "  os           ubuntu20.04\n"
        "  instances    ml.p3.16xlarge, ml.p3dn.24xlarge, ml.p4d.24xlarge, ml.p4de.24xlarge\n"
        "  released     -\n"
        "  confidence   documented\n"
        "  sources      AWSSUP-2023, AWSSUP\n"
    )


def test_resolve_uri_is_only_the_uri(run_cli: Invoke) -> None:
    result = run_cli(*MAIN, "--format", "uri")
    assert (result.exit_code, result.stdout, result.stderr) == (0, URI + "\n", "")


def test_resolve_json_has_the_documented_keys(run_cli: Invoke) -> None:
    result = run_cli(*MAIN, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == [
        "framework",
        "framework_version",
        "requested_version",
        "requested_smddp_version",
        "match",
        "smddp_version",
        "region",
        "partition",
        "image_uri",
        "smp_image_uri",
        "binary_url",
        "python_version",
        "py_version",
        "cuda_version",
        "os",
        "repository",
        "image_tag",
        "instance_types",
        "base_framework",
        "base_framework_version",
        "requirements",
        "notes",
        "corrections",
        "sources",
        "confidence",
        "released",
        "alternatives",
    ]
    assert data["image_uri"] == URI
    assert data["binary_url"] == WHEEL
    assert (data["python_version"], data["py_version"], data["cuda_version"]) == (
        "3.9",
        "py39",
        "11.7",
    )
    assert data["smp_image_uri"] is None
    assert data["sources"][0]["id"] == "AWSSUP-2023"


def test_resolve_yaml_round_trips_to_the_json(run_cli: Invoke) -> None:
    import yaml

    as_yaml = yaml.safe_load(run_cli(*MAIN, "--format", "yaml").stdout)
    as_json = json.loads(run_cli(*MAIN, "--format", "json").stdout)
    assert as_yaml == as_json


def test_resolve_env_lines(run_cli: Invoke) -> None:
    result = run_cli(*MAIN, "--format", "env")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "SMDDP_FRAMEWORK=pytorch",
        "SMDDP_FRAMEWORK_VERSION=1.13.1",
        "SMDDP_VERSION=1.7.0",
        "SMDDP_REGION=us-west-2",
        f"SMDDP_IMAGE_URI={URI}",
    ]
    assert "SMDDP_SMP_IMAGE_URI=" in lines
    assert (
        "SMDDP_INSTANCE_TYPES=ml.p3.16xlarge,ml.p3dn.24xlarge,ml.p4d.24xlarge,ml.p4de.24xlarge"
        in lines
    )


def test_env_output_can_be_sourced_by_a_shell() -> None:
    import subprocess

    result = run_process([*MAIN, "--format", "env"])
    script = f'set -eu\n{result.stdout}\nprintf \'%s\\n\' "$SMDDP_IMAGE_URI" "$SMDDP_PY_VERSION"\n'
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == f"{URI}\npy39\n"


def test_region_comes_from_aws_region(run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    result = run_cli("resolve", "-f", "pt", "--version", "1.13.1", "--format", "uri")
    assert result.stdout == URI.replace("us-west-2", "eu-west-1") + "\n"


def test_unknown_region_error(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-west-3")
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: unknown region 'us-west-3'\n  hint: did you mean us-west-2? known regions: "
    )
    assert "Traceback" not in result.stderr


def test_no_smddp_error(run_cli: Invoke) -> None:
    result = run_cli("resolve", "-f", "pytorch", "--version", "2.6.0", "-r", "us-west-2")
    assert result.exit_code == ExitCode.NOT_FOUND
    lines = result.stderr.splitlines()
    assert lines[1] == "  hint: the newest PyTorch with smddp is 2.5.1 (smddp 2.6.0)"
    assert lines[2].startswith("  instead: use PyTorch 2.5.1 (smddp 2.6.0)")
    assert lines[3].startswith("  instead: keep PyTorch 2.6.0 and train without smddp")


def test_json_errors_are_also_json_on_stdout(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.0", "-r", "us-west-2", "--format", "json"
    )
    assert result.exit_code == ExitCode.NOT_FOUND
    data = json.loads(result.stdout)
    assert data["error"] == "unknown-version"
    assert data["message"] == "PyTorch 1.13.0 has no smddp release in the matrix"
    assert "2.5.1" in data["choices"]


def test_uri_format_without_an_image_fails_with_what_to_use(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "2.4.1", "-r", "us-west-2", "--format", "uri"
    )
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stdout == ""
    assert "smdistributed-modelparallel:2.4.1-gpu-py311-cu121" in result.stderr


def test_usage_errors_exit_2(run_cli: Invoke) -> None:
    assert run_cli("resolve", "-f", "pt", "--version", "1.x", "-r", "us-west-2").exit_code == 2
    assert run_cli("resolve", "--format", "nope").exit_code == 2
    missing = run_cli("resolve", "--version", "1.13.1")
    assert missing.exit_code == 2
    assert "a version needs a framework" in missing.stderr
    assert "add --framework" in missing.stderr
    nothing = run_cli("resolve", "-r", "us-west-2")
    assert nothing.exit_code == 2
    assert "resolve needs a framework" in nothing.stderr


def test_debug_shows_the_traceback(run_cli: Invoke) -> None:
    result = run_cli("--debug", "resolve", "-f", "pt", "--version", "1.x", "-r", "us-west-2")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr


def test_a_reverse_lookup_in_a_one_value_format_needs_one_answer(run_cli: Invoke) -> None:
    """Two URIs on stdout would both land in ``URI=$(...)``: exit 2 naming --framework."""
    result = run_cli("resolve", "--smddp-version", "1.7.0", "-r", "us-east-1", "--format", "uri")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "2 releases ship smddp 1.7.0 in us-east-1" in result.stderr
    assert "add --framework" in result.stderr
    one = run_cli(
        "resolve", "--smddp-version", "1.7.0", "-r", "us-east-1", "-f", "hf", "--format", "uri"
    )
    assert one.stdout.splitlines() == [
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:"
        "1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04",
    ]


def test_list_for_a_region_is_a_table_like_the_aws_page(run_cli: Invoke) -> None:
    result = run_cli("list", "--framework", "tf", "--region", "us-east-1")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["FRAMEWORK", "VERSION", "SMDDP", "PYTHON", "CUDA", "IMAGE", "WHEEL"]
    assert len(lines) == 1 + 13
    assert lines[-1].split() == [
        "tensorflow",
        "2.3.2",
        "1.0.0",
        "3.7",
        "11.0",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-training:"
        "2.3.2-gpu-py37-cu110-ubuntu18.04",
        "-",
    ]


def test_list_json_is_every_release(run_cli: Invoke) -> None:
    data = json.loads(run_cli("list", "--format", "json").stdout)
    counts: dict[str, int] = {}
    for row in data:
        counts[row["framework"]] = counts.get(row["framework"], 0) + 1
    assert counts == {"pytorch": 21, "tensorflow": 13, "pytorch-lightning": 9, "huggingface": 6}
    assert all(row["image_uri"] is None for row in data)


def test_frameworks_regions_instance_types(run_cli: Invoke) -> None:
    frameworks = json.loads(run_cli("frameworks", "--format", "json").stdout)
    assert [f["name"] for f in frameworks] == [
        "pytorch",
        "tensorflow",
        "pytorch-lightning",
        "huggingface",
    ]
    regions = json.loads(run_cli("regions", "--format", "json").stdout)
    assert len(regions) == 42
    assert {
        "name": "cn-north-1",
        "display_name": "China (Beijing)",
        "partition": "aws-cn",
        "dns_suffix": "amazonaws.com.cn",
        "dlc_account": "727897471807",
        "smp": False,
    } in regions
    text = run_cli("instance-types", "--smddp-version", "2.2.0").stdout.splitlines()
    assert text[0].split()[:4] == ["INSTANCE", "TYPE", "GPUS", "GPU"]
    p3 = next(line for line in text if line.startswith("ml.p3.16xlarge "))
    assert " deprecated " in p3
    p5 = next(line for line in text if line.startswith("ml.p5.48xlarge "))
    assert " unsupported " in p5
    assert "torch_distributed" in p5


def test_matrix_option_and_environment_variable(
    run_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compat.matrix import shipped_matrix_path

    text = Path(shipped_matrix_path()).read_text(encoding="utf-8")
    custom = text.replace('smddp: "1.7.0"', 'smddp: "1.7.1"').replace(
        "smdistributed_dataparallel-1.7.0-", "smdistributed_dataparallel-1.7.1-"
    )
    path = tmp_path / "custom.yaml"
    path.write_text(custom, encoding="utf-8")
    by_option = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.1", "--matrix", str(path), "--format", "json"
    )
    assert json.loads(by_option.stdout)["smddp_version"] == "1.7.1"
    monkeypatch.setenv("SMDDP_COMPAT_MATRIX", str(path))
    by_env = run_cli("resolve", "-f", "pt", "--version", "1.13.1", "--format", "json")
    assert json.loads(by_env.stdout)["smddp_version"] == "1.7.1"
