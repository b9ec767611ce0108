"""Issue 11 through the HTTP service: the same answers and errors as the CLI."""

from __future__ import annotations

import pytest

from .support import is_problem, make_client


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


def test_resolve_with_conflicting_smddp_version_is_400_naming_both(client) -> None:
    response = client.get(
        "/v1/resolve", params={"framework": "pt", "version": "1.13.1", "smddp_version": "2.6.0"}
    )
    assert response.status_code == 400
    assert is_problem(response)
    detail = response.json()["detail"]
    assert "1.13.1" in detail
    assert "2.6.0" in detail


def test_resolve_with_agreeing_smddp_version_is_that_release(client) -> None:
    response = client.get(
        "/v1/resolve", params={"framework": "pt", "version": "1.13.1", "smddp_version": "1.7.0"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["framework_version"] == "1.13.1"
    assert body["requested_smddp_version"] == "1.7.0"


PREFLIGHT = {
    "framework": "pytorch",
    "version": "2.2.0",
    "region": "us-west-2",
    "instance_type": "ml.p4d.24xlarge",
    "instance_count": "2",
}


def test_preflight_without_enable_aws_is_partial_not_pass(client) -> None:
    body = client.get("/v1/preflight", params=PREFLIGHT).json()
    assert (body["status"], body["exit_code"]) == ("partial", 0)
    assert body["not_checked"] == ["instance-quota", "total-instances-quota", "per-job-quota"]


def test_preflight_require_aws_makes_a_partial_report_exit_5(client) -> None:
    body = client.get("/v1/preflight", params={**PREFLIGHT, "require_aws": "true"}).json()
    assert (body["status"], body["exit_code"]) == ("partial", 5)
