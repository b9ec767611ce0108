"""Preflight over real HTTP: moto's ThreadedMotoServer on 127.0.0.1 and real boto3 clients.

moto has no SageMaker quotas, so the tests inject them by patching its
service-quotas backend in-process (the server runs in this process's thread);
training jobs are created with CreateTrainingJob and their status set in
moto's backend. The CLI finds the server through AWS_ENDPOINT_URL, as a user
with a VPC endpoint or a local test server would.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.servicequotas.responses import ServiceQuotasResponse

import compat
from compat.aws.clients import SessionClients
from compat.aws.quotas import clear_cache
from compat.exit_codes import ExitCode

from ..conftest import Invoke, free_port
from .conftest import (
    ACCOUNT,
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
    patch_warm_pools,
    seed_job,
    serve_moto,
)

pytestmark = pytest.mark.integration


#: region -> quota name -> {"code", "default", "applied" (None: never applied)}
QUOTAS: dict[str, dict[str, dict[str, Any]]] = {}
#: Open or past increase requests, per quota code.
REQUESTS: dict[str, list[dict[str, Any]]] = {}


def _quota(region: str, name: str, q: dict[str, Any], value: float) -> dict[str, Any]:
    return {
        "ServiceCode": "sagemaker",
        "ServiceName": "Amazon SageMaker",
        "QuotaArn": f"arn:aws:servicequotas:{region}:{ACCOUNT}:sagemaker/{q['code']}",
        "QuotaCode": q["code"],
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def _by_code(region: str, code: str) -> tuple[str, dict[str, Any]] | None:
    for name, q in QUOTAS.get(region, {}).items():
        if q["code"] == code:
            return name, q
    return None


def _error(code: str, message: str) -> tuple[int, dict[str, Any], str]:
    headers = {"status": 400, "Content-Type": "application/x-amz-json-1.1"}
    return 400, headers, json.dumps({"__type": code, "message": message})


# Handlers patched onto moto's ServiceQuotasResponse: they serve QUOTAS.
def _list_defaults(self: Any) -> Any:
    params = json.loads(self.body)
    if params.get("ServiceCode") != "sagemaker":
        return _error("NoSuchResourceException", "no such service")
    quotas = [
        _quota(self.region, n, q, q["default"]) for n, q in QUOTAS.get(self.region, {}).items()
    ]
    start = int(params.get("NextToken") or 0)
    page = 2  # small pages: the client must follow NextToken
    body: dict[str, Any] = {"Quotas": quotas[start : start + page]}
    if start + page < len(quotas):
        body["NextToken"] = str(start + page)
    return json.dumps(body)


def _get_applied(self: Any) -> Any:
    params = json.loads(self.body)
    found = _by_code(self.region, params["QuotaCode"])
    if found is None or found[1]["applied"] is None:
        return _error("NoSuchResourceException", "no applied value")
    name, q = found
    return json.dumps({"Quota": _quota(self.region, name, q, q["applied"])})


def _get_default(self: Any) -> Any:
    params = json.loads(self.body)
    found = _by_code(self.region, params["QuotaCode"])
    if found is None:
        return _error("NoSuchResourceException", "no such quota")
    name, q = found
    return json.dumps({"Quota": _quota(self.region, name, q, q["default"])})


def _history(self: Any) -> Any:
    params = json.loads(self.body)
    return json.dumps({"RequestedQuotas": REQUESTS.get(params["QuotaCode"], [])})


def _request_increase(self: Any) -> Any:
    params = json.loads(self.body)
    found = _by_code(self.region, params["QuotaCode"])
    assert found is not None
    name, q = found
    item = {
        "Id": f"req-{len(REQUESTS.get(q['code'], [])) + 1}",
        "ServiceCode": "sagemaker",
        "QuotaCode": q["code"],
        "QuotaName": name,
        "DesiredValue": params["DesiredValue"],
        "Status": "PENDING",
    }
    REQUESTS.setdefault(q["code"], []).append(item)
    return json.dumps({"RequestedQuota": item})


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    patch.setattr(ServiceQuotasResponse, "list_aws_default_service_quotas", _list_defaults)
    patch.setattr(ServiceQuotasResponse, "get_service_quota", _get_applied)
    patch.setattr(
        ServiceQuotasResponse, "get_aws_default_service_quota", _get_default, raising=False
    )
    patch.setattr(
        ServiceQuotasResponse,
        "list_requested_service_quota_change_history_by_quota",
        _history,
        raising=False,
    )
    patch.setattr(
        ServiceQuotasResponse, "request_service_quota_increase", _request_increase, raising=False
    )
    patch_warm_pools(patch)
    yield from serve_moto(patch)


@pytest.fixture(autouse=True)
def _clean(server_url: str) -> None:
    request = urllib.request.Request(f"{server_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    QUOTAS.clear()
    REQUESTS.clear()


@pytest.fixture
def clients(server_url: str, monkeypatch: pytest.MonkeyPatch) -> SessionClients:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    return SessionClients(boto3.Session(), max_attempts=1)


def set_quotas(region: str = REGION, **values: tuple[float, float | None]) -> None:
    """Quotas by short key: (default, applied or None)."""
    names = {
        "p4d": P4D_NAME,
        "p4d_spot": P4D_SPOT_NAME,
        "p4d_warm": P4D_WARM_NAME,
        "p3dn": P3DN_NAME,
        "total": TOTAL,
        "total_spot": TOTAL_SPOT,
        "per_job": PER_JOB,
        "per_job_spot": PER_JOB_SPOT,
    }
    table = QUOTAS.setdefault(region, {})
    for key, (default, applied) in values.items():
        name = names[key]
        table[name] = {"code": QUOTA_CODES[name], "default": default, "applied": applied}


def _busy(server_url: str) -> None:
    seed_job(server_url, "running", "InProgress", count=2)
    seed_job(server_url, "stopping", "Stopping", groups=[(P4D, 1), ("ml.p3dn.24xlarge", 2)])
    seed_job(server_url, "spot", "InProgress", count=4, spot=True)
    seed_job(server_url, "warm", "Completed", count=1, warm_pool="Available")
    seed_job(server_url, "warm-used", "Completed", count=3, warm_pool="InUse")
    seed_job(server_url, "done", "Completed", count=8)
    seed_job(server_url, "failed", "Failed", count=8)


def test_headroom_from_real_responses(server_url: str, clients: SessionClients) -> None:
    _busy(server_url)
    set_quotas(p4d=(0, 8), p3dn=(0, 2), total=(4, 20), per_job=(10, None))
    report = compat.preflight("pytorch", "2.2.0", REGION, P4D, 4, clients=clients)
    per_type = report.check("instance-quota")
    # running 2 + stopping 1 + warm pool 1; spot, completed, failed and in-use pools do not count
    assert (per_type.limit, per_type.usage, per_type.headroom, per_type.status.value) == (
        8,
        4,
        4,
        "pass",
    )
    total = report.check("total-instances-quota")
    assert (total.limit, total.usage, total.headroom) == (20, 6, 14)
    per_job = report.check("per-job-quota")  # never applied: the default answers
    assert (per_job.limit, per_job.status.value) == (10, "pass")
    assert report.exit_code is ExitCode.OK

    over = compat.preflight("pytorch", "2.2.0", REGION, P4D, 5, clients=clients)
    assert over.exit_code is ExitCode.QUOTA
    assert over.check("instance-quota").message.endswith("headroom 4: 1 short")


def test_spot_over_http(server_url: str, clients: SessionClients) -> None:
    _busy(server_url)
    set_quotas(p4d_spot=(0, 6), total_spot=(20, None), per_job_spot=(20, None))
    report = compat.preflight("pytorch", "2.2.0", REGION, P4D, 3, spot=True, clients=clients)
    check = report.check("instance-quota")
    assert (check.usage, check.headroom, check.status.value) == (4, 2, "fail")


def test_pages_of_jobs_are_followed(server_url: str, clients: SessionClients) -> None:
    # moto pages before it filters by status: some pages come back empty with a NextToken.
    for i in range(12):
        seed_job(server_url, f"old-{i}", "Completed", count=1)
    seed_job(server_url, "late", "InProgress", count=3)
    from compat.aws.usage import count_usage

    client = clients.client("sagemaker", REGION)
    real = client.get_paginator

    def small_pages(name: str) -> Any:
        paginator = real(name)
        paginate = paginator.paginate
        paginator.paginate = lambda **kw: paginate(**kw, PaginationConfig={"PageSize": 5})
        return paginator

    client.get_paginator = small_pages
    usage = count_usage(client, REGION)
    assert dict(usage.on_demand) == {P4D: 3}


def test_quota_missing_from_the_region(server_url: str, clients: SessionClients) -> None:
    set_quotas(total=(20, None), per_job=(20, None))
    report = compat.preflight("pytorch", "2.2.0", REGION, P4D, 2, clients=clients)
    assert report.exit_code is ExitCode.NOT_ELIGIBLE


def test_preflight_cli_json_through_aws_endpoint_url(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    _busy(server_url)
    set_quotas(p4d=(0, 8), total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    args = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-r", REGION, "-t", P4D]
    result = run_cli(*args, "-n", "6", "--format", "json")
    assert result.exit_code == 5, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "fail"
    assert data["exit_code"] == 5
    check = next(c for c in data["checks"] if c["name"] == "instance-quota")
    assert {k: check[k] for k in ("limit", "usage", "requested", "headroom", "quota_code")} == {
        "limit": 8,
        "usage": 4,
        "requested": 6,
        "headroom": 4,
        "quota_code": "L-09B4A649",
    }
    text = run_cli(*args, "-n", "2")
    assert text.exit_code == 0
    assert text.stdout.splitlines()[-1] == "result: PASS: the job should start (exit 0)"
    assert (
        "PASS  instance-quota         'ml.p4d.24xlarge for training job usage': limit 8, "
        "in use 4, requested 2, headroom 4" in text.stdout
    )


def test_quota_show_cli(server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    _busy(server_url)
    set_quotas(p4d=(0, 8), p4d_warm=(2, None), total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    result = run_cli("quota", "show", "-r", REGION, "-t", P4D, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {r["quota_name"]: r for r in json.loads(result.stdout)}
    assert rows["ml.p4d.24xlarge for training job usage"] | {} == {
        "region": REGION,
        "quota_name": "ml.p4d.24xlarge for training job usage",
        "quota_code": "L-09B4A649",
        "value": 8,
        "default": 0,
        "applied": True,
        "adjustable": True,
        "usage": 4,
        "headroom": 4,
        "note": None,
    }
    assert rows["ml.p4d.24xlarge for training warm pool usage"]["usage"] == 1
    assert rows["ml.p4d.24xlarge for spot training job usage"]["note"] == "not offered"
    text = run_cli("quota", "show", "-r", REGION, "-t", P4D)
    assert "ml.p4d.24xlarge for training job usage" in text.stdout
    assert text.stdout.splitlines()[0].lower().split() == [
        "quota",
        "code",
        "value",
        "default",
        "usage",
        "headroom",
        "adjustable",
    ]
    row = next(line for line in text.stdout.splitlines() if "for training job usage" in line)
    assert row.split()[-6:] == ["L-09B4A649", "8", "0", "4", "4", "yes"]


def test_quota_scan_cli_orders_regions_and_reports_failures(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_quotas("us-west-2", p4d=(0, 8), total=(20, None), per_job=(10, None))
    set_quotas("us-east-1", p4d=(0, 16), total=(20, None), per_job=(10, None))
    set_quotas("eu-west-1", p4d=(0, 2), total=(20, None), per_job=(10, None))
    set_quotas("ap-south-1", total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    regions = ["-r", "us-west-2", "-r", "us-east-1", "-r", "eu-west-1", "-r", "ap-south-1"]
    result = run_cli("quota", "scan", "-t", P4D, "-n", "4", *regions, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # The one scan shape (docs/scan-report.schema.json): regions scanned, rows, fits as rows.
    assert [r["region"] for r in data["fits"]] == ["us-east-1", "us-west-2"]
    assert data["regions"] == ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"]
    assert [(r["region"], r["verdict"]) for r in data["rows"]] == [
        ("us-east-1", "fits"),
        ("us-west-2", "fits"),
        ("eu-west-1", "short"),
        ("ap-south-1", "not-offered"),
    ]
    assert result.stderr == ""  # no progress when stderr is not a terminal
    text = run_cli("quota", "scan", "-t", P4D, "-n", "4", *regions)
    lines = text.stdout.splitlines()
    assert lines[0] == "regions with room for 4 x ml.p4d.24xlarge: 2 of 4"
    assert lines[1].startswith("OK     us-east-1   'ml.p4d.24xlarge for training job usage'")
    assert lines[4].startswith("NONE   ap-south-1  Service Quotas lists no quota")


def test_scan_region_failure_does_not_stop_the_scan(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compat.aws.scan import scan_regions

    set_quotas("us-west-2", p4d=(0, 8), total=(20, None), per_job=(10, None))
    set_quotas("us-east-1", p4d=(0, 8), total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    good = SessionClients(boto3.Session(), max_attempts=1)

    class OneRegionDenied:
        def client(self, service: str, region: str) -> Any:
            if region == "us-east-1":
                return boto3.client(service, region_name=region, endpoint_url=_dead_url())
            return good.client(service, region)

    seen: list[tuple[int, int]] = []
    result = scan_regions(
        OneRegionDenied(),
        compat.load_matrix(),
        ["us-west-2", "us-east-1"],
        P4D,
        2,
        workers=2,
        progress=lambda done, total, region: seen.append((done, total)),
    )
    assert [(r.region, r.verdict) for r in result.regions] == [
        ("us-west-2", "fits"),
        ("us-east-1", "error"),
    ]
    assert "could not be reached" in result.regions[1].message
    assert sorted(seen) == [(1, 2), (2, 2)]


def _dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_quota_request_cli(
    server_url: str,
    run_cli: Invoke,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_quotas(p4d=(0, 4))
    REQUESTS["L-09B4A649"] = [
        {
            "Id": "old",
            "QuotaCode": "L-09B4A649",
            "QuotaName": "ml.p4d.24xlarge for training job usage",
            "ServiceCode": "sagemaker",
            "DesiredValue": 6.0,
            "Status": "CASE_CLOSED",
        }
    ]
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    base = ["quota", "request", "-t", P4D, "-r", REGION]
    refused = run_cli(*base, "--desired", "4", "--yes")
    assert refused.exit_code == 2
    assert "the desired value 4 is not above the current value 4" in refused.stderr
    assert REQUESTS["L-09B4A649"][-1]["Id"] == "old"

    monkeypatch.setattr("sys.stdin", _Input("n\n"))
    declined = run_cli(*base, "--desired", "8")
    assert declined.exit_code == 0
    assert "Not requested." in declined.stderr
    assert len(REQUESTS["L-09B4A649"]) == 1

    done = run_cli(*base, "--desired", "8", "--yes", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert "quota 'ml.p4d.24xlarge for training job usage' (L-09B4A649) in us-west-2: 4" in (
        done.stderr
    )
    answer = json.loads(done.stdout)
    assert (answer["id"], answer["status"], answer["desired_value"]) == ("req-2", "PENDING", 8)

    again = run_cli(*base, "--desired", "10", "--yes")
    assert "open request req-2: PENDING" in again.stderr
    assert "request old" not in again.stderr  # closed requests are not open
    assert again.stdout.startswith("request req-3: PENDING")


class _Input:
    """A stdin that answers a prompt."""

    def __init__(self, text: str) -> None:
        import io

        self._io = io.StringIO(text)

    def readline(self, *args: Any) -> str:
        return self._io.readline(*args)

    def read(self, *args: Any) -> str:
        return self._io.read(*args)

    def isatty(self) -> bool:
        return False


def test_throttling_is_retried_in_standard_mode(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TooManyRequestsException comes as HTTP 400; standard retries still retry it."""
    set_quotas(p4d=(0, 8), total=(20, None), per_job=(10, None))
    calls: list[str] = []

    def flaky(self: Any) -> Any:
        calls.append(self.region)
        if len(calls) <= 2:
            return _error("TooManyRequestsException", "slow down")
        return _get_applied(self)

    # The known codes are read with GetServiceQuota (no listing): throttle that.
    monkeypatch.setattr(ServiceQuotasResponse, "get_service_quota", flaky)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    retried = SessionClients(boto3.Session(), max_attempts=3)
    report = compat.preflight("pytorch", "2.2.0", REGION, P4D, 2, clients=retried)
    assert report.exit_code is ExitCode.OK
    assert len(calls) == 5  # two throttled, then one read for each of the three quotas

    calls.clear()
    clear_cache()
    once = SessionClients(boto3.Session(), max_attempts=1)
    report = compat.preflight("pytorch", "2.2.0", REGION, P4D, 2, clients=once)
    assert report.exit_code is ExitCode.AWS
    assert "throttled" in report.check("instance-quota").message


def test_scan_shows_progress_on_a_terminal(
    server_url: str,
    run_cli: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    set_quotas("us-west-2", p4d=(0, 8), total=(20, None), per_job=(10, None))
    set_quotas("us-east-1", p4d=(0, 8), total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    result = run_cli("quota", "scan", "-t", P4D, "-n", "2", "-r", "us-west-2", "-r", "us-east-1")
    assert result.exit_code == 0
    assert "checked 2/2 regions" in result.stderr
    assert "checked" not in result.stdout


def _new_process() -> None:
    """What a new CI process starts with: no in-memory caches, the cache directory kept."""
    from compat.aws.job_cache import forget_job_caches
    from compat.aws.quota_codes import forget_books

    clear_cache()
    forget_books()
    forget_job_caches()


def _counted(server_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[SessionClients, list[str]]:
    """Clients whose every API call (each page too) is recorded by operation name."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    session = boto3.Session()
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    session.events.register("provide-client-params", record)
    return SessionClients(session, max_attempts=1), calls


def test_a_warm_preflight_reads_each_quota_once_and_lists_none(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exact calls of a preflight over HTTP: cold (first run) and warm (a new process
    with the cache directory kept, as a CI step runs it)."""
    seed_job(server_url, "running", "InProgress", count=2)
    set_quotas(p3dn=(0, 4), total=(4, 20), per_job=(10, None))
    clients, calls = _counted(server_url, monkeypatch)
    cold = compat.preflight("pytorch", "2.2.0", REGION, "ml.p3dn.24xlarge", 1, clients=clients)
    assert cold.exit_code is ExitCode.OK, cold.to_text()
    # ml.p3dn.24xlarge has no code in the matrix: listed once (two quotas a page), learned.
    assert calls == [
        "ListTrainingJobs",
        "DescribeTrainingJob",
        "ListTrainingJobs",
        "ListTrainingJobs",
        "ListAWSDefaultServiceQuotas",
        "ListAWSDefaultServiceQuotas",
        "GetServiceQuota",
        "GetServiceQuota",
        "GetServiceQuota",
        "GetAWSDefaultServiceQuota",
    ]
    _new_process()
    clients, calls = _counted(server_url, monkeypatch)
    warm = compat.preflight("pytorch", "2.2.0", REGION, "ml.p3dn.24xlarge", 1, clients=clients)
    assert warm.to_dict()["checks"] == cold.to_dict()["checks"]
    assert calls == [
        "ListTrainingJobs",  # InProgress: the running job was described last time
        "ListTrainingJobs",  # Stopping
        "ListTrainingJobs",  # WarmPoolStatusEquals=Available
        "GetServiceQuota",  # ml.p3dn.24xlarge, by the code learned from the listing
        "GetServiceQuota",  # Number of instances across all training jobs
        "GetServiceQuota",  # Maximum number of instances per training job: never applied,
        "GetAWSDefaultServiceQuota",  # so its default
    ]


def test_a_code_that_answers_with_another_name_falls_back_to_the_listing(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached code that AWS now gives another name is not trusted: the listing decides."""
    import json as _json

    from compat.aws.quota_codes import codes_file

    set_quotas(p3dn=(0, 4), total=(4, 20), per_job=(10, None))
    path = codes_file()
    assert path is not None
    import os
    import time

    os.makedirs(os.path.dirname(path), exist_ok=True)
    wrong = {"codes": {P3DN_NAME: {"code": QUOTA_CODES[TOTAL], "learned_at": time.time()}}}
    with open(path, "w", encoding="utf-8") as fh:
        _json.dump(wrong, fh)
    _new_process()
    clients, calls = _counted(server_url, monkeypatch)
    report = compat.preflight("pytorch", "2.2.0", REGION, "ml.p3dn.24xlarge", 1, clients=clients)
    check = report.check("instance-quota")
    assert (check.quota_code, check.limit) == (QUOTA_CODES[P3DN_NAME], 4)
    assert calls.count("ListAWSDefaultServiceQuotas") >= 1
    with open(path, encoding="utf-8") as fh:
        assert _json.load(fh)["codes"][P3DN_NAME]["code"] == QUOTA_CODES[P3DN_NAME]


def test_quota_request_off_a_terminal_says_to_pass_yes(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_quotas(p4d=(0, 4))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    monkeypatch.setattr("sys.stdin", _Input(""))  # a pipe or CI: end of input, no answer
    result = run_cli("quota", "request", "-t", P4D, "-r", REGION, "--desired", "8")
    assert result.exit_code == 2
    assert "Aborted" not in result.stderr
    assert "hint: pass --yes" in result.stderr
    assert REQUESTS.get("L-09B4A649") is None  # nothing was requested


def test_quota_request_for_a_type_not_offered_names_no_other_type(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The region lists p4d but not p3dn: asking for p3dn must not suggest p4d's quota."""
    set_quotas(p4d=(0, 4), total=(4, 20))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    result = run_cli(
        "quota", "request", "-t", "ml.p3dn.24xlarge", "-r", REGION, "--desired", "2", "--yes"
    )
    assert result.exit_code == 4, result.stderr
    assert "ml.p3dn.24xlarge is likely not offered for training there" in result.stderr
    assert P4D not in result.stderr
    assert "quota scan --instance-type ml.p3dn.24xlarge" in result.stderr
    typo = run_cli(
        "quota", "request", "--quota-name", "Number of instances across all jobs",
        "-r", REGION, "--desired", "30", "--yes",
    )  # fmt: skip
    assert typo.exit_code == 3
    assert f"did you mean {TOTAL!r}?" in typo.stderr


def test_explain_check_reads_the_quota_now_with_one_call(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compat.aws.explain import check_explanation

    from .conftest import NEWER_ENDING  # limit 2, in use 1, delta 4: 5 needed

    set_quotas(p4d=(0, 8))
    clients, calls = _counted(server_url, monkeypatch)
    checked = check_explanation(compat.explain(NEWER_ENDING, region=REGION), clients=clients)
    assert calls == ["GetServiceQuota"]  # the code is known: no listing
    assert (checked.current is not None, checked.raised_enough) == (True, True)
    assert checked.verdict() == "raised since: 8 now holds the 5 needed; retry the job"

    set_quotas(p4d=(0, 3))
    result = run_cli("explain", "--check", "-r", REGION, NEWER_ENDING, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["current"]["value"], data["raised_enough"]) == (3, False)
    assert data["verdict"].startswith("still short: 3 now, 5 needed: smddp-compat quota request")

    no_region = run_cli("explain", "--check", NEWER_ENDING)
    assert no_region.exit_code == 2
    assert "--region" in no_region.stderr


def test_quota_commands_answer_an_upper_case_type_as_the_lower_case_one(
    server_url: str, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One question, another spelling: every quota command matches types in any case
    # (AWS's quota names are lower case), as preflight does.
    _busy(server_url)
    set_quotas(p4d=(0, 8), p4d_warm=(2, None), total=(20, None), per_job=(10, None))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    for command in (
        ("quota", "show", "-r", REGION, "--format", "json", "-t"),
        ("quota", "scan", "-r", REGION, "-n", "4", "--format", "json", "-t"),
    ):
        lower = run_cli(*command, P4D)
        upper = run_cli(*command, f" {P4D.upper()}")
        assert lower.exit_code == 0, lower.stderr
        assert (upper.exit_code, json.loads(upper.stdout)) == (0, json.loads(lower.stdout))
    assert "ml.p4d.24xlarge for training job usage" in lower.stdout


def test_quota_names_are_asked_in_lower_case() -> None:
    from compat.aws.increase import quota_name_for
    from compat.aws.table import quota_names

    matrix = compat.load_matrix()
    assert quota_name_for(matrix, instance_type="ML.P4D.24xlarge", spot=True) == (
        "ml.p4d.24xlarge for spot training job usage"
    )
    names = [name for name, _, itype in quota_names(matrix, ["Ml.P5.48XLarge"]) if itype]
    assert len(names) == 3
    assert all(name.startswith("ml.p5.48xlarge for ") for name in names)
