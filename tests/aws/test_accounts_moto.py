"""Quota scan across accounts over real HTTP: moto's server on 127.0.0.1 with STS and Organizations.

moto keys its state by account, and credentials from ``AssumeRole`` select
the role's account, so each member account holds its own quotas (served by
patched service-quotas handlers keyed by account and region) and its own
training jobs. One member denies AssumeRole; one region is a loopback port
that accepts and never answers; throttling is injected on some calls.
"""

from __future__ import annotations

import collections
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.sagemaker.models import sagemaker_backends
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.sts.responses import TokenResponse

import compat
from compat.aws.accounts import AccountTarget, AssumedSessions, AssumeRoleSettings
from compat.aws.org_scan import default_client_factory, scan_accounts
from compat.aws.quota_codes import QuotaCodeBook

from ..conftest import Invoke
from .conftest import (
    ACCOUNT,
    P4D,
    P4D_NAME,
    PER_JOB,
    QUOTA_CODES,
    TOTAL,
    resource_config,
    serve_moto,
)

pytestmark = pytest.mark.integration

MANAGEMENT = ACCOUNT  # moto's default account runs the organization
ROLE = "SmddpCompatScan"
NAMES = {key: (name, QUOTA_CODES[name]) for key, name in
         (("p4d", P4D_NAME), ("total", TOTAL), ("per_job", PER_JOB))}  # fmt: skip
#: (account, region) -> quota name -> {"code", "value", "applied"}
QUOTAS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
#: Calls served, by API name (for the call-count assertions).
CALLS: list[str] = []
DENIED: set[str] = set()
#: API name -> how many more times to answer ThrottlingException.
THROTTLE: dict[str, int] = {}
ASSUMED: list[dict[str, Any]] = []
_LOCK = threading.Lock()


def _error(code: str, message: str) -> tuple[int, dict[str, Any], str]:
    headers = {"status": 400, "Content-Type": "application/x-amz-json-1.1"}
    return 400, headers, json.dumps({"__type": code, "message": message})


def _throttled(api: str) -> bool:
    with _LOCK:
        CALLS.append(api)
        left = THROTTLE.get(api, 0)
        if left:
            THROTTLE[api] = left - 1
        return left > 0


def _row(self: Any, name: str, q: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServiceCode": "sagemaker",
        "QuotaCode": q["code"],
        "QuotaName": name,
        "Value": q["value"],
        "Adjustable": True,
    }


def _table(self: Any) -> dict[str, dict[str, Any]]:
    return QUOTAS.get((self.current_account, self.region), {})


def _list(self: Any) -> Any:
    if _throttled("ListAWSDefaultServiceQuotas"):
        return _error("TooManyRequestsException", "slow down")
    params = json.loads(self.body)
    rows = [_row(self, n, q) for n, q in _table(self).items()]
    rows += [{"ServiceCode": "sagemaker", "QuotaCode": f"L-F{i:07d}", "QuotaName": f"filler {i}",
              "Value": 1.0} for i in range(5)]  # fmt: skip
    start = int(params.get("NextToken") or 0)
    body: dict[str, Any] = {"Quotas": rows[start : start + 3]}
    if start + 3 < len(rows):
        body["NextToken"] = str(start + 3)
    return json.dumps(body)


def _get(self: Any, applied_only: bool, api: str) -> Any:
    if _throttled(api):
        return _error("TooManyRequestsException", "slow down")
    code = json.loads(self.body)["QuotaCode"]
    for name, q in _table(self).items():
        if q["code"] == code and (q["applied"] or not applied_only):
            return json.dumps({"Quota": _row(self, name, q)})
    return _error("NoSuchResourceException", "no such quota")


def _get_applied(self: Any) -> Any:
    return _get(self, True, "GetServiceQuota")


def _get_default(self: Any) -> Any:
    return _get(self, False, "GetAWSDefaultServiceQuota")


def _assume_role(self: Any) -> Any:
    arn = self._get_param("RoleArn")
    with _LOCK:
        ASSUMED.append({"role_arn": arn, "external_id": self._get_param("ExternalId")})
    if arn.split(":")[4] in DENIED:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            "<Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>not authorized to perform sts:AssumeRole on {arn}</Message>"
            "</Error><RequestId>denied</RequestId></ErrorResponse>"
        )
        return 403, {"status": 403, "Content-Type": "text/xml"}, body
    return REAL_ASSUME(self)


REAL_ASSUME = TokenResponse.assume_role


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    patch.setattr(ServiceQuotasResponse, "list_aws_default_service_quotas", _list)
    patch.setattr(ServiceQuotasResponse, "get_service_quota", _get_applied)
    patch.setattr(
        ServiceQuotasResponse, "get_aws_default_service_quota", _get_default, raising=False
    )
    patch.setattr(TokenResponse, "assume_role", _assume_role)
    yield from serve_moto(patch)


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        sock.close()


@pytest.fixture(autouse=True)
def _clean(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    request = urllib.request.Request(f"{server_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    monkeypatch.setenv("AWS_ENDPOINT_URL", server_url)
    for table in (QUOTAS, THROTTLE):
        table.clear()
    CALLS.clear()
    DENIED.clear()
    ASSUMED.clear()


def organization(names: list[str]) -> list[str]:
    """An organization run from MANAGEMENT with member accounts; their ids."""
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for name in names:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        ids.append(status["CreateAccountStatus"]["AccountId"])
    return ids


def member_session(account: str) -> boto3.Session:
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def seed(
    account: str, region: str, *, p4d: float, total: float, running: int = 0, per_job: float = 20
) -> None:
    """Quotas (per-type applied, total applied, per-job default) and one running job."""
    QUOTAS[(account, region)] = {
        NAMES["p4d"][0]: {"code": NAMES["p4d"][1], "value": p4d, "applied": True},
        NAMES["total"][0]: {"code": NAMES["total"][1], "value": total, "applied": True},
        NAMES["per_job"][0]: {"code": NAMES["per_job"][1], "value": per_job, "applied": False},
    }
    if running:
        sm = member_session(account).client("sagemaker", region_name=region)
        sm.create_training_job(
            TrainingJobName="running",
            AlgorithmSpecification={"TrainingImage": "img:latest", "TrainingInputMode": "File"},
            RoleArn=f"arn:aws:iam::{account}:role/SageMaker",
            OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
            ResourceConfig=resource_config(P4D, running),
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
        )
        sagemaker_backends[account][region].training_jobs[
            "running"
        ].training_job_status = "InProgress"
        iam = member_session(account).client("iam", region_name="us-east-1")
        iam.create_account_alias(AccountAlias=f"team-{account[-4:]}")


def fast_sessions() -> AssumedSessions:
    return AssumedSessions(boto3.Session(), AssumeRoleSettings(external_id="xid-123"))


def test_rows_across_accounts_and_regions(server_url: str) -> None:
    a, b, c = organization(["alpha", "beta", "gamma"])
    seed(a, "us-west-2", p4d=8, total=20, running=2)  # headroom 6
    seed(a, "us-east-1", p4d=4, total=20)  # headroom 4
    seed(b, "us-west-2", p4d=2, total=20)  # short for 4
    # b in us-east-1 lists no p4d quota: not offered
    QUOTAS[(b, "us-east-1")] = {NAMES["total"][0]: {"code": "L-00C91CB5", "value": 9.0,
                                                    "applied": True}}  # fmt: skip
    DENIED.add(c)
    ASSUMED.clear()  # seeding assumed roles too
    targets = [AccountTarget(x, f"arn:aws:iam::{x}:role/{ROLE}") for x in (a, b, c)]
    streamed: list[str] = []
    scan = scan_accounts(
        targets,
        ["us-west-2", "us-east-1"],
        P4D,
        4,
        session_factory=fast_sessions().session,
        code_book=QuotaCodeBook.from_matrix(compat.load_matrix()),
        on_row=lambda row: streamed.append(f"{row.account_id}/{row.region}"),
        workers=4,
    )
    got = [(r.account_id, r.region, r.verdict, r.headroom) for r in scan.rows]
    assert got == [
        (a, "us-west-2", "fits", 6),
        (a, "us-east-1", "fits", 4),
        (b, "us-west-2", "short", 2),
        (b, "us-east-1", "not-offered", None),
        (c, "us-east-1", "error", None),
        (c, "us-west-2", "error", None),
    ]
    assert sorted(streamed) == sorted(f"{r.account_id}/{r.region}" for r in scan.rows)
    top = scan.rows[0]
    assert (top.alias, top.quota_name, top.limit, top.usage) == (
        f"team-{a[-4:]}",
        NAMES["p4d"][0],
        8,
        2,
    )
    denied = scan.rows[-1]
    assert "access denied to assume" in denied.message
    assert "trust policy" in denied.message
    # One AssumeRole per account (c's failure is remembered for its second region).
    assert sorted(call["role_arn"].split(":")[4] for call in ASSUMED) == sorted([a, b, c])
    assert {call["external_id"] for call in ASSUMED} == {"xid-123"}
    assert int(scan.exit_code) == 0


def test_known_codes_avoid_listing(server_url: str) -> None:
    (a,) = organization(["alpha"])
    seed(a, "us-west-2", p4d=8, total=20)
    book = QuotaCodeBook.from_matrix(compat.load_matrix())
    scan = scan_accounts(
        [f"arn:aws:iam::{a}:role/{ROLE}"], ["us-west-2"], P4D, 2,
        session_factory=fast_sessions().session, code_book=book, read_aliases=False,
    )  # fmt: skip
    assert scan.rows[0].verdict == "fits"
    # p4d and total applied: one GetServiceQuota each; per-job never applied: + the default
    assert sorted(CALLS) == sorted(["GetServiceQuota"] * 3 + ["GetAWSDefaultServiceQuota"]), CALLS


def test_unknown_code_is_listed_once_and_learned(server_url: str, tmp_path: Any) -> None:
    (a,) = organization(["alpha"])
    for region in ("us-west-2", "us-east-1"):
        seed(a, region, p4d=8, total=20)
        QUOTAS[(a, region)][NAMES["p4d"][0]]["code"] = "L-NEWCODE1"  # the matrix's is stale
    path = str(tmp_path / "codes.json")
    book = QuotaCodeBook.from_matrix(compat.load_matrix(), path=path)
    scan = scan_accounts(
        [f"arn:aws:iam::{a}:role/{ROLE}"], ["us-west-2"], P4D, 2,
        session_factory=fast_sessions().session, code_book=book, read_aliases=False,
    )  # fmt: skip
    assert scan.rows[0].verdict == "fits"
    assert "ListAWSDefaultServiceQuotas" in CALLS
    saved = json.loads((tmp_path / "codes.json").read_text())
    assert saved["codes"][NAMES["p4d"][0]]["code"] == "L-NEWCODE1"
    CALLS.clear()
    fresh = QuotaCodeBook.from_matrix(compat.load_matrix(), path=path)
    again = scan_accounts(
        [f"arn:aws:iam::{a}:role/{ROLE}"], ["us-east-1"], P4D, 2,
        session_factory=fast_sessions().session, code_book=fresh, read_aliases=False,
    )  # fmt: skip
    assert again.rows[0].verdict == "fits"
    assert "ListAWSDefaultServiceQuotas" not in CALLS


def test_silent_region_times_out_and_the_rest_goes_on(server_url: str, silent_port: int) -> None:
    (a,) = organization(["alpha"])
    seed(a, "us-west-2", p4d=8, total=20)
    real = default_client_factory(connect_timeout=1, read_timeout=1, max_attempts=1)

    def factory(session: Any, service: str, region: str) -> Any:
        if region == "eu-west-1":
            return session.client(
                service,
                region_name=region,
                endpoint_url=f"http://127.0.0.1:{silent_port}",
                config=__import__("botocore.config").config.Config(
                    connect_timeout=1, read_timeout=1, retries={"max_attempts": 1}
                ),
            )
        return real(session, service, region)

    scan = scan_accounts(
        [f"arn:aws:iam::{a}:role/{ROLE}"], ["us-west-2", "eu-west-1"], P4D, 2,
        session_factory=fast_sessions().session, client_factory=factory, read_aliases=False,
    )  # fmt: skip
    verdicts = {r.region: r for r in scan.rows}
    assert verdicts["us-west-2"].verdict == "fits"
    assert verdicts["eu-west-1"].verdict == "error"
    assert "did not answer in time" in verdicts["eu-west-1"].message
    assert int(scan.exit_code) == 0


def test_throttling_is_retried(server_url: str) -> None:
    (a,) = organization(["alpha"])
    seed(a, "us-west-2", p4d=8, total=20)
    THROTTLE["GetServiceQuota"] = 2
    factory = default_client_factory(max_attempts=4)
    scan = scan_accounts(
        [f"arn:aws:iam::{a}:role/{ROLE}"], ["us-west-2"], P4D, 2,
        session_factory=fast_sessions().session, client_factory=factory, read_aliases=False,
    )  # fmt: skip
    assert scan.rows[0].verdict == "fits"
    assert THROTTLE["GetServiceQuota"] == 0


def test_throttled_after_retries_is_an_error_row_and_exit_6(server_url: str) -> None:
    a, b = organization(["alpha", "beta"])
    seed(a, "us-west-2", p4d=1, total=20)  # short
    seed(b, "us-west-2", p4d=8, total=20)
    THROTTLE["GetServiceQuota"] = 1_000
    factory = default_client_factory(max_attempts=1)
    scan = scan_accounts(
        [f"arn:aws:iam::{x}:role/{ROLE}" for x in (a, b)], ["us-west-2"], P4D, 2,
        session_factory=fast_sessions().session, client_factory=factory, read_aliases=False,
    )  # fmt: skip
    assert {r.verdict for r in scan.rows} == {"error"}
    assert "throttled" in scan.rows[0].message
    assert int(scan.exit_code) == 6


def test_exit_5_when_every_row_was_read_and_none_fits(server_url: str) -> None:
    a, b, c = organization(["alpha", "beta", "gamma"])
    seed(a, "us-west-2", p4d=1, total=20)
    seed(b, "us-west-2", p4d=8, total=3)
    seed(c, "us-west-2", p4d=8, total=20, per_job=2)  # room, but not for 4 in one job
    scan = scan_accounts(
        [f"arn:aws:iam::{x}:role/{ROLE}" for x in (a, b, c)], ["us-west-2"], P4D, 4,
        session_factory=fast_sessions().session, read_aliases=False,
    )  # fmt: skip
    got = [(r.account_id, r.verdict, r.quota_name, r.headroom) for r in scan.rows]
    assert got == [
        (b, "short", NAMES["total"][0], 3),
        (c, "short", NAMES["per_job"][0], 2),
        (a, "short", NAMES["p4d"][0], 1),
    ]
    assert int(scan.exit_code) == 5


def _org_with_quotas() -> tuple[str, str, str]:
    a, b, c = organization(["alpha", "beta", "gamma"])
    seed(a, "us-west-2", p4d=8, total=20, running=2)
    seed(b, "us-west-2", p4d=16, total=20)
    seed(c, "us-west-2", p4d=1, total=20)
    org = boto3.client("organizations", region_name="us-east-1")
    org.close_account(AccountId=c)  # SUSPENDED: listed as skipped, never read
    return a, b, c


def test_cli_organization_table(server_url: str, run_cli: Invoke) -> None:
    a, b, c = _org_with_quotas()
    seed(MANAGEMENT, "us-west-2", p4d=0, total=0)
    result = run_cli(
        "quota", "scan", "-t", P4D, "-n", "4", "-r", "us-west-2",
        "--organization", "--role-name", ROLE, "--external-id", "xid-123",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "room for 4 x ml.p4d.24xlarge: 2 of 4 account-regions "
        "(4 accounts x 1 regions: 2 fit, 1 short, 1 skipped)"
    )
    body = list(lines[2:])
    assert body[0].split()[1] == b  # headroom 16 before a's 6
    assert any(a in line and "team-" in line for line in body)
    (suspended,) = [line for line in body if c in line]
    assert suspended.split()[0] == "SKIP"
    assert "the account is SUSPENDED: not read" in suspended
    assert result.stderr == ""  # no progress when stderr is not a terminal


def test_cli_jsonl_streams_one_row_per_line(server_url: str, run_cli: Invoke) -> None:
    a, b, _ = _org_with_quotas()
    result = run_cli(
        "quota", "scan", "-t", P4D, "-n", "4", "-r", "us-west-2", "-r", "us-east-1",
        "--accounts", f"{a},{b}", "--role-name", ROLE, "--format", "jsonl",
    )  # fmt: skip
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4
    assert {(r["account_id"], r["region"]) for r in rows} == {
        (x, r) for x in (a, b) for r in ("us-west-2", "us-east-1")
    }
    # us-east-1 has no quotas at all for these accounts: not offered, every row read
    assert result.exit_code == 0


def test_cli_json_and_accounts_file(server_url: str, run_cli: Invoke, tmp_path: Any) -> None:
    a, b, _c = _org_with_quotas()
    DENIED.add(b)
    listing = tmp_path / "accounts.txt"
    listing.write_text(f"# team accounts\n{a}\n\n{b}  # denies\n")
    result = run_cli(
        "quota", "scan", "-t", P4D, "-n", "8", "-r", "us-west-2",
        "--accounts-file", str(listing), "--role-name", ROLE, "--format", "json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert [(r["account_id"], r["verdict"]) for r in data["rows"]] == [(a, "short"), (b, "error")]
    assert data["exit_code"] == 6
    assert result.exit_code == 6


def test_cli_role_arn_one_account(server_url: str, run_cli: Invoke) -> None:
    a, _, _ = _org_with_quotas()
    result = run_cli(
        "quota", "scan", "-t", P4D, "-n", "7", "-r", "us-west-2",
        "--role-arn", f"arn:aws:iam::{a}:role/{ROLE}", "--format", "json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert [r["verdict"] for r in data["rows"]] == ["short"]
    assert result.exit_code == 5


def test_cli_preflight_answers_where_the_job_fits(server_url: str, run_cli: Invoke) -> None:
    a, b, c = _org_with_quotas()
    result = run_cli(
        "preflight", "-f", "pytorch", "--version", "2.2.0", "-t", P4D, "-n", "4",
        "-r", "us-west-2", "--accounts", f"{a},{b},{c}", "--role-name", ROLE, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(r["account_id"], r["headroom"]) for r in data["fits"]] == [(b, 16), (a, 6)]
    assert data["smddp_version"] == "2.2.0"


def test_cli_bad_inputs_are_usage_errors(run_cli: Invoke, tmp_path: Any) -> None:
    base = ["quota", "scan", "-t", P4D, "-n", "4", "-r", "us-west-2"]
    missing_role = run_cli(*base, "--accounts", "111111111111")
    assert missing_role.exit_code == 2
    assert "--role-name" in missing_role.stderr
    bad_id = run_cli(*base, "--accounts", "11111", "--role-name", ROLE)
    assert bad_id.exit_code == 2
    assert "'11111'" in bad_id.stderr
    bad = tmp_path / "ids.txt"
    bad.write_text("111111111111\nnot-an-id\n")
    in_file = run_cli(*base, "--accounts-file", str(bad), "--role-name", ROLE)
    assert in_file.exit_code == 2
    assert f"{bad}:2" in in_file.stderr
    jsonl_alone = run_cli(*base, "--format", "jsonl")
    assert jsonl_alone.exit_code == 2
    assert "jsonl" in jsonl_alone.stderr
    # A jsonl reader parses stdout line by line: the error document is one line too.
    (error_line,) = jsonl_alone.stdout.splitlines()
    assert json.loads(error_line)["error"] == "usage"
    both = run_cli(*base, "--role-arn", f"arn:aws:iam::111111111111:role/{ROLE}", "--accounts",
                   "222222222222")  # fmt: skip
    assert both.exit_code == 2


def test_cli_preflight_without_region_reads_every_region_the_release_has(
    server_url: str, run_cli: Invoke
) -> None:
    from compat.aws.scan import default_regions

    (a,) = organization(["alpha"])
    seed(a, "us-west-2", p4d=8, total=20)
    args = ["preflight", "-f", "pytorch", "--version", "2.2.0", "-t", P4D,
            "--role-arn", f"arn:aws:iam::{a}:role/{ROLE}", "--format", "json"]  # fmt: skip
    result = run_cli(*args, "-n", "4")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    matrix = compat.load_matrix()
    resolvable = []
    for region in default_regions(matrix):
        try:
            compat.resolve("pytorch", "2.2.0", region)
        except compat.NotFoundError:
            continue
        resolvable.append(region)
    assert data["checked"] == len(resolvable)
    assert [(r["account_id"], r["region"]) for r in data["fits"]] == [(a, "us-west-2")]
    too_many = run_cli(*args, "-n", "12")
    assert too_many.exit_code == 5
    assert json.loads(too_many.stdout)["fits"] == []


def test_clients_are_shared_across_accounts_and_sign_as_each(server_url: str) -> None:
    from compat.aws.org_scan import SharedClients

    a, b, c = organization(["alpha", "beta", "gamma"])
    for region in ("us-west-2", "us-east-1"):
        seed(a, region, p4d=8, total=20)  # headroom 8
        seed(b, region, p4d=6, total=20)  # 6
        seed(c, region, p4d=1, total=20)  # short
    made: list[Any] = []
    shared = SharedClients(on_client=lambda client: made.append(client) or client)
    scan = scan_accounts(
        [f"arn:aws:iam::{x}:role/{ROLE}" for x in (a, b, c)], ["us-west-2", "us-east-1"], P4D, 4,
        session_factory=fast_sessions().session, client_factory=shared, read_aliases=False,
        code_book=QuotaCodeBook.from_matrix(compat.load_matrix()),
    )  # fmt: skip
    got = {(r.account_id, r.region): (r.verdict, r.headroom) for r in scan.rows}
    for region in ("us-west-2", "us-east-1"):
        # each account's own quotas: every request was signed with that account's role
        assert got[(a, region)] == ("fits", 8)
        assert got[(b, region)] == ("fits", 6)
        assert got[(c, region)][0] == "short"
    # one client per service and region for all three accounts (sagemaker and service-quotas
    # in two regions, the region list's account and ec2 in us-east-1), never one per account
    services = sorted((cl.meta.service_model.service_name, cl.meta.region_name) for cl in made)
    assert len(services) == len(set(services)) <= 6, services


def test_one_botocore_session_parses_each_model_once_for_caller_and_scan(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.loaders import JSONFileLoader

    a, b = organization(["alpha", "beta"])
    for region in ("us-west-2", "us-east-1"):
        seed(a, region, p4d=8, total=20)
        seed(b, region, p4d=6, total=20)
    parsed: collections.Counter[str] = collections.Counter()
    real = JSONFileLoader.load_file

    def counting(self: Any, file_path: str, *args: Any) -> Any:
        found = real(self, file_path, *args)
        where = threading.current_thread().name  # not moto's own threads (it uses botocore)
        if found is not None and (where == "MainThread" or where.startswith("scan")):
            parsed[file_path] += 1
        return found

    base = boto3.Session()  # the caller's, as the CLI makes it
    monkeypatch.setattr(JSONFileLoader, "load_file", counting)  # from here: the scan's loads
    sessions = AssumedSessions(base, AssumeRoleSettings(external_id="xid-123"))
    scan = scan_accounts(
        [f"arn:aws:iam::{x}:role/{ROLE}" for x in (a, b)], ["us-west-2", "us-east-1"], P4D, 4,
        session=base, session_factory=sessions.credentials, read_aliases=True, workers=1,
        code_book=QuotaCodeBook.from_matrix(compat.load_matrix()),
    )  # fmt: skip
    # (one worker: botocore's loader caches without a lock, so threads that first ask for the
    # same file at once may each parse it; that race is botocore's, not a second loader)
    assert {r.verdict for r in scan.rows} == {"fits"}
    assert any("sagemaker" in path for path in parsed)
    assert any("/sts/" in path for path in parsed)  # the caller's STS client: same loader
    # two accounts, two regions, the caller's STS client and the scan's: each file once
    assert [(path, n) for path, n in parsed.items() if n > 1] == []
