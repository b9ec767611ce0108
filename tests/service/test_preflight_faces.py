"""The CLI and HTTP faces of preflight decide "AWS could not be asked" by one library rule.

``PreflightReport.aws_failure`` is that rule: for the same report, the CLI
exits 6 with its hint exactly when ``/v1/preflight`` answers 502 with the
failing check's message and remedy; otherwise both give the report itself.
The library's ``preflight`` is replaced here by one returning a made report,
so that every shape of report (an error, a failure that is an AWS problem, an
AWS error behind an earlier refusal) reaches both faces alike.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from compat.aws.report import Check, CheckStatus, PreflightReport
from compat.exit_codes import ExitCode

from ..conftest import Invoke
from .support import make_client

ARGS = {
    "framework": "pytorch",
    "version": "1.13.1",
    "region": "us-west-2",
    "instance_type": "ml.p4d.24xlarge",
    "instance_count": "2",
}
CLI_HINT = "hint: AWS could not be asked"
RESOLVED = Check("resolve", CheckStatus.PASS, "pytorch 1.13.1")
DENIED = Check(
    "quota:per-type",
    CheckStatus.ERROR,
    "AccessDeniedException from service-quotas",
    remedy="allow servicequotas:GetServiceQuota",
    exit_code=ExitCode.AWS,
)
THROTTLED = Check(
    "usage",
    CheckStatus.FAIL,
    "throttled by sagemaker ListTrainingJobs",
    remedy="retry in a minute",
    exit_code=ExitCode.AWS,
)
NOT_ELIGIBLE = Check(
    "eligibility",
    CheckStatus.FAIL,
    "ml.p4d.24xlarge is not supported",
    exit_code=ExitCode.NOT_ELIGIBLE,
)
ODD = Check("quota:total", CheckStatus.ERROR, "could not be read")  # no exit code of its own

REPORTS = {
    "an AWS error": (RESOLVED, DENIED),
    "a failure that is an AWS problem": (RESOLVED, THROTTLED),
    "an AWS error behind a refusal": (RESOLVED, NOT_ELIGIBLE, DENIED),
    "an error that is no AWS problem": (RESOLVED, ODD),
    "all passed": (RESOLVED,),
}


def _report(checks: tuple[Check, ...]) -> PreflightReport:
    return PreflightReport(
        framework="pytorch",
        version="1.13.1",
        region="us-west-2",
        instance_type="ml.p4d.24xlarge",
        instance_count=2,
        spot=False,
        checks=checks,
    )


@pytest.mark.parametrize("shape", list(REPORTS))
def test_cli_and_http_agree_on_whether_aws_could_not_be_asked(
    monkeypatch: pytest.MonkeyPatch, run_cli: Invoke, shape: str
) -> None:
    report = _report(REPORTS[shape])

    def made(*args: Any, **kwargs: Any) -> PreflightReport:
        return report

    import compat
    import compat.aws

    monkeypatch.setattr(compat, "preflight", made, raising=False)
    monkeypatch.setattr(compat.aws, "preflight", made, raising=False)
    with make_client() as c:
        http = c.get("/v1/preflight", params=ARGS)
    cli = run_cli(
        "preflight",
        *("-f", ARGS["framework"], "--version", ARGS["version"], "-r", ARGS["region"]),
        *("-t", ARGS["instance_type"], "-n", ARGS["instance_count"], "--format", "json"),
    )
    failed = report.aws_failure()
    assert cli.exit_code == int(report.exit_code)
    assert json.loads(cli.stdout) == report.to_dict()
    if failed is None:
        assert CLI_HINT not in cli.stderr
        assert http.status_code == 200
        assert http.json() == report.to_dict()
    else:
        assert cli.exit_code == ExitCode.AWS
        assert CLI_HINT in cli.stderr
        assert http.status_code == 502
        body = http.json()
        assert body["detail"] == f"{failed.name}: {failed.message}"
        assert body["hint"] == failed.remedy
        assert body["report"] == report.to_dict()


def test_the_rule_names_the_check_that_decides() -> None:
    assert _report(REPORTS["an AWS error"]).aws_failure() is DENIED
    assert _report(REPORTS["a failure that is an AWS problem"]).aws_failure() is THROTTLED
    # The refusal comes first: the report exits 4, and AWS is not what it is about.
    assert _report(REPORTS["an AWS error behind a refusal"]).aws_failure() is None
    assert _report(REPORTS["an error that is no AWS problem"]).aws_failure() is None
