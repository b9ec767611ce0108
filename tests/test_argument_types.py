"""Issue 11: every public function refuses a wrong argument type with a UsageError and a hint.

A bare TypeError (or AttributeError) from deep inside is a traceback for the
user; a UsageError says which argument was wrong and what to pass instead.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import compat
from compat.errors import CompatError, UsageError


def _res() -> Any:
    return compat.resolve("pytorch", "1.13.1", "us-west-2")


CASES: list[tuple[str, Callable[[], object]]] = [
    ("resolve version None", lambda: compat.resolve("pytorch", None, "us-west-2")),  # type: ignore[arg-type]
    ("resolve version float", lambda: compat.resolve("pytorch", 1.13, "us-west-2")),  # type: ignore[arg-type]
    ("resolve framework int", lambda: compat.resolve(7, "1.13.1")),  # type: ignore[arg-type]
    ("resolve region list", lambda: compat.resolve("pt", "1.13.1", ["us-west-2"])),  # type: ignore[arg-type]
    ("resolve smddp float", lambda: compat.resolve("pt", "1.13.1", smddp_version=1.7)),  # type: ignore[arg-type]
    ("resolve matrix str", lambda: compat.resolve("pt", "1.13.1", matrix="data/matrix.yaml")),  # type: ignore[arg-type]
    ("resolve_all framework int", lambda: compat.resolve_all(3)),  # type: ignore[arg-type]
    ("resolve_all region int", lambda: compat.resolve_all("pt", 5)),  # type: ignore[arg-type]
    ("find_by_smddp float", lambda: compat.find_by_smddp(1.7)),  # type: ignore[arg-type]
    ("find_by_smddp region int", lambda: compat.find_by_smddp("1.7.0", 1)),  # type: ignore[arg-type]
    ("find_by_smddp framework int", lambda: compat.find_by_smddp("1.7.0", framework=1)),  # type: ignore[arg-type]
    ("list_instance_types float", lambda: compat.list_instance_types(1.7)),  # type: ignore[arg-type]
    ("list_frameworks matrix", lambda: compat.list_frameworks(matrix={})),  # type: ignore[arg-type]
    ("list_regions matrix", lambda: compat.list_regions(matrix=1)),  # type: ignore[arg-type]
    ("load_matrix int", lambda: compat.load_matrix(3)),  # type: ignore[arg-type]
    ("explain None", lambda: compat.explain(None)),  # type: ignore[arg-type]
    ("explain bytes", lambda: compat.explain(b"ResourceLimitExceeded")),  # type: ignore[arg-type]
    ("explain region int", lambda: compat.explain("x", region=1)),  # type: ignore[arg-type]
    ("iam_policy request str", lambda: compat.iam_policy(request="yes")),  # type: ignore[arg-type]
    (
        "preflight version float",
        lambda: compat.preflight("pt", 2.2, "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True),  # type: ignore[arg-type]
    ),
    (
        "preflight instance type None",
        lambda: compat.preflight("pt", "2.2.0", "us-west-2", None, 2, no_aws=True),  # type: ignore[arg-type]
    ),
    (
        "preflight framework None",
        lambda: compat.preflight(None, "2.2.0", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True),  # type: ignore[arg-type]
    ),
    (
        "preflight region int",
        lambda: compat.preflight("pt", "2.2.0", 1, "ml.p4d.24xlarge", 2, no_aws=True),  # type: ignore[arg-type]
    ),
    (
        "preflight spot str",
        lambda: compat.preflight(
            "pt", "2.2.0", "us-west-2", "ml.p4d.24xlarge", 2, spot="no", no_aws=True
        ),  # type: ignore[arg-type]
    ),
    (
        "preflight count str",
        lambda: compat.preflight("pt", "2.2.0", "us-west-2", "ml.p4d.24xlarge", "2", no_aws=True),  # type: ignore[arg-type]
    ),
    ("doctor version float", lambda: compat.doctor("pytorch", 1.13)),  # type: ignore[arg-type]
    ("doctor framework int", lambda: compat.doctor(1)),  # type: ignore[arg-type]
    ("sagemaker_args dict", lambda: compat.sagemaker_args({"framework": "pytorch"})),  # type: ignore[arg-type]
    ("sagemaker_args instance int", lambda: compat.sagemaker_args(_res(), instance_type=5)),  # type: ignore[arg-type]
    ("byoc version float", lambda: _byoc()("pytorch", 1.13, "us-west-2")),
    ("byoc base None", lambda: _byoc()("pytorch", "1.13.1", "us-west-2", base=None)),
]


def _byoc() -> Any:
    from compat.recipes.byoc import byoc

    return byoc


@pytest.mark.parametrize(("name", "call"), CASES, ids=[c[0] for c in CASES])
def test_wrong_argument_types_are_usage_errors_with_a_hint(
    name: str, call: Callable[[], object]
) -> None:
    with pytest.raises(UsageError) as info:
        call()
    assert isinstance(info.value, CompatError)
    assert info.value.hint, name
    assert "must be" in info.value.message, info.value.message


def test_a_float_version_is_told_why_it_must_be_text() -> None:
    with pytest.raises(UsageError) as info:
        compat.resolve("pytorch", 1.10)  # type: ignore[arg-type]
    # 1.10 as a float is 1.1: the hint shows the quoted form.
    assert "'1.1'" in (info.value.hint or "") or "quote" in (info.value.hint or "")


PUBLIC = [
    "resolve",
    "resolve_all",
    "find_by_smddp",
    "list_frameworks",
    "list_regions",
    "list_instance_types",
    "load_matrix",
    "preflight",
    "explain",
    "iam_policy",
    "doctor",
    "sagemaker_args",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_signatures_are_fully_typed(name: str) -> None:
    """mypy can only catch a wrong type first when every parameter has an annotation."""
    func = getattr(compat, name)
    hints = inspect.get_annotations(func)
    for param in inspect.signature(func).parameters.values():
        assert param.name in hints, f"{name}({param.name}) has no annotation"
    assert "return" in hints, name
