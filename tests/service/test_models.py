"""The service's OpenAPI mirror models describe exactly what the library returns."""

from __future__ import annotations

import pytest

import compat

pytest.importorskip("fastapi")

from compat.service.models import (
    ExplanationModel,
    PreflightCheck,
    PreflightReportModel,
)

CLASSIC = (
    "ResourceLimitExceeded: An error occurred (ResourceLimitExceeded) when calling the "
    "CreateTrainingJob operation: The account-level service limit 'ml.p3dn.24xlarge for "
    "training job usage' is 0 Instances, with current utilization of 0 Instances and a "
    "request delta of 1 Instances. Please contact AWS support to request an increase for "
    "this limit."
)


def test_preflight_report_fields_match_the_library() -> None:
    report = compat.preflight(
        "pytorch", "1.13.1", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True
    ).to_dict()
    assert set(PreflightReportModel.model_fields) == set(report)
    for check in report["checks"]:
        assert set(PreflightCheck.model_fields) == set(check)
    PreflightReportModel.model_validate(report)  # the values fit the documented types too


def test_explanation_fields_match_the_library() -> None:
    data = compat.explain(CLASSIC).to_dict()
    assert set(ExplanationModel.model_fields) == set(data)
    ExplanationModel.model_validate(data)
