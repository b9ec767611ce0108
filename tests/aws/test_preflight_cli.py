"""preflight, explain and iam-policy on the command line, without AWS (--no-aws, no network)."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys

import pytest

import compat
from compat.errors import UsageError

from ..conftest import Invoke, subprocess_env
from .conftest import CLASSIC

ARGS = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", "us-west-2"]


def test_preflight_no_aws_text(run_cli: Invoke) -> None:
    result = run_cli(*ARGS, "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws")
    assert result.exit_code == 0
    assert result.stdout == (
        "preflight: pytorch 2.2.0 in us-west-2, 2 x ml.p4d.24xlarge\n"
        "PASS  resolve                pytorch 2.2.0 with smddp 2.2.0 in us-west-2\n"
        "PASS  eligibility            ml.p4d.24xlarge is supported for smddp 2.2.0\n"
        "SKIP  instance-quota         skipped: --no-aws\n"
        "SKIP  total-instances-quota  skipped: --no-aws\n"
        "SKIP  per-job-quota          skipped: --no-aws\n"
        "result: PARTIAL: what ran passed; not checked: instance-quota, "
        "total-instances-quota, per-job-quota (exit 0)\n"
    )


def test_preflight_no_aws_json(run_cli: Invoke) -> None:
    result = run_cli(*ARGS, "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws", "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == "partial"
    assert data["aws"] is False
    assert [c["name"] for c in data["checks"]] == [
        "resolve",
        "eligibility",
        "instance-quota",
        "total-instances-quota",
        "per-job-quota",
    ]
    assert data["checks"][2] == {
        "name": "instance-quota",
        "status": "skipped",
        "message": "skipped: --no-aws",
        "remedy": None,
        "quota_name": "ml.p4d.24xlarge for training job usage",
        "quota_code": None,
        "limit": None,
        "usage": None,
        "requested": None,
        "headroom": None,
        "exit_code": 0,
        "alternatives": [],
    }


@pytest.mark.parametrize(
    ("version", "itype", "count", "code", "words"),
    [
        ("2.2.0", "ml.p5.48xlarge", "2", 4, "torch_distributed"),
        ("2.2.0", "ml.p5en.48xlarge", "2", 4, "torch_distributed"),
        ("2.2.0", "p4d.24xlarge", "2", 4, "did you mean ml.p4d.24xlarge?"),
        ("2.2.0", "ml.g5.48xlarge", "2", 4, "use one of: ml.p3dn.24xlarge, ml.p4d.24xlarge"),
        ("2.2.0", "ml.p3.16xlarge", "2", 4, "deprecated for smddp 2.2.0"),
        ("1.13.1", "ml.p3.16xlarge", "2", 0, "supported for smddp 1.7.0"),
        ("1.11.0", "ml.p4de.24xlarge", "2", 4, "unsupported for smddp 1.4.1"),
        ("1.12.1", "ml.p4de.24xlarge", "2", 0, "supported for smddp 1.6.0"),
        ("2.2.0", "ml.p3dn.24xlarge", "2", 0, "only the AllReduce collective"),
        ("2.2.0", "ml.p4d.24xlarge", "1", 0, "smddp pays off across nodes"),
        ("9.9.9", "ml.p4d.24xlarge", "2", 3, "FAIL  resolve"),
    ],
)
def test_preflight_eligibility_exit_codes(
    run_cli: Invoke, version: str, itype: str, count: str, code: int, words: str
) -> None:
    args = ["preflight", "-f", "pt", "--version", version, "-r", "us-east-1"]
    result = run_cli(*args, "-t", itype, "-n", count, "--no-aws")
    assert result.exit_code == code, result.stdout + result.stderr
    assert words in result.stdout


def test_preflight_unknown_region_is_exit_3(run_cli: Invoke) -> None:
    args = ["preflight", "-f", "pt", "--version", "2.2.0", "-r", "us-west-9"]
    result = run_cli(*args, "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws")
    assert result.exit_code == 3
    assert "FAIL  resolve                unknown region 'us-west-9'" in result.stdout


def test_preflight_usage_errors(run_cli: Invoke) -> None:
    no_region = run_cli("preflight", "-f", "pt", "-t", "ml.p4d.24xlarge", "-n", "2", "--no-aws")
    assert no_region.exit_code == 2
    assert "preflight needs a region" in no_region.stderr
    zero = run_cli(*ARGS, "-t", "ml.p4d.24xlarge", "-n", "0", "--no-aws")
    assert zero.exit_code == 2
    with pytest.raises(UsageError, match="between 1 and"):
        compat.preflight("pt", "2.2.0", "us-west-2", "ml.p4d.24xlarge", 0, no_aws=True)
    with pytest.raises(UsageError, match="whole number"):
        compat.preflight("pt", "2.2.0", "us-west-2", "ml.p4d.24xlarge", True, no_aws=True)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_preflight_without_credentials_exits_6_with_advice(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    result = run_cli(*ARGS, "-t", "ml.p4d.24xlarge", "-n", "2")
    assert result.exit_code == 6
    assert "ERROR instance-quota         no AWS credentials were found" in result.stdout
    assert "--no-aws" in result.stderr  # preflight's own way out, in its hint
    assert "Traceback" not in result.stdout + result.stderr


def test_preflight_unknown_profile_exits_6(run_cli: Invoke) -> None:
    result = run_cli(*ARGS, "-t", "ml.p4d.24xlarge", "-n", "2", "--profile", "nope")
    assert result.exit_code == 6
    assert "the AWS profile was not found" in result.stdout


def test_explain_argument_stdin_and_json(run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("explain", CLASSIC, "--region", "us-east-1")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == (
        "command        smddp-compat quota request --instance-type ml.p3dn.24xlarge "
        "--region us-east-1 --desired 1"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("log line\n" + CLASSIC + "\nmore log\n"))
    piped = run_cli("explain", "-", "--format", "json")
    assert json.loads(piped.stdout)["quota_name"] == "ml.p3dn.24xlarge for training job usage"


def test_explain_unreadable_text_exits_3(run_cli: Invoke) -> None:
    result = run_cli("explain", "Something else went wrong")
    assert result.exit_code == 3
    assert result.stderr.startswith(
        "error: no ResourceLimitExceeded quota message found in the text"
    )
    as_json = run_cli("explain", "nothing", "--format", "json")
    assert json.loads(as_json.stdout)["error"] == "not-found"


def test_iam_policy(run_cli: Invoke) -> None:
    read = json.loads(run_cli("iam-policy").stdout)
    assert read["Version"] == "2012-10-17"
    assert [s["Sid"] for s in read["Statement"]] == ["SmddpCompatPreflightRead"]
    assert read["Statement"][0]["Action"] == [
        "sagemaker:DescribeTrainingJob",
        "sagemaker:ListTrainingJobs",
        "servicequotas:GetAWSDefaultServiceQuota",
        "servicequotas:GetServiceQuota",
        "servicequotas:ListAWSDefaultServiceQuotas",
    ]
    both = json.loads(run_cli("iam-policy", "--request").stdout)
    assert both["Statement"][1]["Action"] == [
        "servicequotas:ListRequestedServiceQuotaChangeHistoryByQuota",
        "servicequotas:RequestServiceQuotaIncrease",
    ]


def test_quota_commands_need_a_region_and_one_quota(run_cli: Invoke) -> None:
    show = run_cli("quota", "show")
    assert show.exit_code == 2
    assert "no region given" in show.stderr
    both = run_cli(
        "quota", "request", "-t", "ml.p4d.24xlarge", "-r", "us-west-2", "--desired", "4",
        "--spot", "--warm-pool",
    )  # fmt: skip
    assert both.exit_code == 2
    scan = run_cli("quota", "scan", "-t", "ml.p4d.24xlarge", "-n", "2", "-r", "mars-1")
    assert scan.exit_code == 3


def test_help_lists_the_commands(run_cli: Invoke) -> None:
    out = run_cli("--help").stdout
    for name in ("preflight", "quota", "explain", "iam-policy"):
        assert f"  {name} " in out
    for sub in ("show", "scan", "request"):
        assert run_cli("quota", sub, "--help").exit_code == 0


def test_no_aws_and_explain_never_import_boto() -> None:
    code = (
        "import sys, compat\n"
        "r = compat.preflight('pt', '2.2.0', 'us-west-2', 'ml.p4d.24xlarge', 2, no_aws=True)\n"
        "assert r.exit_code == 0\n"
        f"compat.explain({CLASSIC!r})\n"
        "compat.iam_policy()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore'))\n"
        "print(loaded)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_importing_the_package_does_not_shadow_the_function() -> None:
    import compat.aws.report

    report = compat.preflight("pt", "2.2.0", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True)
    assert isinstance(report, compat.PreflightReport)
    assert report.exit_code == 0
