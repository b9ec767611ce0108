"""The tag and wheel patterns shared by the rules and the maintainer tools."""

from __future__ import annotations

import pytest

from compat.matrix.naming import (
    DLC_TAG_RE,
    HF_TAG_RE,
    WHEEL_RE,
    cuda_of_tag,
    cuda_tag,
    py_tag,
    python_of_tag,
)


@pytest.mark.parametrize("python", ["3.8", "3.9", "3.10", "3.12"])
def test_python_tag_round_trips(python: str) -> None:
    assert python_of_tag(py_tag(python)) == python


@pytest.mark.parametrize("cuda", ["11.0", "11.7", "12.1"])
def test_cuda_tag_round_trips(cuda: str) -> None:
    assert cuda_of_tag(cuda_tag(cuda)) == cuda


def test_dlc_tag_parts() -> None:
    m = DLC_TAG_RE.match("1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker")
    assert m is not None
    assert (m["version"], m["py"], m["cu"], m["os"]) == ("1.13.1", "39", "117", "ubuntu20.04")
    assert m["sagemaker"] == "-sagemaker"
    assert DLC_TAG_RE.match("1.13.1-cpu-py39-ubuntu20.04") is None


def test_hugging_face_tag_parts() -> None:
    m = HF_TAG_RE.match("1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04")
    assert m is not None
    assert (m["pytorch"], m["version"], m["py"]) == ("1.13.1", "4.26.0", "39")


def test_wheel_path_parts_and_mismatched_cp_tags() -> None:
    path = (
        "pytorch/1.13.1/cu117/2023-01-09/"
        "smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl"
    )
    m = WHEEL_RE.match(path)
    assert m is not None
    assert (m["framework"], m["version"], m["cu"], m["smddp"], m["cp"]) == (
        "pytorch",
        "1.13.1",
        "117",
        "1.7.0",
        "39",
    )
    assert WHEEL_RE.match(path.replace("-cp39-cp39", "-cp39-cp310")) is None
