"""The service's OpenAPI mirror models describe exactly what the library returns."""

from __future__ import annotations

import compat
from compat.service.models import (
    ExplanationModel,
    PreflightCheck,
    PreflightReportModel,
)

from ..aws.conftest import CLASSIC


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
