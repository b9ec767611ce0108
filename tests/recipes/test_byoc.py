"""byoc: Dockerfile fragments from the DLC or an nvidia/cuda base, and where none can exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compat.errors import NoImageError, NoWheelError, UsageError
from compat.matrix import load_matrix, shipped_matrix_path
from compat.recipes.byoc import BYOC_PAGE, EXTEND_PAGE, byoc

from ..conftest import Invoke

WHEEL_1131 = (
    "https://smdataparallel.s3.amazonaws.com/binary/pytorch/1.13.1/cu117/2023-01-09/"
    "smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl"
)
DLC_1131 = (
    "763104351884.dkr.ecr.us-west-2.amazonaws.com/"
    "pytorch-training:1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker"
)


def instructions(dockerfile: str) -> list[str]:
    """The Dockerfile without comments and blank lines."""
    return [line for line in dockerfile.splitlines() if line and not line.startswith("#")]


def test_dlc_base_extends_the_image_and_cites_aws() -> None:
    recipe = byoc("pytorch", "1.13.1", "us-west-2")
    assert recipe.base_image == DLC_1131
    text = recipe.dockerfile()
    assert instructions(text) == [
        f"FROM {DLC_1131}",
        f"ARG SMDATAPARALLEL_BINARY={WHEEL_1131}",
        'ENV PATH="/opt/ml/code:${PATH}"',
        'ENV SAGEMAKER_SUBMIT_DIRECTORY="/opt/ml/code"',
        'ENV SAGEMAKER_PROGRAM="train.py"',
        "COPY train.py /opt/ml/code/train.py",
    ]
    assert (
        "# RUN SMDATAPARALLEL_PT=1 pip install --no-cache-dir --force-reinstall --no-deps "
        "${SMDATAPARALLEL_BINARY}" in text.splitlines()
    )
    assert f"<{EXTEND_PAGE.url}>" in text
    assert (
        "<https://docs.aws.amazon.com/sagemaker/latest/dg/distributed-data-parallel-support.html>"
        in text
    )


def test_cuda_base_has_python_the_wheel_and_the_documented_environment() -> None:
    recipe = byoc("pt", "1.13.1", base="cuda", entry_point="src/train.py")
    assert recipe.base_image == "nvidia/cuda:11.7.1-cudnn8-devel-ubuntu20.04"
    assert recipe.pip_install == f"SMDATAPARALLEL_PT=1 pip install --no-cache-dir {WHEEL_1131}"
    assert recipe.env == (
        ("PATH", "/opt/amazon/openmpi/bin:/opt/conda/bin:$PATH"),
        ("SAGEMAKER_TRAINING_MODULE", "sagemaker_pytorch_container.training:main"),
        ("RDMAV_FORK_SAFE", "1"),
        ("DLC_CONTAINER_TYPE", "training"),
        (
            "LD_LIBRARY_PATH",
            "/opt/conda/lib/python3.9/site-packages/smdistributed/dataparallel/lib:"
            "/opt/amazon/efa/lib:$LD_LIBRARY_PATH",
        ),
        ("SAGEMAKER_SUBMIT_DIRECTORY", "/opt/ml/code"),
        ("SAGEMAKER_PROGRAM", "src/train.py"),
    )
    lines = instructions(recipe.dockerfile())
    assert lines[0] == "FROM nvidia/cuda:11.7.1-cudnn8-devel-ubuntu20.04"
    assert "ARG PYTHON_SHORT_VERSION=3.9" in lines
    assert "RUN SMDATAPARALLEL_PT=1 pip install --no-cache-dir ${SMDATAPARALLEL_BINARY}" in lines
    assert lines[-1] == "COPY src/train.py /opt/ml/code/src/train.py"
    assert f"<{BYOC_PAGE.url}>" in recipe.dockerfile()
    assert "torch==1.13.1 --index-url https://download.pytorch.org/whl/cu117" in (
        recipe.dockerfile()
    )


def test_cuda_12_4_uses_the_unversioned_cudnn_tag() -> None:
    assert byoc("pt", "2.5.1", base="cuda").base_image == (
        "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04"
    )


def test_a_release_without_os_assumes_the_newer_ubuntu_and_says_so() -> None:
    recipe = byoc("pt", "2.4.1", base="cuda")
    assert recipe.base_image == "nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04"
    assert recipe.confidence == "inferred"
    assert any("no OS for this release" in n for n in recipe.notes)


def test_lightning_and_transformers_are_installed_pinned() -> None:
    v1 = byoc("pl", "1.7.2", base="cuda")
    assert v1.requirements == ("pytorch-lightning==1.7.2", "lightning-bolts")
    assert v1.pytorch_version == "1.12.0"
    assert "RUN pip install --no-cache-dir 'pytorch-lightning==1.7.2' 'lightning-bolts'" in (
        instructions(v1.dockerfile())
    )
    assert byoc("pl", "2.2.5", "us-east-1").requirements == ("pytorch-lightning==2.2.5",)
    hf = byoc("hf", "4.26.0", "us-east-1")
    assert hf.requirements == ("transformers==4.26.0",)
    assert hf.base_image.endswith(
        "/huggingface-pytorch-training:1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04"
    )


def test_tensorflow_has_no_wheel_and_points_to_the_dlc() -> None:
    with pytest.raises(NoWheelError) as caught:
        byoc("tf", "2.9.1", "us-west-2", base="cuda")
    assert caught.value.message == (
        "AWS documents no smddp wheel for TensorFlow 2.9.1, so byoc has no custom-container "
        "recipe for it"
    )
    assert caught.value.hint == (
        "use the DLC image 763104351884.dkr.ecr.us-west-2.amazonaws.com/tensorflow-training:"
        "2.9.1-gpu-py39-cu112-ubuntu20.04-sagemaker, which carries smddp 1.4.1"
    )


def test_tensorflow_with_a_wheel_seen_in_a_dlc_dockerfile_still_has_no_recipe() -> None:
    with pytest.raises(NoWheelError) as caught:
        byoc("tf", "2.11.0", "us-west-2", base="cuda")
    assert caught.value.hint is not None
    assert "tensorflow-training:2.11.0-gpu-py39-cu112-ubuntu20.04-sagemaker" in caught.value.hint


def test_no_wheel_and_no_dlc_points_to_the_smp_image() -> None:
    with pytest.raises(NoWheelError) as caught:
        byoc("pt", "2.3.1", "us-west-2", base="cuda")
    assert caught.value.hint == (
        "use the SMP image 658645717510.dkr.ecr.us-west-2.amazonaws.com/"
        "smdistributed-modelparallel:2.3.1-gpu-py311-cu121, which carries smddp 2.3.0"
    )


def test_no_dlc_image_points_to_the_cuda_base_and_the_smp_image() -> None:
    with pytest.raises(NoImageError) as caught:
        byoc("pt", "2.4.1", "us-west-2")
    assert caught.value.hint == (
        "use --base cuda (the smddp wheel is published) or the SMP image "
        "658645717510.dkr.ecr.us-west-2.amazonaws.com/smdistributed-modelparallel:"
        "2.4.1-gpu-py311-cu121 or --version 2.4.0 (smddp 2.5.0), the nearest release with a "
        "DLC image"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base": "alpine"}, "unknown base 'alpine'"),
        ({"region": None}, "byoc --base dlc needs --region"),
        ({"entry_point": "../x.py"}, "entry point '../x.py'"),
        ({"entry_point": "a b.py"}, "entry point 'a b.py'"),
    ],
)
def test_usage_errors(kwargs: dict[str, str | None], message: str) -> None:
    args: dict[str, str | None] = {"region": "us-west-2", **kwargs}
    region = args.pop("region")
    with pytest.raises(UsageError) as caught:
        byoc("pt", "1.13.1", region, **args)  # type: ignore[arg-type]
    assert caught.value.message.startswith(message)


def test_cli_text_is_the_dockerfile_and_json_has_the_fields(run_cli: Invoke) -> None:
    text = run_cli("byoc", "-f", "pt", "--version", "1.13.1", "-r", "us-west-2")
    assert text.exit_code == 0
    assert text.stdout == byoc("pt", "1.13.1", "us-west-2").dockerfile() + "\n"
    as_json = run_cli(
        "byoc", "-f", "pt", "--version", "1.13.1", "--base", "cuda", "--format", "json"
    )
    data = json.loads(as_json.stdout)
    assert data["base_image"] == "nvidia/cuda:11.7.1-cudnn8-devel-ubuntu20.04"
    assert data["wheel_url"] == WHEEL_1131
    assert data["env"]["RDMAV_FORK_SAFE"] == "1"
    assert data["dockerfile"].startswith("# smddp-compat byoc --base cuda: PyTorch 1.13.1")


def test_cli_tensorflow_exits_3_with_json_error(run_cli: Invoke) -> None:
    result = run_cli(
        "byoc", "-f", "tf", "--version", "2.9.1", "-r", "us-west-2", "--format", "json"
    )
    assert result.exit_code == 3
    assert json.loads(result.stdout)["error"] == "no-wheel"
    assert "AWS documents no smddp wheel for TensorFlow 2.9.1" in result.stderr


def test_cli_dlc_without_region_is_a_usage_error(run_cli: Invoke) -> None:
    result = run_cli("byoc", "-f", "pt", "--version", "1.13.1")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: byoc --base dlc needs --region")


def test_framework_names_come_from_the_matrix(tmp_path: Path) -> None:
    """A display name edited in the matrix shows in the Dockerfile and in errors."""
    text = Path(shipped_matrix_path()).read_text(encoding="utf-8")
    renamed = tmp_path / "matrix.yaml"
    renamed.write_text(
        text.replace("display_name: PyTorch\n", "display_name: Torch (renamed)\n", 1).replace(
            "display_name: TensorFlow\n", "display_name: TF (renamed)\n", 1
        ),
        encoding="utf-8",
    )
    m = load_matrix(renamed)
    recipe = byoc("pt", "1.13.1", base="cuda", matrix=m)
    assert recipe.dockerfile().startswith(
        "# smddp-compat byoc --base cuda: Torch (renamed) 1.13.1 with smddp 1.7.0"
    )
    assert "display_name" not in recipe.to_dict()  # the JSON form names the framework by id
    with pytest.raises(NoWheelError, match=r"^AWS documents no smddp wheel for TF \(renamed\) "):
        byoc("tf", "2.9.1", "us-west-2", base="cuda", matrix=m)
    with pytest.raises(NoImageError, match=r"^no DLC image carries Torch \(renamed\) 2\.4\.1 "):
        byoc("pt", "2.4.1", "us-west-2", matrix=m)
