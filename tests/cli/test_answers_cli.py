"""Issue 11 through the CLI: conflicts are usage errors, partial preflights say so, hints lead somewhere."""

from __future__ import annotations

import json

from ..conftest import Invoke


def test_resolve_with_conflicting_smddp_version_is_exit_2_naming_both(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "1.13.1", "--smddp-version", "2.6.0", "-r", "us-west-2"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "1.13.1" in result.stderr and "2.6.0" in result.stderr


def test_resolve_with_agreeing_smddp_version_is_that_release(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "2", "--smddp-version", "2.5.0", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["framework_version"], data["smddp_version"]) == ("2.4.1", "2.5.0")
    assert data["requested_version"] == "2"
    assert data["requested_smddp_version"] == "2.5.0"


def test_resolve_with_framework_and_smddp_version_only_is_still_the_reverse_lookup(
    run_cli: Invoke,
) -> None:
    result = run_cli("resolve", "-f", "pl", "--smddp-version", "1.5.0", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [r["framework_version"] for r in data] == ["1.7.2", "1.7.0", "1.6.4", "1.6.3", "1.5.10"]
    assert {r["requested_version"] for r in data} == {None}


# -- preflight: no PASS for checks that did not run ---------------------------------------
PREFLIGHT = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", "us-west-2"]
P4D = ["-t", "ml.p4d.24xlarge", "-n", "2"]
QUOTA_CHECKS = ["instance-quota", "total-instances-quota", "per-job-quota"]


def test_preflight_without_aws_is_partial_and_names_what_did_not_run(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, *P4D, "--no-aws")
    assert result.exit_code == 0
    last = result.stdout.splitlines()[-1]
    assert not last.startswith("result: PASS")
    assert last.startswith("result: PARTIAL: ")
    for name in QUOTA_CHECKS:
        assert name in last
    assert last.endswith("(exit 0)")


def test_preflight_json_without_aws_is_partial(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, *P4D, "--no-aws", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["status"], data["exit_code"]) == ("partial", 0)
    assert data["not_checked"] == QUOTA_CHECKS


def test_require_aws_fails_a_partial_preflight_with_exit_5(run_cli: Invoke) -> None:
    import compat

    report = compat.preflight(
        "pytorch", "2.2.0", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True, require_aws=True
    )
    assert report.status.value == "partial"
    assert int(report.exit_code) == 5
    assert "require" in report.to_text().splitlines()[-1]


def test_require_aws_with_no_aws_is_a_usage_error_naming_both(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, *P4D, "--no-aws", "--require-aws")
    assert result.exit_code == 2
    assert "--no-aws" in result.stderr and "--require-aws" in result.stderr


def test_a_failed_eligibility_stays_a_failure_not_partial(run_cli: Invoke) -> None:
    result = run_cli(*PREFLIGHT, "-t", "ml.p5.48xlarge", "-n", "2", "--no-aws", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["status"], data["exit_code"]) == ("fail", 4)
