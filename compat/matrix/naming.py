"""How AWS names DLC image tags and smddp wheel files, in one place.

The matrix stores an image URI and a wheel URL as parts (a tag, a path) next to
the row's framework, Python, CUDA and OS versions. The consistency rules check
those parts against the row, and the maintainer tools (lint, verify, import-doc)
read the same parts out of AWS's page and out of resolved answers: all of them
use these patterns, so a change in AWS's naming is made here once.
"""

from __future__ import annotations

import re

#: A framework DLC tag: ``1.13.1-gpu-py39-cu117-ubuntu20.04-sagemaker``.
DLC_TAG_RE = re.compile(
    r"^(?P<version>[0-9][^-]*)-gpu-py(?P<py>[0-9]+)-cu(?P<cu>[0-9]+)-(?P<os>ubuntu[0-9.]+)"
    r"(?P<sagemaker>-sagemaker)?$"
)
#: A Hugging Face DLC tag: ``1.13.1-transformers4.26.0-gpu-py39-cu117-ubuntu20.04``.
HF_TAG_RE = re.compile(
    r"^(?P<pytorch>[0-9][^-]*)-transformers(?P<version>[0-9][^-]*)-gpu-py(?P<py>[0-9]+)"
    r"-cu(?P<cu>[0-9]+)-(?P<os>ubuntu[0-9.]+)$"
)
#: A wheel path below its base URL:
#: ``pytorch/1.13.1/cu117/2023-01-09/smdistributed_dataparallel-1.7.0-cp39-cp39-linux_x86_64.whl``.
WHEEL_RE = re.compile(
    # The date folder is missing in the TensorFlow wheel paths the DLC Dockerfiles show.
    r"^(?P<framework>[a-z]+)/(?P<version>[^/]+)/cu(?P<cu>[0-9]+)/(?:(?P<date>[^/]+)/)?"
    r"smdistributed_dataparallel-(?P<smddp>[^-/]+)-cp(?P<cp>[0-9]+)-cp(?P=cp)m?"
    r"-linux_x86_64\.whl$"
)


def py_tag(python: str) -> str:
    """``"3.9"`` -> ``"39"``, as in ``py39`` and ``cp39``."""
    return python.replace(".", "")


def cuda_tag(cuda: str) -> str:
    """``"11.7"`` -> ``"117"``, as in ``cu117``."""
    return cuda.replace(".", "")


def python_of_tag(digits: str) -> str:
    """``"39"`` -> ``"3.9"``: the inverse of :func:`py_tag` (the major version is one digit)."""
    return f"{digits[0]}.{digits[1:]}"


def cuda_of_tag(digits: str) -> str:
    """``"117"`` -> ``"11.7"``: the inverse of :func:`cuda_tag` (the minor version is one digit)."""
    return f"{digits[:-1]}.{digits[-1]}"
