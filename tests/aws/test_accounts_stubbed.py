"""Scans across accounts without a server: botocore Stubber for the request and answer shapes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import compat
from compat.aws.accounts import (
    AccountTarget,
    AssumedSessions,
    AssumeRoleSettings,
    account_targets,
    organization_accounts,
)
from compat.aws.org_scan import AccountRow, AccountScan, scan_accounts
from compat.aws.quota_codes import QuotaCodeBook, read_quota
from compat.errors import AwsAccessDeniedError, UsageError

from ..conftest import Invoke
from .conftest import P4D_NAME


def _creds(key: str, minutes: float) -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": "secret-" + key,
            "SessionToken": "token-" + key,
            "Expiration": dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes),
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROA:x", "Arn": "arn:aws:sts::1:assumed-role/r/x"},
    }


def test_assume_role_request_and_refresh_on_expiry() -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    arn = "arn:aws:iam::111111111111:role/Scan"
    want = {
        "RoleArn": arn,
        "RoleSessionName": "nightly",
        "DurationSeconds": 900,
        "ExternalId": "xid-42",
    }
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role", _creds("ASIAFIRST0000000", minutes=1), want
        )  # about to expire
        stub.add_response("assume_role", _creds("ASIASECOND000000", minutes=60), want)
        sessions = AssumedSessions(
            SimpleNamespace(client=lambda *a, **k: sts),
            AssumeRoleSettings(external_id="xid-42", session_name="nightly", duration=900),
        )
        target = AccountTarget("111111111111", arn)
        session = sessions.session(target)
        assert sessions.session(target) is session  # one session per account
        frozen = session.get_credentials().get_frozen_credentials()
        assert frozen.access_key == "ASIASECOND000000"  # refreshed: the first was inside the window
        assert sessions.assume_calls == 2
        stub.assert_no_pending_responses()


def test_denied_assume_role_is_remembered_per_account() -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stub:
        stub.add_client_error("assume_role", "AccessDenied", "not authorized", 403)
        sessions = AssumedSessions(SimpleNamespace(client=lambda *a, **k: sts))
        target = AccountTarget("222222222222", "arn:aws:iam::222222222222:role/Scan")
        for _ in range(3):
            with pytest.raises(AwsAccessDeniedError, match="account 222222222222"):
                sessions.session(target)
        assert sessions.assume_calls == 1


def test_roles_are_assumed_in_their_partition() -> None:
    asked: list[str] = []
    sts = boto3.client("sts", region_name="cn-north-1")

    def client(service: str, region_name: str, config: Any) -> Any:
        asked.append(region_name)
        return sts

    with Stubber(sts) as stub:
        stub.add_response("assume_role", _creds("ASIACHINA0000000", minutes=60))
        sessions = AssumedSessions(SimpleNamespace(client=client))
        sessions.session(AccountTarget("111111111111", "arn:aws-cn:iam::111111111111:role/R"))
    assert asked == ["cn-north-1"]


def test_settings_are_checked() -> None:
    with pytest.raises(UsageError, match="session duration"):
        AssumeRoleSettings(duration=60)
    with pytest.raises(UsageError, match="session name"):
        AssumeRoleSettings(session_name="has space")


def _org_pages(stub: Stubber) -> None:
    stub.add_response(
        "list_accounts",
        {
            "Accounts": [
                {"Id": "333333333333", "Name": "c", "Status": "ACTIVE"},
                {"Id": "444444444444", "Name": "gone", "Status": "SUSPENDED"},
            ],
            "NextToken": "page2",
        },
        {},
    )
    stub.add_response(
        "list_accounts",
        {
            "Accounts": [
                {"Id": "111111111111", "Name": "a", "Status": "ACTIVE"},
                {"Id": "555555555555", "Name": "closing", "Status": "PENDING_CLOSURE"},
            ]
        },
        {"NextToken": "page2"},
    )


def test_organization_pages_and_suspended_accounts_are_skipped_not_dropped() -> None:
    org = boto3.client("organizations", region_name="us-east-1")
    with Stubber(org) as stub:
        _org_pages(stub)
        found = organization_accounts(org)
        assert [(t.account_id, t.name, t.skipped) for t in found] == [
            ("111111111111", "a", None),
            ("333333333333", "c", None),
            ("444444444444", "gone", "the account is SUSPENDED"),
            ("555555555555", "closing", "the account is PENDING_CLOSURE"),
        ]
        _org_pages(stub)
        targets = account_targets(
            organization=True,
            role_name="Scan",
            organizations_client=lambda: org,
            partition="aws-us-gov",
        )
        assert [t.role_arn for t in targets] == [
            f"arn:aws-us-gov:iam::{n * 12}:role/Scan" for n in "1345"
        ]
        stub.assert_no_pending_responses()


def test_account_sources() -> None:
    role = "arn:aws:iam::111111111111:role/team/Scan"
    assert account_targets(role_arn_value=role) == [AccountTarget("111111111111", role)]
    targets = account_targets(
        accounts=["111111111111, 222222222222", "111111111111"], role_name="Scan"
    )
    assert [t.role_arn for t in targets] == [
        "arn:aws:iam::111111111111:role/Scan",
        "arn:aws:iam::222222222222:role/Scan",
    ]
    assert account_targets() == []
    with pytest.raises(UsageError, match="--role-name is needed"):
        account_targets(accounts=["111111111111"])
    with pytest.raises(UsageError, match="not an IAM role ARN"):
        account_targets(role_arn_value="arn:aws:iam::1:user/x")
    with pytest.raises(UsageError, match="cannot be combined"):
        account_targets(role_arn_value=role, accounts=["222222222222"])
    with pytest.raises(UsageError, match="drop --accounts"):
        account_targets(organization=True, accounts=["222222222222"], role_name="Scan")


def _quota(name: str, code: str, value: float) -> dict[str, Any]:
    return {"Quota": {"ServiceCode": "sagemaker", "QuotaCode": code, "QuotaName": name,
                      "Value": value, "Adjustable": True}}  # fmt: skip


def test_known_code_confirmed_by_name_is_one_call() -> None:
    sq = boto3.client("service-quotas", region_name="us-west-2")
    book = QuotaCodeBook({P4D_NAME: "L-09B4A649"})
    with Stubber(sq) as stub:
        stub.add_response(
            "get_service_quota",
            _quota(P4D_NAME, "L-09B4A649", 8),
            {"ServiceCode": "sagemaker", "QuotaCode": "L-09B4A649"},
        )
        value = read_quota(sq, "us-west-2", P4D_NAME, book)
        stub.assert_no_pending_responses()
    assert value is not None
    assert (value.code, value.value, value.applied) == ("L-09B4A649", 8, True)


def test_code_answering_another_name_falls_back_to_the_listing() -> None:
    sq = boto3.client("service-quotas", region_name="us-west-2")
    book = QuotaCodeBook({P4D_NAME: "L-STALE000"})
    with Stubber(sq) as stub:
        stub.add_response("get_service_quota", _quota("something else", "L-STALE000", 1))
        stub.add_response(
            "list_aws_default_service_quotas",
            {"Quotas": [_quota(P4D_NAME, "L-REAL0000", 4)["Quota"]]},
            {"ServiceCode": "sagemaker"},
        )
        stub.add_response("get_service_quota", _quota(P4D_NAME, "L-REAL0000", 6))
        value = read_quota(sq, "us-west-2", P4D_NAME, book)
        stub.assert_no_pending_responses()
    assert value is not None
    assert (value.code, value.value) == ("L-REAL0000", 6)
    assert book.code_for(P4D_NAME) == "L-REAL0000"


def test_default_value_where_never_applied_and_none_when_not_listed() -> None:
    sq = boto3.client("service-quotas", region_name="us-west-2")
    book = QuotaCodeBook({P4D_NAME: "L-09B4A649"})
    with Stubber(sq) as stub:
        stub.add_client_error("get_service_quota", "NoSuchResourceException", "none applied")
        stub.add_response("get_aws_default_service_quota", _quota(P4D_NAME, "L-09B4A649", 2))
        value = read_quota(sq, "us-west-2", P4D_NAME, book)
        assert value is not None
        assert (value.value, value.applied, value.default) == (2, False, 2)
        stub.add_client_error("get_service_quota", "NoSuchResourceException", "none applied")
        stub.add_client_error("get_aws_default_service_quota", "NoSuchResourceException", "no")
        # The code was confirmed by its name above: absent here means not offered here,
        # without reading the listing.
        assert read_quota(sq, "eu-north-1", P4D_NAME, book) is None
        stub.assert_no_pending_responses()


def test_code_book_file_expiry_and_corruption(tmp_path: Path) -> None:
    path = tmp_path / "codes.json"
    now = [1_000_000.0]
    book = QuotaCodeBook({}, path=str(path), ttl=100, clock=lambda: now[0])
    book.learn("a quota", "L-AAAA0000")
    book.save()
    saved = json.loads(path.read_text())
    assert saved == {"codes": {"a quota": {"code": "L-AAAA0000", "learned_at": 1_000_000.0}}}
    # no temporary left (the lock file that serializes processes' saves stays)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.json", "codes.json.lock"]
    now[0] += 50
    assert QuotaCodeBook({}, path=str(path), ttl=100, clock=lambda: now[0]).code_for("a quota")
    now[0] += 51
    expired = QuotaCodeBook(
        {"a quota": "L-MATRIX00"}, path=str(path), ttl=100, clock=lambda: now[0]
    )
    assert expired.code_for("a quota") == "L-MATRIX00"
    path.write_text("{not json")
    assert QuotaCodeBook({}, path=str(path)).code_for("a quota") is None


def _row(verdict: str, headroom: float | None = None) -> AccountRow:
    return AccountRow("111111111111", "us-west-2", verdict, "m", headroom=headroom)


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [
        (["fits", "error"], 0),
        (["short", "not-offered"], 5),
        (["short", "error"], 6),
        (["error"], 6),
    ],
)
def test_scan_exit_codes(verdicts: list[str], code: int) -> None:
    scan = AccountScan("ml.p4d.24xlarge", 2, False, tuple(_row(v) for v in verdicts), 1, 1)
    assert int(scan.exit_code) == code


def test_ctrl_c_returns_the_rows_gathered() -> None:
    def refuse(target: AccountTarget) -> Any:
        raise AwsAccessDeniedError("denied", hint="h")

    seen: list[AccountRow] = []

    def stop_after_first(row: AccountRow) -> None:
        seen.append(row)
        raise KeyboardInterrupt

    targets = [AccountTarget(f"{i:012d}", f"arn:aws:iam::{i:012d}:role/R") for i in range(1, 9)]
    scan = scan_accounts(
        targets, ["us-west-2", "us-east-1"], "ml.p4d.24xlarge", 2,
        workers=1, session_factory=refuse, on_row=stop_after_first,
        code_book=QuotaCodeBook({}),
    )  # fmt: skip
    assert scan.interrupted
    assert len(scan.rows) == len(seen) == 1
    assert int(scan.exit_code) == 130  # interrupted before any row fitted: the process's code
    assert "interrupted after 1 of 16" in scan.to_text()


def test_scan_accounts_is_exported_and_checks_arguments() -> None:
    assert compat.scan_accounts is scan_accounts
    assert "scan_accounts" in compat.__all__
    with pytest.raises(UsageError, match="instance count"):
        scan_accounts(["arn:aws:iam::111111111111:role/R"], ["us-west-2"], "ml.p4d.24xlarge", 0)
    with pytest.raises(compat.NotFoundError):
        scan_accounts(["arn:aws:iam::111111111111:role/R"], ["mars-1"], "ml.p4d.24xlarge", 1)


def test_iam_policy_for_scan(run_cli: Invoke) -> None:
    result = run_cli(
        "iam-policy", "--for-scan", "--caller-account", "999999999999", "--external-id", "xid"
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    caller = data["caller_policy"]["Statement"]
    assert caller[0]["Action"] == ["sts:AssumeRole"]
    assert caller[0]["Resource"] == "arn:aws:iam::*:role/SmddpCompatScan"
    assert caller[1]["Action"] == ["organizations:ListAccounts"]
    member = [a for s in data["member_role_policy"]["Statement"] for a in s["Action"]]
    assert "servicequotas:GetServiceQuota" in member
    assert "iam:ListAccountAliases" in member
    assert not any(a.startswith("servicequotas:Request") for a in member)
    trust = data["trust_policy"]["Statement"][0]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::999999999999:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "xid"}}
    template = run_cli("iam-policy", "--for-scan")
    assert "EXTERNAL_ID" in template.stdout
    assert "replace CALLER_ACCOUNT_ID" in template.stderr
    assert run_cli("iam-policy", "--for-scan", "--caller-account", "12").exit_code == 2


class FakeSageMaker:
    """list_training_jobs by filter and describe_training_job, from a table of jobs."""

    def __init__(self, jobs: dict[str, dict[str, Any]]) -> None:
        self.jobs = jobs
        self.described: list[str] = []

    def get_paginator(self, name: str) -> Any:
        assert name == "list_training_jobs"
        return SimpleNamespace(paginate=self._pages)

    def _pages(self, **filters: str) -> Any:
        found = []
        for job_name, job in self.jobs.items():
            if "StatusEquals" in filters and job["status"] != filters["StatusEquals"]:
                continue
            if (
                "WarmPoolStatusEquals" in filters
                and job.get("warm") != filters["WarmPoolStatusEquals"]
            ):
                continue
            summary: dict[str, Any] = {"TrainingJobName": job_name}
            if job.get("warm"):
                summary["WarmPoolStatus"] = {"Status": job["warm"]}
            found.append(summary)
        yield {"TrainingJobSummaries": found[:2]}
        yield {"TrainingJobSummaries": found[2:]}

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        self.described.append(TrainingJobName)
        return self.jobs[TrainingJobName]["description"]


def test_listing_then_describing_counts_as_count_usage_does() -> None:
    from compat.aws.job_cache import JobCache
    from compat.aws.usage import count_usage, describe_job, list_jobs

    def job(status: str, itype: str, n: int, *, spot: bool = False, warm: str | None = None,
            groups: list[tuple[str, int]] | None = None) -> dict[str, Any]:  # fmt: skip
        config: dict[str, Any] = {"InstanceType": itype, "InstanceCount": n}
        if groups:
            config = {
                "InstanceGroups": [{"InstanceType": t, "InstanceCount": c} for t, c in groups]
            }
        return {"status": status, "warm": warm, "description": {
            "ResourceConfig": config, "EnableManagedSpotTraining": spot}}  # fmt: skip

    jobs = {
        "run": job("InProgress", "ml.p4d.24xlarge", 2),
        "stop": job("Stopping", "x", 0, groups=[("ml.p4d.24xlarge", 1), ("ml.p3dn.24xlarge", 2)]),
        "spot": job("InProgress", "ml.p4d.24xlarge", 4, spot=True),
        "warm": job("Completed", "ml.p4d.24xlarge", 1, warm="Available"),
        "used": job("Completed", "ml.p4d.24xlarge", 3, warm="InUse"),
        "done": job("Completed", "ml.p4d.24xlarge", 8),
    }
    listing = list_jobs(FakeSageMaker(jobs), "us-west-2", jobs=JobCache())
    assert [(j.name, j.warm) for j in listing.jobs] == [
        ("run", False), ("spot", False), ("stop", False), ("warm", True)]  # fmt: skip
    assert listing.names == ("run", "spot", "stop", "warm")  # no ARN: nothing remembered
    fake = FakeSageMaker(jobs)
    described = {n: describe_job(fake, "us-west-2", n) for n in listing.names}
    idle = FakeSageMaker(jobs)
    split = count_usage(idle, "us-west-2", listing=listing, descriptions=described)
    assert idle.described == []  # everything was described beforehand
    whole = count_usage(FakeSageMaker(jobs), "us-west-2")
    assert split == whole
    assert split.of_type("ml.p4d.24xlarge", spot=False) == 4
    assert split.of_type("ml.p4d.24xlarge", spot=True) == 4
