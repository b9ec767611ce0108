"""doctor: fake environments (site-packages with dist-info folders, SageMaker files and
variables) compared with the matrix, through the library and the CLI."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import pytest

import compat
from compat.environment import doctor as doctor_module
from compat.environment.doctor import doctor
from compat.environment.probe import (
    cuda_from_local_version,
    cuda_from_nvcc,
    probe_environment,
)
from compat.environment.report import DoctorReport
from compat.errors import UnknownVersionError
from compat.exit_codes import ExitCode

from ..conftest import Invoke

NVCC_117 = "nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release 11.7, V11.7.99\n"


def install(site: Path, name: str, version: str, *requires: str) -> None:
    """A dist-info folder as pip leaves it, with only the METADATA that doctor reads."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")


def resource_config(root: Path, instance_type: str, hosts: list[str]) -> None:
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (config / "resourceconfig.json").write_text(
        json.dumps(
            {
                "current_host": hosts[0],
                "current_instance_type": instance_type,
                "current_group_name": "homogeneousCluster",
                "hosts": hosts,
                "network_interface_name": "eth0",
            }
        ),
        encoding="utf-8",
    )


def statuses(report: DoctorReport) -> dict[str, str]:
    return {f.check: f.status for f in report.findings}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site-packages"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _no_sagemaker_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SM_CURRENT_INSTANCE_TYPE", "SM_HOSTS", "SM_CURRENT_HOST", "CUDA_VERSION"):
        monkeypatch.delenv(name, raising=False)


# -- probing ---------------------------------------------------------------


def test_versions_come_from_metadata_without_importing_frameworks(site: Path) -> None:
    install(site, "torch", "1.13.1+cu117")
    install(site, "smdistributed-dataparallel", "1.7.0")
    install(site, "pytorch_lightning", "1.7.2")
    install(site, "unrelated", "9.9")
    env = probe_environment(path=[str(site)], environ={}, sagemaker_root=str(site), nvcc=None)
    assert {k: v.version for k, v in env.packages.items()} == {
        "torch": "1.13.1+cu117",
        "pytorch-lightning": "1.7.2",
        "smdistributed-dataparallel": "1.7.0",
    }
    assert (env.cuda_version, env.cuda_source) == ("11.7", "torch 1.13.1+cu117 (local version)")
    assert "torch" not in sys.modules
    assert env.sagemaker is None


@pytest.mark.parametrize(
    ("version", "cuda"),
    [
        ("1.13.1+cu117", "11.7"),
        ("2.1.0+cu121", "12.1"),
        ("1.8.1+cu111", "11.1"),
        ("1.6.0+cu92", "9.2"),
        ("2.0.1+cpu", None),
        ("2.0.1", None),
    ],
)
def test_cuda_from_the_local_version(version: str, cuda: str | None) -> None:
    assert cuda_from_local_version(version) == cuda


def test_cuda_from_the_nvidia_runtime_requirement_of_a_pypi_wheel(site: Path) -> None:
    install(
        site,
        "torch",
        "2.3.0",
        "filelock",
        'nvidia-cuda-runtime-cu12==12.1.105; platform_system == "Linux" and '
        'platform_machine == "x86_64"',
    )
    env = probe_environment(path=[str(site)], environ={}, sagemaker_root=str(site), nvcc=None)
    assert env.cuda_version == "12.1"
    assert env.cuda_source == "torch 2.3.0 requirement nvidia-cuda-runtime-cu12==12.1.105"


def test_cuda_falls_back_to_cuda_version_then_nvcc(site: Path) -> None:
    calls: list[int] = []

    def nvcc() -> str:
        calls.append(1)
        return NVCC_117

    from_env = probe_environment(
        path=[str(site)], environ={"CUDA_VERSION": "12.1.1"}, sagemaker_root=str(site), nvcc=nvcc
    )
    assert (from_env.cuda_version, from_env.cuda_source) == (
        "12.1",
        "CUDA_VERSION environment variable",
    )
    assert calls == []
    from_nvcc = probe_environment(path=[str(site)], environ={}, sagemaker_root=str(site), nvcc=nvcc)
    assert (from_nvcc.cuda_version, from_nvcc.cuda_source) == ("11.7", "nvcc --version")
    assert calls == [1]
    assert cuda_from_nvcc("no release here") is None


def test_sagemaker_from_environment_variables(site: Path) -> None:
    env = probe_environment(
        path=[str(site)],
        environ={
            "SM_CURRENT_INSTANCE_TYPE": "ml.p4d.24xlarge",
            "SM_HOSTS": '["algo-1", "algo-2", "algo-3"]',
            "SM_CURRENT_HOST": "algo-2",
        },
        sagemaker_root=str(site / "nothing"),
        nvcc=None,
    )
    assert env.sagemaker is not None
    assert env.sagemaker.to_dict() == {
        "instance_type": "ml.p4d.24xlarge",
        "host_count": 3,
        "current_host": "algo-2",
        "source": "SM_CURRENT_INSTANCE_TYPE, SM_HOSTS",
    }


def test_sagemaker_from_resourceconfig_and_variables_win(tmp_path: Path, site: Path) -> None:
    resource_config(tmp_path / "ml", "ml.p3dn.24xlarge", ["algo-1", "algo-2"])
    only_file = probe_environment(
        path=[str(site)], environ={}, sagemaker_root=str(tmp_path / "ml"), nvcc=None
    )
    assert only_file.sagemaker is not None
    assert only_file.sagemaker.instance_type == "ml.p3dn.24xlarge"
    assert only_file.sagemaker.host_count == 2
    assert only_file.sagemaker.source.endswith("input/config/resourceconfig.json")
    both = probe_environment(
        path=[str(site)],
        environ={"SM_CURRENT_INSTANCE_TYPE": "ml.p4d.24xlarge"},
        sagemaker_root=str(tmp_path / "ml"),
        nvcc=None,
    )
    assert both.sagemaker is not None
    assert (both.sagemaker.instance_type, both.sagemaker.host_count) == ("ml.p4d.24xlarge", 2)


def test_unreadable_sagemaker_data_is_a_problem_not_a_crash(tmp_path: Path, site: Path) -> None:
    config = tmp_path / "ml" / "input" / "config"
    config.mkdir(parents=True)
    (config / "resourceconfig.json").write_text("{not json", encoding="utf-8")
    env = probe_environment(
        path=[str(site)],
        environ={"SM_HOSTS": "algo-1,algo-2"},
        sagemaker_root=str(tmp_path / "ml"),
        nvcc=None,
    )
    assert env.sagemaker is None
    assert len(env.problems) == 2
    assert env.problems[0] == "SM_HOSTS is not a JSON list: 'algo-1,algo-2'"
    assert "resourceconfig.json cannot be read" in env.problems[1]


# -- comparing -------------------------------------------------------------


def environment(site: Path, python: str, **environ: str) -> compat.DoctorReport:
    env = probe_environment(
        path=[str(site)],
        environ=environ,
        sagemaker_root=str(site / "no-sagemaker"),
        python_version=python,
        nvcc=None,
    )
    return doctor(environment=env)


def test_a_matching_training_container_passes(site: Path) -> None:
    install(site, "torch", "1.13.1+cu117")
    install(site, "smdistributed-dataparallel", "1.7.0")
    report = environment(
        site, "3.9", SM_CURRENT_INSTANCE_TYPE="ml.p4d.24xlarge", SM_HOSTS='["algo-1","algo-2"]'
    )
    assert report.target is not None
    assert report.target.to_dict() == {
        "framework": "pytorch",
        "framework_version": "1.13.1",
        "smddp_version": "1.7.0",
        "reason": "inferred from installed torch 1.13.1+cu117",
    }
    assert statuses(report) == {
        "framework": "ok",
        "python": "ok",
        "cuda": "ok",
        "smddp": "ok",
        "instance-type": "ok",
        "hosts": "info",
    }
    assert report.exit_code is ExitCode.OK
    assert report.to_dict()["ok"] is True


def test_wrong_python_is_a_mismatch_with_its_fix(site: Path) -> None:
    install(site, "torch", "1.13.1+cu117")
    report = environment(site, "3.10")
    python = next(f for f in report.findings if f.check == "python")
    assert python.status == "mismatch"
    assert (python.found, python.expected) == ("3.10", "3.9")
    assert python.message == (
        "smddp 1.7.0 for PyTorch 1.13.1 needs Python 3.9 and CUDA 11.7; "
        "this environment has Python 3.10"
    )
    assert python.fix == (
        "use Python 3.9 (the DLC image "
        "pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker has it), "
        "or a PyTorch release built for Python 3.10: 2.2.0, 2.1.0, 2.0.1, 2.0.0"
    )
    # smddp missing off SageMaker is a warning, not a mismatch.
    assert statuses(report)["smddp"] == "warning"
    assert report.exit_code == ExitCode.NOT_ELIGIBLE == 4


def test_wrong_cuda_and_wrong_smddp(site: Path) -> None:
    install(site, "torch", "1.13.1+cu116")
    install(site, "smdistributed-dataparallel", "1.6.0")
    report = environment(site, "3.9")
    by_check = {f.check: f for f in report.findings}
    assert (by_check["cuda"].status, by_check["cuda"].found) == ("mismatch", "11.6")
    assert by_check["smddp"].status == "mismatch"
    assert by_check["smddp"].fix == (
        "SMDATAPARALLEL_PT=1 pip install --no-cache-dir https://smdataparallel.s3.amazonaws.com"
        "/binary/pytorch/1.13.1/cu117/2023-01-09/smdistributed_dataparallel-1.7.0-cp39-cp39"
        "-linux_x86_64.whl"
    )
    assert len(report.mismatches) == 2


def test_a_dlc_rebuild_patch_release_is_only_a_warning(site: Path) -> None:
    install(site, "torch", "1.12.0+cu113")
    install(site, "smdistributed-dataparallel", "1.5.1")
    report = environment(site, "3.8")
    assert statuses(report)["smddp"] == "warning"
    assert report.exit_code is ExitCode.OK


def test_a_torch_without_smddp_says_so(site: Path) -> None:
    install(site, "torch", "2.6.0+cu124")
    report = environment(site, "3.11")
    assert report.target is None
    [finding] = [f for f in report.findings if f.check == "framework-version"]
    assert finding.status == "mismatch"
    assert finding.message.startswith("PyTorch 2.6.0 has no smddp: ")
    assert report.exit_code == 4


@pytest.mark.parametrize(
    ("instance_type", "torch", "status"),
    [
        ("ml.p5.48xlarge", "2.3.0+cu121", "mismatch"),
        ("ml.p3.16xlarge", "2.3.0+cu121", "mismatch"),  # deprecated from smddp 2
        ("ml.p3dn.24xlarge", "2.3.0+cu121", "warning"),  # limited from smddp 2
        ("ml.p3.16xlarge", "1.13.1+cu117", "ok"),
        ("ml.g5.48xlarge", "2.3.0+cu121", "mismatch"),  # not an smddp instance type
    ],
)
def test_instance_type_on_sagemaker(
    site: Path, instance_type: str, torch: str, status: str
) -> None:
    install(site, "torch", torch)
    report = environment(site, "3.11", SM_CURRENT_INSTANCE_TYPE=instance_type)
    assert statuses(report)["instance-type"] == status


def test_lightning_is_compared_with_its_own_row_and_torch(site: Path) -> None:
    install(site, "torch", "1.12.0+cu113")
    install(site, "pytorch-lightning", "1.6.4")
    report = environment(site, "3.8")
    assert report.target is not None
    assert (report.target.framework, report.target.framework_version) == (
        "pytorch-lightning",
        "1.6.4",
    )
    assert statuses(report)["framework"] == "ok"
    assert statuses(report)["base-framework"] == "ok"


def test_lightning_not_paired_with_the_installed_torch_is_a_warning(site: Path) -> None:
    install(site, "torch", "1.13.1+cu117")
    install(site, "pytorch-lightning", "1.9.0")
    report = environment(site, "3.9")
    assert report.target is not None
    assert report.target.framework == "pytorch"
    assert statuses(report)["framework-version"] == "warning"


def test_requested_release_that_does_not_exist_raises(site: Path) -> None:
    env = probe_environment(path=[str(site)], environ={}, sagemaker_root=str(site), nvcc=None)
    with pytest.raises(UnknownVersionError):
        doctor("pytorch", "1.99.0", environment=env)


def test_requested_release_with_nothing_installed(site: Path) -> None:
    env = probe_environment(
        path=[str(site)], environ={}, sagemaker_root=str(site), python_version="3.9", nvcc=None
    )
    report = doctor("hf", "4.26.0", environment=env)
    assert statuses(report)["framework"] == "mismatch"
    assert statuses(report)["base-framework"] == "mismatch"
    assert statuses(report)["cuda"] == "warning"


def test_nothing_installed_and_nothing_asked_is_not_a_failure(site: Path) -> None:
    report = environment(site, "3.11")
    assert report.target is None
    assert [f.check for f in report.findings] == ["framework"]
    assert report.exit_code == 0


def test_compat_exports_doctor() -> None:
    assert compat.doctor is doctor
    assert compat.DoctorReport is DoctorReport


# -- the CLI ---------------------------------------------------------------


def test_cli_text_output_and_exit_code(
    run_cli: Invoke, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment under test runs Python 3.11, whatever Python runs the tests:
    # the matrix has smddp releases for 3.10 and 3.11 only.
    python = "3.11"
    monkeypatch.setattr(
        doctor_module,
        "probe_environment",
        functools.partial(probe_environment, python_version=python),
    )
    torch, cu, smddp = "2.3.0", "121", "2.3.0"
    install(site, "torch", f"{torch}+cu{cu}")
    install(site, "smdistributed_dataparallel", smddp)
    resource_config(tmp_path / "ml", "ml.p4d.24xlarge", ["algo-1", "algo-2"])
    args = ["doctor", "--path", str(site), "--sagemaker-root", str(tmp_path / "ml"), "--no-nvcc"]
    result = run_cli(*args)
    config = tmp_path / "ml" / "input" / "config" / "resourceconfig.json"
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "environment\n"
        f"  python                      {python}\n"
        f"  torch                       {torch}+cu{cu}\n"
        f"  smdistributed-dataparallel  {smddp}\n"
        f"  cuda                        12.1 (torch {torch}+cu{cu} (local version))\n"
        f"  sagemaker                   ml.p4d.24xlarge x 2 host(s) ({config})\n"
        f"compared with PyTorch {torch} (smddp {smddp}; inferred from installed torch "
        f"{torch}+cu{cu})\n"
        f"  OK       framework      torch {torch}+cu{cu} is the PyTorch release smddp {smddp} "
        "is built for\n"
        f"  OK       python         Python {python}, as smddp {smddp} for PyTorch {torch} needs\n"
        f"  OK       cuda           CUDA 12.1 (torch {torch}+cu{cu} (local version))\n"
        f"  OK       smddp          smdistributed-dataparallel {smddp}\n"
        f"  OK       instance-type  ml.p4d.24xlarge is supported for smddp {smddp}\n"
        "  INFO     hosts          2 host(s) in this training job; this is algo-1\n"
        "no mismatches\n"
    )
    as_json = run_cli(*args, "--framework", "pytorch", "--version", "1.13.1", "--format", "json")
    assert as_json.exit_code == 4
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert data["exit_code"] == 4
    assert data["target"]["framework_version"] == "1.13.1"
    assert {f["check"] for f in data["findings"] if f["status"] == "mismatch"} == {
        "framework",
        "python",
        "cuda",
        "smddp",
    }


def test_cli_unknown_release_exits_3(run_cli: Invoke, site: Path) -> None:
    result = run_cli(
        "doctor", "--path", str(site), "--no-nvcc", "--framework", "pt", "--version", "1.99.0"
    )
    assert result.exit_code == 3
    assert result.stderr.startswith("error: PyTorch 1.99.0 has no smddp release in the matrix")


def test_nothing_to_compare_is_not_reported_as_no_mismatches(site: Path) -> None:
    """Issue 11: no framework installed and none named is not a pass."""
    report = doctor(path=[str(site)], environ={}, nvcc=None)
    assert report.target is None
    text = report.to_text()
    assert "no mismatches" not in text
    assert text.splitlines()[-1].startswith("nothing compared:")
    data = report.to_dict()
    assert data["compared"] is False
    # Issue 19: "ok": true said the environment matched when nothing was compared.
    assert data["ok"] is False
    assert data["exit_code"] == 0  # nothing is wrong either: exit 0 stays
    named = doctor("pytorch", "1.13.1", path=[str(site)], environ={}, nvcc=None)
    assert named.to_dict()["compared"] is True
