"""What a real organisation does to a scan (issue 21 item 5): opt-in regions, STS endpoints,
partitions, vanished jobs, transient AssumeRole failures, hints, training plans, throttling.

Clients are botocore clients under Stubber (request and answer shapes checked against the
service models) or small fakes where only the scan's bookkeeping is asked.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

import compat
from compat.aws.accounts import AccountTarget, AssumedSessions, AssumeRoleSettings
from compat.aws.org_scan import RateLimit, default_client_factory, scan_accounts
from compat.aws.quota_codes import QuotaCodeBook
from compat.errors import AwsError, AwsThrottledError, UsageError

from ..conftest import Invoke
from .conftest import P4D, P4D_NAME, PER_JOB, QUOTA_CODES, TOTAL
from .test_accounts_stubbed import FakeSageMaker

ENABLED = ["ENABLED", "ENABLED_BY_DEFAULT"]


def _refused(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeQuotas:
    """Service Quotas of one region: GetServiceQuota by code; a region not enabled refuses."""

    def __init__(self, region: str, values: dict[str, float], *, enabled: bool = True) -> None:
        self.region = region
        self.values = values
        self.enabled = enabled
        self.calls = 0

    def _answer(self, QuotaCode: str, operation: str) -> dict[str, Any]:
        self.calls += 1
        if not self.enabled:
            # What AWS answers in an opt-in region the account has not enabled.
            raise _refused(
                "UnrecognizedClientException", "The security token included is invalid.", operation
            )
        for name, code in QUOTA_CODES.items():
            if code == QuotaCode and name in self.values:
                return {"Quota": {"ServiceCode": "sagemaker", "QuotaCode": code,
                                  "QuotaName": name, "Value": self.values[name]}}  # fmt: skip
        raise _refused("NoSuchResourceException", "no such quota", operation)

    def get_service_quota(self, ServiceCode: str, QuotaCode: str) -> dict[str, Any]:
        return self._answer(QuotaCode, "GetServiceQuota")

    def get_aws_default_service_quota(self, ServiceCode: str, QuotaCode: str) -> dict[str, Any]:
        return self._answer(QuotaCode, "GetAWSDefaultServiceQuota")


def _stubbed(service: str, region: str) -> tuple[Any, Stubber]:
    client = boto3.client(service, region_name=region)
    stub = Stubber(client)
    stub.activate()
    return client, stub


class World:
    """Every client the scan asks for, by (service, region), and who asked for what."""

    def __init__(self, quotas: dict[str, FakeQuotas], *, account_api: Any = None,
                 ec2: Any = None) -> None:  # fmt: skip
        self.quotas = quotas
        self.account_api = account_api
        self.ec2 = ec2
        self.asked: list[tuple[str, str]] = []

    def factory(self, session: Any, service: str, region: str) -> Any:
        self.asked.append((service, region))
        if service == "account":
            return self.account_api
        if service == "ec2":
            return self.ec2
        if service == "sagemaker":
            return FakeSageMaker({})
        if service == "service-quotas":
            return self.quotas[region]
        raise AssertionError(f"unexpected client {service} in {region}")


ROOM = {P4D_NAME: 8, TOTAL: 20, PER_JOB: 20}
SHORT = {P4D_NAME: 1, TOTAL: 20, PER_JOB: 20}
ARN = "arn:aws:iam::111111111111:role/Scan"


def _scan(world: World, regions: list[str], count: int = 2, **kw: Any) -> Any:
    return scan_accounts(
        [ARN], regions, P4D, count,
        session_factory=lambda target: object(), client_factory=world.factory,
        code_book=QuotaCodeBook(dict(QUOTA_CODES)), read_aliases=False, workers=2, **kw,
    )  # fmt: skip


def test_opt_in_region_not_enabled_is_skipped_never_an_error() -> None:
    account, stub = _stubbed("account", "us-east-1")
    stub.add_response(
        "list_regions",
        {"Regions": [{"RegionName": "us-west-2", "RegionOptStatus": "ENABLED_BY_DEFAULT"}]},
        {"RegionOptStatusContains": ENABLED},
    )
    world = World(
        {"us-west-2": FakeQuotas("us-west-2", SHORT),
         "af-south-1": FakeQuotas("af-south-1", ROOM, enabled=False)},
        account_api=account,
    )  # fmt: skip
    scan = _scan(world, ["us-west-2", "af-south-1"])
    verdicts = {r.region: r for r in scan.rows}
    assert verdicts["us-west-2"].verdict == "short"
    skipped = verdicts["af-south-1"]
    assert skipped.verdict == "skipped"
    assert "af-south-1 is not enabled for this account (an opt-in region)" in skipped.message
    assert world.quotas["af-south-1"].calls == 0  # never asked
    assert scan.unread == ()
    assert int(scan.exit_code) == 5  # nothing fits and nothing failed: not an AWS error (6)
    assert "1 short, 1 skipped" in scan.to_text()
    assert ("account", "us-east-1") in world.asked
    stub.assert_no_pending_responses()


def test_enabled_regions_fall_back_to_ec2_describe_regions() -> None:
    account, account_stub = _stubbed("account", "us-east-1")
    account_stub.add_client_error("list_regions", "AccessDeniedException", "no", 403)
    ec2, ec2_stub = _stubbed("ec2", "us-east-1")
    ec2_stub.add_response(
        "describe_regions",
        {"Regions": [{"RegionName": "us-west-2", "OptInStatus": "opt-in-not-required"}]},
        {"AllRegions": False},
    )
    world = World(
        {"us-west-2": FakeQuotas("us-west-2", ROOM),
         "me-south-1": FakeQuotas("me-south-1", ROOM, enabled=False)},
        account_api=account, ec2=ec2,
    )  # fmt: skip
    scan = _scan(world, ["us-west-2", "me-south-1"])
    assert {r.region: r.verdict for r in scan.rows} == {
        "us-west-2": "fits",
        "me-south-1": "skipped",
    }
    ec2_stub.assert_no_pending_responses()


def test_without_a_region_list_the_scan_still_reads_every_region() -> None:
    account, stub = _stubbed("account", "us-east-1")
    stub.add_client_error("list_regions", "AccessDeniedException", "no", 403)
    ec2, ec2_stub = _stubbed("ec2", "us-east-1")
    ec2_stub.add_client_error("describe_regions", "UnauthorizedOperation", "no", 403)
    world = World({"us-west-2": FakeQuotas("us-west-2", ROOM)}, account_api=account, ec2=ec2)
    scan = _scan(world, ["us-west-2"])
    assert [r.verdict for r in scan.rows] == ["fits"]


def test_sts_uses_the_regional_endpoint_even_where_legacy_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # boto3 1.28 (the oldest allowed) defaults to 'legacy': us-east-1 goes to the global
    # endpoint, whose tokens opt-in regions refuse. The env var reproduces it on any botocore.
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    base = boto3.session.Session(
        aws_access_key_id="AKIAEXAMPLE", aws_secret_access_key="x", region_name="us-east-1"
    )
    assert base.client("sts").meta.endpoint_url == "https://sts.amazonaws.com"  # the trap
    sessions = AssumedSessions(base)
    assert sessions._sts_client("aws").meta.endpoint_url == "https://sts.us-east-1.amazonaws.com"
    assert (
        sessions._sts_client("aws-cn").meta.endpoint_url
        == "https://sts.cn-north-1.amazonaws.com.cn"
    )


def test_role_arns_organizations_and_alias_follow_the_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from compat.cli.commands import accounts as cli_accounts

    matrix = compat.load_matrix()
    args = cli_accounts.AccountArgs(None, ("111111111111",), None, False, "Scan", None, "s", 3600)
    _, targets = cli_accounts._targets(args, None, matrix, ["cn-north-1"])
    assert [t.role_arn for t in targets] == ["arn:aws-cn:iam::111111111111:role/Scan"]

    org, stub = _stubbed("organizations", "cn-northwest-1")
    stub.add_response("list_accounts", {"Accounts": [{"Id": "222222222222", "Status": "ACTIVE"}]})
    asked: list[tuple[str, str]] = []

    def factory(*a: Any, **k: Any) -> Any:
        def create(session: Any, service: str, region: str) -> Any:
            asked.append((service, region))
            return org

        return create

    from compat.aws import org_scan

    monkeypatch.setattr(org_scan, "default_client_factory", factory)
    org_args = cli_accounts.AccountArgs(None, (), None, True, "Scan", None, "s", 3600)
    _, targets = cli_accounts._targets(org_args, None, matrix, ["us-gov-west-1"])
    assert asked == [("organizations", "us-gov-west-1")]
    assert [t.role_arn for t in targets] == ["arn:aws-us-gov:iam::222222222222:role/Scan"]


def test_the_account_alias_and_region_list_are_read_in_the_partition() -> None:
    world = World({"cn-north-1": FakeQuotas("cn-north-1", ROOM)})
    asked: list[tuple[str, str]] = []

    def factory(session: Any, service: str, region: str) -> Any:
        asked.append((service, region))
        if service == "iam":
            return SimpleNamespace(list_account_aliases=lambda: {"AccountAliases": ["cn-team"]})
        if service in ("account", "ec2"):

            def denied(*a: Any, **k: Any) -> Any:
                raise _refused("AccessDenied", "no", "ListRegions")

            return SimpleNamespace(get_paginator=denied, describe_regions=denied)
        return world.factory(session, service, region)

    scan = scan_accounts(
        ["arn:aws-cn:iam::111111111111:role/Scan"], ["cn-north-1"], P4D, 2,
        session_factory=lambda t: object(), client_factory=factory,
        code_book=QuotaCodeBook(dict(QUOTA_CODES)),
    )  # fmt: skip
    assert ("iam", "cn-north-1") in asked
    assert ("iam", "us-east-1") not in asked
    assert scan.rows[0].alias == "cn-team"
    with pytest.raises(UsageError, match="partition aws-cn, the regions in aws"):
        scan_accounts(["arn:aws-cn:iam::111111111111:role/Scan"], ["us-west-2"], P4D, 2)
    with pytest.raises(UsageError, match="span partitions"):
        scan_accounts([ARN], ["us-west-2", "cn-north-1"], P4D, 2)


def test_iam_policy_for_scan_in_another_partition(run_cli: Invoke) -> None:
    result = run_cli("iam-policy", "--for-scan", "--partition", "aws-cn",
                     "--caller-account", "999999999999", "--external-id", "xid-42")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (
        data["caller_policy"]["Statement"][0]["Resource"]
        == "arn:aws-cn:iam::*:role/SmddpCompatScan"
    )
    principal = data["trust_policy"]["Statement"][0]["Principal"]
    assert principal == {"AWS": "arn:aws-cn:iam::999999999999:root"}
    member = [a for s in data["member_role_policy"]["Statement"] for a in s["Action"]]
    assert "account:ListRegions" in member
    assert "ec2:DescribeRegions" in member


def test_a_job_that_vanished_between_list_and_describe_is_gone_not_an_error() -> None:
    from compat.aws.usage import describe_job

    sagemaker, stub = _stubbed("sagemaker", "us-west-2")
    stub.add_client_error(
        "describe_training_job", "ValidationException", "Requested resource not found.", 400
    )
    assert describe_job(sagemaker, "us-west-2", "ended") is None
    stub.add_client_error(
        "describe_training_job", "ValidationException", "1 validation error detected", 400
    )
    with pytest.raises(AwsError, match="invalid"):
        describe_job(sagemaker, "us-west-2", "bad")

    class Vanishing(FakeSageMaker):
        def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:
            raise _refused("ValidationException", "Requested resource not found.", "Describe")

    world = World({"us-west-2": FakeQuotas("us-west-2", ROOM)})
    jobs = {"ended": {"status": "InProgress", "description": {}}}

    def factory(session: Any, service: str, region: str) -> Any:
        return (
            Vanishing(jobs) if service == "sagemaker" else world.factory(session, service, region)
        )

    scan = scan_accounts(
        [ARN], ["us-west-2"], P4D, 2, session_factory=lambda t: object(), client_factory=factory,
        code_book=QuotaCodeBook(dict(QUOTA_CODES)), read_aliases=False, check_regions=False,
    )  # fmt: skip
    assert [r.verdict for r in scan.rows] == ["fits"]


def _creds() -> dict[str, Any]:
    expiry = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    return {"Credentials": {"AccessKeyId": "ASIAOK0000000000", "SecretAccessKey": "s",
                            "SessionToken": "t", "Expiration": expiry}}  # fmt: skip


def test_a_throttled_assume_role_is_tried_again_on_the_next_region() -> None:
    sts, stub = _stubbed("sts", "us-east-1")
    stub.add_client_error("assume_role", "Throttling", "Rate exceeded", 400)
    stub.add_response("assume_role", _creds())
    sessions = AssumedSessions(SimpleNamespace(client=lambda *a, **k: sts))
    target = AccountTarget("111111111111", ARN)
    with pytest.raises(AwsThrottledError) as caught:
        sessions.session(target)
    assert "next region of this account tries again" in str(caught.value.hint)
    assert sessions.session(target) is not None
    assert sessions.assume_calls == 2
    stub.assert_no_pending_responses()


def test_the_scan_retries_a_transient_failure_to_open_an_account() -> None:
    opened: list[str] = []

    def flaky(target: AccountTarget) -> Any:
        opened.append(target.account_id)
        if len(opened) == 1:
            raise AwsThrottledError("AWS throttled the calls to assume the role", hint="wait")
        return object()

    world = World({r: FakeQuotas(r, ROOM) for r in ("us-west-2", "us-east-1")})
    scan = scan_accounts(
        [ARN], ["us-west-2", "us-east-1"], P4D, 2, session_factory=flaky,
        client_factory=world.factory, code_book=QuotaCodeBook(dict(QUOTA_CODES)),
        read_aliases=False, check_regions=False, workers=1,
    )  # fmt: skip
    assert sorted(r.verdict for r in scan.rows) == ["error", "fits"]
    assert len(opened) == 2


def test_an_invalid_assume_role_says_what_is_invalid() -> None:
    sts, stub = _stubbed("sts", "us-east-1")
    stub.add_client_error(
        "assume_role",
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
        "by role chaining.",
        400,
    )
    sessions = AssumedSessions(
        SimpleNamespace(client=lambda *a, **k: sts), AssumeRoleSettings(duration=7200)
    )
    with pytest.raises(AwsError) as caught:
        sessions.session(AccountTarget("111111111111", ARN))
    error = caught.value
    assert "invalid" in error.message
    assert "DurationSeconds" in error.message
    assert "--session-duration 7200" in str(error.hint)
    assert "network" not in str(error.hint)


def test_training_plan_jobs_do_not_count_against_the_on_demand_quota() -> None:
    from compat.aws.job_cache import JobCache
    from compat.aws.usage import JobListing, ListedJob, count_usage

    plan = "arn:aws:sagemaker:us-west-2:111111111111:training-plan/p5-week"
    listing = JobListing("us-west-2", (ListedJob("planned", None), ListedJob("plain", None)))
    usage = count_usage(
        None,  # type: ignore[arg-type]  # nothing is left to ask AWS
        "us-west-2",
        jobs=JobCache(),
        listing=listing,
        descriptions={
            "planned": {"ResourceConfig": {"InstanceType": P4D, "InstanceCount": 4,
                                           "TrainingPlanArn": plan}},
            "plain": {"ResourceConfig": {"InstanceType": P4D, "InstanceCount": 1}},
        },
    )  # fmt: skip
    assert usage.of_type(P4D, spot=False) == 1
    assert usage.total(spot=False) == 1
    assert usage.training_plan == {P4D: 4}


def test_scan_clients_use_adaptive_retries() -> None:
    client = default_client_factory()(boto3.session.Session(), "sagemaker", "us-west-2")
    assert client.meta.config.retries["mode"] == "adaptive"


def test_rate_limit_bounds_calls_per_account() -> None:
    slept: list[float] = []
    limit = RateLimit(2.0, burst=2.0, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(5):
        limit.acquire()
    assert slept == [0.5, 1.0, 1.5]  # two at once, then one every half second
    with pytest.raises(UsageError):
        RateLimit(0)


def test_every_request_of_an_attached_client_takes_a_token() -> None:
    from botocore.awsrequest import AWSResponse

    body = (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:user/x</Arn>"
        b"<UserId>X</UserId><Account>111111111111</Account></GetCallerIdentityResult>"
        b"</GetCallerIdentityResponse>"
    )

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield body

    sts = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    limit = RateLimit(1000.0)
    limit.attach(sts)
    sts.meta.events.register(
        "before-send", lambda request, **_: AWSResponse(request.url, 200, {}, Raw())
    )
    for _ in range(3):
        assert sts.get_caller_identity()["Account"] == "111111111111"
    assert limit.passed == 3
