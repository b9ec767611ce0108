"""Preflight against stubbed AWS clients: every request and response shape is checked
against the real service models by botocore's Stubber, across pages and errors."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import compat
from compat.aws.clients import SessionClients, aws_call
from compat.aws.quotas import find_quota, quota_value
from compat.aws.usage import count_usage
from compat.errors import (
    AwsAccessDeniedError,
    AwsCredentialsError,
    AwsError,
    AwsNetworkError,
    AwsThrottledError,
)
from compat.exit_codes import ExitCode

from .conftest import (
    P3DN,
    P3DN_NAME,
    P4D,
    P4D_NAME,
    P4D_SPOT_NAME,
    P4D_WARM_NAME,
    PER_JOB,
    PER_JOB_SPOT,
    QUOTA_CODES,
    REGION,
    TOTAL,
    TOTAL_SPOT,
    resource_config,
    training_job_arn,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def _client(service: str) -> Any:
    # A loopback endpoint: even a stub that runs dry never reaches AWS.
    return boto3.client(service, region_name=REGION, endpoint_url="http://127.0.0.1:9")


class Stubs:
    """A stubbed service-quotas and sagemaker client pair, as preflight receives them."""

    def __init__(self) -> None:
        self.sq = _client("service-quotas")
        self.sm = _client("sagemaker")
        self.sq_stub = Stubber(self.sq)
        self.sm_stub = Stubber(self.sm)
        self.clients = {"service-quotas": {REGION: self.sq}, "sagemaker": {REGION: self.sm}}

    # -- service quotas ------------------------------------------------------
    def catalog(self, *pages: list[str]) -> None:
        """ListAWSDefaultServiceQuotas over several pages of quota names."""
        for i, names in enumerate(pages):
            params: dict[str, Any] = {"ServiceCode": "sagemaker"}
            if i:
                params["NextToken"] = f"t{i}"
            response: dict[str, Any] = {
                "Quotas": [
                    {
                        "ServiceCode": "sagemaker",
                        "QuotaName": name,
                        "QuotaCode": QUOTA_CODES[name],
                        "Value": 0.0,
                        "Adjustable": True,
                    }
                    for name in names
                ]
            }
            if i < len(pages) - 1:
                response["NextToken"] = f"t{i + 1}"
            self.sq_stub.add_response("list_aws_default_service_quotas", response, params)

    def quota(self, name: str, value: float, *, adjustable: bool = True) -> None:
        self.sq_stub.add_response(
            "get_service_quota",
            {
                "Quota": {
                    "ServiceCode": "sagemaker",
                    "QuotaName": name,
                    "QuotaCode": QUOTA_CODES[name],
                    "Value": value,
                    "Adjustable": adjustable,
                }
            },
            {"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[name]},
        )

    def default_only(self, name: str, default: float) -> None:
        """No value was ever applied: GetServiceQuota fails, the default answers."""
        self.sq_stub.add_client_error(
            "get_service_quota",
            service_error_code="NoSuchResourceException",
            http_status_code=400,
            expected_params={"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[name]},
        )
        self.sq_stub.add_response(
            "get_aws_default_service_quota",
            {
                "Quota": {
                    "ServiceCode": "sagemaker",
                    "QuotaName": name,
                    "QuotaCode": QUOTA_CODES[name],
                    "Value": default,
                    "Adjustable": True,
                }
            },
            {"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[name]},
        )

    def default(self, name: str, value: float) -> None:
        self.sq_stub.add_response(
            "get_aws_default_service_quota",
            {
                "Quota": {
                    "ServiceCode": "sagemaker",
                    "QuotaName": name,
                    "QuotaCode": QUOTA_CODES[name],
                    "Value": value,
                    "Adjustable": True,
                }
            },
            {"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[name]},
        )

    def absent(self, name: str) -> None:
        """The code answers NoSuchResourceException for both reads (not in this region)."""
        for operation in ("get_service_quota", "get_aws_default_service_quota"):
            self.sq_stub.add_client_error(
                operation,
                service_error_code="NoSuchResourceException",
                http_status_code=400,
                expected_params={"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[name]},
            )

    # -- sagemaker -----------------------------------------------------------
    def listing(self, filters: dict[str, str], *pages: list[str], warm: bool = False) -> None:
        for i, names in enumerate(pages):
            params: dict[str, Any] = dict(filters)
            if i:
                params["NextToken"] = f"n{i}"
            summaries = []
            for name in names:
                summary: dict[str, Any] = {
                    "TrainingJobName": name,
                    "TrainingJobArn": training_job_arn(name),
                    "CreationTime": NOW,
                    "TrainingJobStatus": "Completed" if warm else filters["StatusEquals"],
                }
                if warm:
                    summary["WarmPoolStatus"] = {"Status": "Available"}
                summaries.append(summary)
            response: dict[str, Any] = {"TrainingJobSummaries": summaries}
            if i < len(pages) - 1:
                response["NextToken"] = f"n{i + 1}"
            self.sm_stub.add_response("list_training_jobs", response, params)

    def describe(
        self,
        name: str,
        instance_type: str | None = P4D,
        count: int = 1,
        *,
        spot: bool = False,
        groups: list[tuple[str, int]] | None = None,
        plan: str | None = None,
    ) -> None:
        config = resource_config(instance_type, count, groups)
        if plan is not None:
            config = {**config, "TrainingPlanArn": plan}
        self.sm_stub.add_response(
            "describe_training_job",
            {
                "TrainingJobName": name,
                "TrainingJobArn": training_job_arn(name),
                "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/model.tar.gz"},
                "TrainingJobStatus": "InProgress",
                "SecondaryStatus": "Training",
                "AlgorithmSpecification": {"TrainingInputMode": "File"},
                "ResourceConfig": config,
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                "CreationTime": NOW,
                "EnableManagedSpotTraining": spot,
            },
            {"TrainingJobName": name},
        )

    def no_jobs(self) -> None:
        self.listing({"StatusEquals": "InProgress"}, [])
        self.listing({"StatusEquals": "Stopping"}, [])
        self.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)

    def __enter__(self) -> Stubs:
        self.sq_stub.activate()
        self.sm_stub.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sq_stub.deactivate()
        self.sm_stub.deactivate()

    def assert_done(self) -> None:
        self.sq_stub.assert_no_pending_responses()
        self.sm_stub.assert_no_pending_responses()


def _busy_account(s: Stubs) -> None:
    """Running: 2 x p4d (on-demand, listed over two pages with an empty page between),
    a stopping heterogeneous job with 1 x p4d + 2 x p3dn, a spot job of 4 x p4d,
    and a warm pool holding 1 x p4d."""
    s.listing({"StatusEquals": "InProgress"}, ["job-a"], [], ["job-spot"])
    s.describe("job-a", P4D, 2)
    s.describe("job-spot", P4D, 4, spot=True)
    s.listing({"StatusEquals": "Stopping"}, ["job-hetero"])
    s.describe("job-hetero", groups=[(P4D, 1), (P3DN, 2)])
    s.listing({"WarmPoolStatusEquals": "Available"}, ["job-warm"], warm=True)
    s.describe("job-warm", P4D, 1)


def _quotas(s: Stubs, *, p4d: float, total: float, per_job: float) -> None:
    """The matrix knows these three codes: one read each, no listing."""
    s.quota(P4D_NAME, p4d)
    s.quota(TOTAL, total)
    s.default_only(PER_JOB, per_job)


def test_preflight_passes_with_headroom_counted_from_live_usage() -> None:
    with Stubs() as s:
        _busy_account(s)
        _quotas(s, p4d=8, total=20, per_job=10)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 4, clients=s.clients)
        s.assert_done()
    assert report.status.value == "pass"
    assert report.exit_code is ExitCode.OK
    per_type = report.check("instance-quota")
    # 2 running + 1 stopping (instance group) + 1 warm pool; the spot job does not count.
    assert (per_type.limit, per_type.usage, per_type.requested, per_type.headroom) == (8, 4, 4, 4)
    assert per_type.quota_code == "L-09B4A649"
    total = report.check("total-instances-quota")
    assert (total.limit, total.usage, total.headroom) == (20, 6, 14)  # 2 + 1 + 2 p3dn + 1 warm
    per_job = report.check("per-job-quota")
    assert (per_job.limit, per_job.usage, per_job.headroom) == (10, None, 10)
    assert "per-job-quota" in report.to_dict()["checks"][4]["name"]


def test_preflight_fails_with_the_numbers_when_the_request_does_not_fit() -> None:
    with Stubs() as s:
        _busy_account(s)
        _quotas(s, p4d=8, total=20, per_job=10)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 5, clients=s.clients)
    assert report.status.value == "fail"
    assert report.exit_code is ExitCode.QUOTA
    check = report.check("instance-quota")
    assert check.status.value == "fail"
    assert check.message == (
        "'ml.p4d.24xlarge for training job usage': limit 8, in use 4, requested 5, "
        "headroom 4: 1 short"
    )
    assert check.remedy is not None
    assert (
        "smddp-compat quota request --instance-type ml.p4d.24xlarge --region us-west-2 "
        "--desired 9" in check.remedy
    )
    data = report.to_dict()
    assert data["status"] == "fail"
    assert data["exit_code"] == 5
    assert data["checks"][2] | {} == {
        "name": "instance-quota",
        "status": "fail",
        "message": check.message,
        "remedy": check.remedy,
        "quota_name": P4D_NAME,
        "quota_code": "L-09B4A649",
        "limit": 8,
        "usage": 4,
        "requested": 5,
        "headroom": 4,
        "exit_code": 5,
        "alternatives": [],
    }


def test_spot_counts_only_spot_jobs_against_spot_quotas() -> None:
    with Stubs() as s:
        _busy_account(s)
        s.quota(P4D_SPOT_NAME, 6)
        s.quota(TOTAL_SPOT, 6)
        s.quota(PER_JOB_SPOT, 4)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 3, spot=True, clients=s.clients)
        s.assert_done()
    per_type = report.check("instance-quota")
    assert per_type.quota_name == P4D_SPOT_NAME
    assert (per_type.usage, per_type.headroom) == (4, 2)
    assert per_type.status.value == "fail"
    assert report.check("per-job-quota").status.value == "pass"
    assert report.exit_code is ExitCode.QUOTA


def test_usage_above_the_limit_gives_zero_headroom_never_negative() -> None:
    with Stubs() as s:
        _busy_account(s)
        _quotas(s, p4d=2, total=20, per_job=10)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 1, clients=s.clients)
    check = report.check("instance-quota")
    assert (check.limit, check.usage, check.headroom) == (2, 4, 0)
    assert check.remedy is not None
    assert "--desired 5" in check.remedy


def test_per_job_limit_fails_with_a_quota_name_request() -> None:
    with Stubs() as s:
        s.no_jobs()
        s.quota(P4D_NAME, 16)
        s.quota(TOTAL, 16)
        s.quota(PER_JOB, 4)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 8, clients=s.clients)
    check = report.check("per-job-quota")
    assert check.status.value == "fail"
    assert check.remedy is not None
    assert (
        "--quota-name 'Maximum number of instances per training job' --region us-west-2 "
        "--desired 8" in check.remedy
    )


def test_unadjustable_quota_says_so() -> None:
    with Stubs() as s:
        s.no_jobs()
        s.quota(P4D_NAME, 1, adjustable=False)
        s.quota(TOTAL, 16)
        s.quota(PER_JOB, 16)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, clients=s.clients)
    remedy = report.check("instance-quota").remedy
    assert remedy == "this quota is not adjustable: use fewer instances"


def test_quota_not_offered_in_region_is_not_eligible() -> None:
    with Stubs() as s:
        s.no_jobs()
        s.absent(P4D_NAME)  # the known code is not there: the listing decides
        s.catalog([TOTAL, PER_JOB])
        s.quota(TOTAL, 16)
        s.quota(PER_JOB, 16)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, clients=s.clients)
        s.assert_done()
    check = report.check("instance-quota")
    assert check.status.value == "fail"
    assert "lists no quota 'ml.p4d.24xlarge for training job usage' in us-west-2" in check.message
    assert report.exit_code is ExitCode.NOT_ELIGIBLE


def test_name_to_code_lookup_is_cached_per_region() -> None:
    with Stubs() as s:
        s.catalog([TOTAL], [P4D_NAME])
        first = find_quota(s.sq, REGION, P4D_NAME)
        second = find_quota(s.sq, REGION, TOTAL)  # no second listing is stubbed
        missing = find_quota(s.sq, REGION, "ml.x.y for training job usage")
        s.assert_done()
    assert first is not None
    assert first.code == "L-09B4A649"
    assert second is not None
    assert second.code == "L-00C91CB5"
    assert missing is None


def test_get_service_quota_falls_back_to_the_default() -> None:
    with Stubs() as s:
        s.catalog([P4D_NAME])
        s.default_only(P4D_NAME, 3)
        info = find_quota(s.sq, REGION, P4D_NAME)
        assert info is not None
        value = quota_value(s.sq, REGION, info)
        s.assert_done()
    assert (value.value, value.applied, value.default) == (3.0, False, 0.0)


def test_usage_counts_instance_groups_spot_and_warm_pools_across_pages() -> None:
    with Stubs() as s:
        _busy_account(s)
        usage = count_usage(s.sm, REGION)
        s.assert_done()
    assert dict(usage.on_demand) == {P4D: 3, P3DN: 2}
    assert dict(usage.spot) == {P4D: 4}
    assert dict(usage.warm_pool) == {P4D: 1}
    assert usage.jobs == 4


def test_a_job_that_vanished_between_list_and_describe_is_skipped() -> None:
    with Stubs() as s:
        s.listing({"StatusEquals": "InProgress"}, ["gone"])
        s.sm_stub.add_client_error(
            "describe_training_job",
            service_error_code="ResourceNotFound",
            http_status_code=400,
            expected_params={"TrainingJobName": "gone"},
        )
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        usage = count_usage(s.sm, REGION)
    assert usage.total(spot=False) == 0


@pytest.mark.parametrize(
    ("code", "status", "error_type", "words"),
    [
        ("AccessDeniedException", 400, AwsAccessDeniedError, "sagemaker:ListTrainingJobs"),
        ("ThrottlingException", 400, AwsThrottledError, "throttled"),
        ("ExpiredTokenException", 400, AwsCredentialsError, "expired"),
        ("UnrecognizedClientException", 400, AwsCredentialsError, "rejected the credentials"),
        ("ServiceUnavailable", 503, AwsNetworkError, "unavailable"),
        ("InternalFailure", 500, AwsError, "InternalFailure"),
    ],
)
def test_usage_errors_become_error_checks_with_exit_6(
    code: str, status: int, error_type: type[AwsError], words: str
) -> None:
    with Stubs() as s:
        s.sm_stub.add_client_error(
            "list_training_jobs",
            service_error_code=code,
            service_message="no",
            http_status_code=status,
            expected_params={"StatusEquals": "InProgress"},
        )
        with pytest.raises(error_type) as caught:
            count_usage(s.sm, REGION)
        assert words in str(caught.value)
        s.sm_stub.add_client_error(
            "list_training_jobs",
            service_error_code=code,
            http_status_code=status,
            expected_params={"StatusEquals": "InProgress"},
        )
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, clients=s.clients)
    assert report.status.value == "error"
    assert report.exit_code is ExitCode.AWS
    for name in ("instance-quota", "total-instances-quota", "per-job-quota"):
        check = report.check(name)
        assert check.status.value == "error"
        assert check.remedy
    assert report.check("eligibility").status.value == "pass"


def test_access_denied_on_one_quota_names_the_action_and_the_rest_still_run() -> None:
    with Stubs() as s:
        s.no_jobs()
        s.sq_stub.add_client_error(
            "get_service_quota",
            service_error_code="AccessDeniedException",
            http_status_code=400,
            expected_params={"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[P4D_NAME]},
        )
        s.quota(TOTAL, 16)
        s.quota(PER_JOB, 16)
        report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, clients=s.clients)
        s.assert_done()
    check = report.check("instance-quota")
    assert check.status.value == "error"
    assert check.remedy is not None
    assert "servicequotas:GetServiceQuota" in check.remedy
    assert "smddp-compat iam-policy" in check.remedy
    assert report.check("total-instances-quota").status.value == "pass"
    assert report.exit_code is ExitCode.AWS


def test_throttling_on_the_listing_stops_the_region_after_one_call() -> None:
    with Stubs() as s:
        s.no_jobs()
        s.sq_stub.add_client_error(
            "list_aws_default_service_quotas",
            service_error_code="TooManyRequestsException",
            http_status_code=400,
        )
        # ml.p3dn.24xlarge has no recorded code: its quota is looked up in the listing.
        report = compat.preflight("pytorch", "1.13.1", REGION, P3DN, 2, clients=s.clients)
        s.assert_done()  # one failed call; the other checks were not attempted
    statuses = [report.check(n).status.value for n in ("instance-quota", "per-job-quota")]
    assert statuses == ["error", "error"]
    assert "after retries" in report.check("per-job-quota").message


def test_no_aws_sends_nothing() -> None:
    class Refuse:
        def client(self, service: str, region: str) -> Any:
            raise AssertionError(f"--no-aws asked for a {service} client")

    report = compat.preflight("pt", "1.13.1", REGION, P4D, 2, clients=Refuse(), no_aws=True)
    statuses = [c.status.value for c in report.checks]
    assert statuses == ["pass", "pass", "skipped", "skipped", "skipped"]
    assert report.status.value == "partial"
    assert report.to_dict()["aws"] is False


def test_no_credentials_is_an_error_that_says_how_to_set_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, session=boto3.Session())
    assert report.exit_code is ExitCode.AWS
    check = report.check("instance-quota")
    assert check.message.startswith("no AWS credentials were found")
    assert check.remedy is not None
    # The library's remedy is shown by every face (CLI, HTTP): it names no CLI option.
    assert "--no-aws" not in check.remedy
    assert "aws configure" in check.remedy
    assert "AWS_PROFILE" in check.remedy


def test_unknown_profile_is_a_credentials_error() -> None:
    with pytest.raises(AwsCredentialsError, match="profile"):
        SessionClients(profile="no-such-profile").client("sagemaker", REGION)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_endpoint_is_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    clients = SessionClients(boto3.Session(), max_attempts=1, connect_timeout=1)
    report = compat.preflight("pytorch", "1.13.1", REGION, P4D, 2, clients=clients)
    check = report.check("instance-quota")
    assert check.status.value == "error"
    assert "could not be reached" in check.message
    assert report.exit_code is ExitCode.AWS


def test_an_endpoint_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)  # accept, never answer

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
        clients = SessionClients(boto3.Session(), max_attempts=1, read_timeout=0.3)
        with pytest.raises(AwsNetworkError, match="did not answer in time"):
            count_usage(clients.client("sagemaker", REGION), REGION)
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


def test_aws_call_passes_non_aws_errors_through() -> None:
    with pytest.raises(KeyError), aws_call("do something"):
        raise KeyError("x")


def test_clients_mapping_without_the_region_is_a_clear_error() -> None:
    report = compat.preflight(
        "pytorch", "1.13.1", REGION, P4D, 2, clients={"sagemaker": {}, "service-quotas": {}}
    )
    message = report.check("instance-quota").message
    assert message == "no service-quotas client was given for us-west-2"


def _history_item(request_id: str, status: str, desired: float) -> dict[str, Any]:
    return {
        "Id": request_id,
        "ServiceCode": "sagemaker",
        "QuotaCode": QUOTA_CODES[P4D_NAME],
        "QuotaName": P4D_NAME,
        "DesiredValue": desired,
        "Status": status,
        "Created": NOW,
    }


def test_quota_state_lists_open_requests_across_pages_and_requests_more() -> None:
    from compat.aws.increase import quota_state, request_increase

    with Stubs() as s:
        s.quota(P4D_NAME, 4)
        params = {"ServiceCode": "sagemaker", "QuotaCode": QUOTA_CODES[P4D_NAME]}
        s.sq_stub.add_response(
            "list_requested_service_quota_change_history_by_quota",
            {"RequestedQuotas": [_history_item("r1", "CASE_CLOSED", 6)], "NextToken": "h1"},
            params,
        )
        s.sq_stub.add_response(
            "list_requested_service_quota_change_history_by_quota",
            {"RequestedQuotas": [], "NextToken": "h2"},
            {**params, "NextToken": "h1"},
        )
        s.sq_stub.add_response(
            "list_requested_service_quota_change_history_by_quota",
            {"RequestedQuotas": [_history_item("r2", "PENDING", 8)]},
            {**params, "NextToken": "h2"},
        )
        s.sq_stub.add_response(
            "request_service_quota_increase",
            {"RequestedQuota": _history_item("r3", "PENDING", 12)},
            {**params, "DesiredValue": 12.0},
        )
        matrix = compat.load_matrix()
        state = quota_state(s.clients, matrix, REGION, P4D_NAME)
        assert [r.id for r in state.open_requests] == ["r2"]
        assert state.to_text() == (
            "quota 'ml.p4d.24xlarge for training job usage' (L-09B4A649) in us-west-2: 4\n"
            "open request r2: PENDING, 'ml.p4d.24xlarge for training job usage' (L-09B4A649) "
            "in us-west-2 to 8"
        )
        with pytest.raises(compat.UsageError, match="not above the current value 4"):
            request_increase(s.clients, matrix, state, 4)
        made = request_increase(s.clients, matrix, state, 12)
        s.assert_done()
    assert made.to_dict() == {
        "id": "r3",
        "status": "PENDING",
        "quota_name": P4D_NAME,
        "quota_code": "L-09B4A649",
        "region": REGION,
        "desired_value": 12,
        "case_id": None,
        "created": "2026-01-01T00:00:00+00:00",
    }


def test_request_refused_by_aws_is_an_aws_error() -> None:
    from compat.aws.increase import quota_state, request_increase

    with Stubs() as s:
        s.quota(P4D_NAME, 4)
        s.sq_stub.add_response(
            "list_requested_service_quota_change_history_by_quota", {"RequestedQuotas": []}
        )
        s.sq_stub.add_client_error(
            "request_service_quota_increase",
            service_error_code="ResourceAlreadyExistsException",
            service_message="A request already exists",
            http_status_code=400,
        )
        matrix = compat.load_matrix()
        state = quota_state(s.clients, matrix, REGION, P4D_NAME)
        with pytest.raises(AwsError, match="ResourceAlreadyExistsException"):
            request_increase(s.clients, matrix, state, 8)


def test_unknown_quota_name_suggests_the_closest() -> None:
    from compat.aws.increase import quota_state

    with Stubs() as s:
        s.catalog([P4D_NAME, TOTAL])
        with pytest.raises(compat.NotFoundError) as caught:
            quota_state(
                s.clients, compat.load_matrix(), REGION, "Number of instances across all jobs"
            )
    assert caught.value.hint is not None
    assert f"did you mean {TOTAL!r}?" in caught.value.hint


def test_quota_table_rows() -> None:
    from compat.aws.table import quota_table

    with Stubs() as s:
        _busy_account(s)
        # An applied value is shown with its default beside it (one more read each).
        s.quota(P4D_NAME, 8)
        s.default(P4D_NAME, 0)
        s.absent(P4D_SPOT_NAME)  # not offered here: the listing says so, once
        s.catalog([P4D_NAME, TOTAL, PER_JOB, TOTAL_SPOT, PER_JOB_SPOT])
        s.default_only(P4D_WARM_NAME, 0)
        s.quota(TOTAL, 20)
        s.default(TOTAL, 4)
        s.quota(TOTAL_SPOT, 10)
        s.default(TOTAL_SPOT, 4)
        s.default_only(PER_JOB, 10)
        s.quota(PER_JOB_SPOT, 10)
        s.default(PER_JOB_SPOT, 10)
        rows = quota_table(s.clients, compat.load_matrix(), REGION, [P4D])
        s.assert_done()
    table = {r.quota_name: r for r in rows}
    assert [table[P4D_NAME].usage, table[P4D_NAME].headroom] == [4, 4.0]
    assert (table[P4D_NAME].value, table[P4D_NAME].default) == (8, 0)
    assert table[P4D_SPOT_NAME].note == "not offered"
    assert [table[TOTAL_SPOT].usage, table[TOTAL_SPOT].headroom] == [4, 6.0]
    assert [table[PER_JOB].usage, table[PER_JOB].applied, table[PER_JOB].headroom] == [
        None,
        False,
        10.0,
    ]


def test_a_warm_preflight_makes_exactly_these_calls_and_no_listing() -> None:
    """Cold: the unknown code is listed and learned, the running job described. Warm (a new
    process, the cache directory kept): three ListTrainingJobs pages and one read per quota."""
    from compat.aws.job_cache import forget_job_caches
    from compat.aws.quota_codes import forget_books
    from compat.aws.quotas import clear_cache

    def run(s: Stubs) -> tuple[compat.PreflightReport, list[str]]:
        calls: list[str] = []

        def record(model: Any, **_: Any) -> None:
            calls.append(model.name)

        for client in (s.sq, s.sm):
            client.meta.events.register("provide-client-params", record)
        report = compat.preflight("pytorch", "1.13.1", REGION, P3DN, 2, clients=s.clients)
        s.assert_done()
        return report, calls

    with Stubs() as s:
        s.listing({"StatusEquals": "InProgress"}, ["job-a"])
        s.describe("job-a", P3DN, 1)
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        s.catalog([TOTAL], [P3DN_NAME, PER_JOB])
        s.quota(P3DN_NAME, 4)
        s.quota(TOTAL, 20)
        s.default_only(PER_JOB, 10)
        cold, cold_calls = run(s)
    assert cold.exit_code is ExitCode.OK
    assert cold_calls.count("ListAWSDefaultServiceQuotas") == 2
    assert cold_calls.count("DescribeTrainingJob") == 1

    clear_cache()
    forget_books()
    forget_job_caches()
    with Stubs() as s:
        s.listing({"StatusEquals": "InProgress"}, ["job-a"])
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        s.quota(P3DN_NAME, 4)  # by the learned code
        s.quota(TOTAL, 20)
        s.default_only(PER_JOB, 10)
        warm, warm_calls = run(s)
    assert warm_calls == [
        "ListTrainingJobs",
        "ListTrainingJobs",
        "ListTrainingJobs",
        "GetServiceQuota",
        "GetServiceQuota",
        "GetServiceQuota",
        "GetAWSDefaultServiceQuota",
    ]
    assert warm.to_dict()["checks"] == cold.to_dict()["checks"]
    assert warm.check("instance-quota").usage == 1  # the remembered job still counts


def test_a_job_seen_before_is_not_described_again() -> None:
    from compat.aws.job_cache import JobCache

    cache = JobCache()
    with Stubs() as s:
        s.listing({"StatusEquals": "InProgress"}, ["job-a"])
        s.describe("job-a", P4D, 2)
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        first = count_usage(s.sm, REGION, jobs=cache)
        s.listing({"StatusEquals": "InProgress"}, ["job-a"])
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        second = count_usage(s.sm, REGION, jobs=cache)
        s.assert_done()
    assert dict(first.on_demand) == dict(second.on_demand) == {P4D: 2}


def test_a_remembered_training_plan_job_stays_off_the_on_demand_quota(tmp_path: Path) -> None:
    """The job cache keeps whether a job runs on a training plan: a warm run (no describe)
    counts it in training_plan, as the cold run did, never against the on-demand quota."""
    from compat.aws.job_cache import JobCache

    plan = "arn:aws:sagemaker:us-west-2:123456789012:training-plan/p4d-week"
    path = str(tmp_path / "jobs.json")
    with Stubs() as s:
        s.listing({"StatusEquals": "InProgress"}, ["job-a", "job-b"])
        s.describe("job-a", P4D, 4, plan=plan)
        s.describe("job-b", P4D, 1)
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        cold = count_usage(s.sm, REGION, jobs=JobCache(path))
        s.listing({"StatusEquals": "InProgress"}, ["job-a", "job-b"])
        s.listing({"StatusEquals": "Stopping"}, [])
        s.listing({"WarmPoolStatusEquals": "Available"}, [], warm=True)
        warm = count_usage(s.sm, REGION, jobs=JobCache(path))  # read back from the file
        s.assert_done()
    for usage in (cold, warm):
        assert dict(usage.on_demand) == {P4D: 1}
        assert dict(usage.training_plan) == {P4D: 4}


def test_a_confirmed_code_absent_from_a_region_means_not_offered_without_a_listing() -> None:
    """Codes are the same in every region: once AWS answered a code with its name, a region
    that has no such code does not offer the quota (the listing is not read)."""
    from compat.aws.quota_codes import QuotaCodeBook, read_quota

    book = QuotaCodeBook({P4D_NAME: QUOTA_CODES[P4D_NAME]})
    with Stubs() as s:
        s.absent(P4D_NAME)  # not yet confirmed: the listing decides
        s.catalog([TOTAL])
        assert read_quota(s.sq, "eu-north-1", P4D_NAME, book) is None
        s.quota(P4D_NAME, 8)  # confirmed here
        found = read_quota(s.sq, REGION, P4D_NAME, book)
        s.absent(P4D_NAME)  # and absent elsewhere: no second listing is stubbed
        missing = read_quota(s.sq, "ap-south-2", P4D_NAME, book)
        s.assert_done()
    assert found is not None
    assert found.value == 8
    assert missing is None
