"""What each account-region of a scan costs in calls (issue 21 item 3), counted, not timed.

A per-type quota of 0, or none listed, decides the row with one quota read: no job
listing, no other quota. Otherwise the per-type quota is read once, not again when the
row is judged. Speed itself is measured by benchmarks/accounts_scan.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import compat
from compat.aws.org_scan import scan_accounts
from compat.aws.quota_codes import QuotaCodeBook
from compat.aws.report import CheckStatus
from compat.aws.scan import default_regions

from .conftest import P4D, P4D_NAME, PER_JOB, QUOTA_CODES, TOTAL
from .test_accounts_stubbed import FakeSageMaker
from .test_scan_real_accounts import ROOM, FakeQuotas

ARN = "arn:aws:iam::111111111111:role/Scan"
JOB = {
    "status": "InProgress",
    "description": {"ResourceConfig": {"InstanceType": P4D, "InstanceCount": 2}},
}


class CountingSageMaker(FakeSageMaker):
    """A SageMaker fake that counts its pages and descriptions."""

    def __init__(self, jobs: dict[str, dict[str, Any]]) -> None:
        super().__init__(jobs)
        self.pages = 0

    def _pages(self, **filters: str) -> Any:
        for page in super()._pages(**filters):
            self.pages += 1
            yield page


class ListedQuotas(FakeQuotas):
    """Service Quotas with its listing too (where a code answers nothing, the listing decides)."""

    def get_paginator(self, name: str) -> Any:
        assert name == "list_aws_default_service_quotas"
        quotas = [{"QuotaName": n, "QuotaCode": QUOTA_CODES[n], "Value": v}
                  for n, v in self.values.items()]  # fmt: skip
        return SimpleNamespace(paginate=lambda **_: iter([{"Quotas": quotas}]))


class Region:
    """The clients of one region, with what was asked of them."""

    def __init__(self, name: str, quotas: dict[str, float], *, enabled: bool = True) -> None:
        self.quotas = ListedQuotas(name, quotas, enabled=enabled)
        self.sagemaker = CountingSageMaker({"job": JOB})


def _scan(regions: dict[str, Region], count: int = 2) -> Any:
    def factory(session: Any, service: str, region: str) -> Any:
        found = regions[region]
        return found.quotas if service == "service-quotas" else found.sagemaker

    return scan_accounts(
        [ARN], list(regions), P4D, count,
        session_factory=lambda target: object(), client_factory=factory,
        code_book=QuotaCodeBook(dict(QUOTA_CODES)), read_aliases=False, check_regions=False,
        workers=1, matrix=compat.load_matrix(),
    )  # fmt: skip


def test_a_zero_per_type_quota_decides_the_row_with_one_call() -> None:
    world = {
        "us-west-2": Region("us-west-2", {P4D_NAME: 0, TOTAL: 20, PER_JOB: 20}),
        "us-east-1": Region("us-east-1", ROOM),
    }
    scan = _scan(world)
    rows = {r.region: r for r in scan.rows}
    zero = rows["us-west-2"]
    assert (zero.verdict, zero.quota_name, zero.limit, zero.headroom) == (
        "short", P4D_NAME, 0, 0)  # fmt: skip
    assert zero.usage is None  # not read, and not claimed
    first, *rest = zero.checks
    assert first.status is CheckStatus.FAIL
    assert "limit 0, requested 2, headroom 0: 2 short" in first.message
    assert "--desired 2" in (first.remedy or "")
    assert [c.status for c in rest] == [CheckStatus.SKIPPED, CheckStatus.SKIPPED]
    assert [c.quota_name for c in rest] == [TOTAL, PER_JOB]
    assert all("is 0 in us-west-2" in c.message for c in rest)
    assert world["us-west-2"].quotas.calls == 1  # the per-type quota, nothing else
    assert world["us-west-2"].sagemaker.pages == 0
    assert world["us-west-2"].sagemaker.described == []
    # a region with room reads each of its three quotas once, and its jobs
    assert rows["us-east-1"].verdict == "fits"
    assert rows["us-east-1"].usage == 2
    assert world["us-east-1"].quotas.calls == 3
    assert world["us-east-1"].sagemaker.described == ["job"]
    assert int(scan.exit_code) == 0


def test_a_type_not_offered_decides_the_row_without_jobs_or_other_quotas() -> None:
    world = {"us-west-2": Region("us-west-2", {TOTAL: 20, PER_JOB: 20})}
    row = _scan(world).rows[0]
    assert row.verdict == "not-offered"
    assert row.checks[0].status is CheckStatus.FAIL
    assert "lists no quota" in row.checks[0].message
    assert [c.status for c in row.checks[1:]] == [CheckStatus.SKIPPED] * 2
    assert world["us-west-2"].sagemaker.pages == 0


def test_the_per_type_quota_is_read_once_and_a_failure_is_not_asked_again() -> None:
    short = {P4D_NAME: 1, TOTAL: 20, PER_JOB: 20}
    world = {
        "us-west-2": Region("us-west-2", short),
        "eu-west-1": Region("eu-west-1", ROOM, enabled=False),
    }
    rows = {r.region: r for r in _scan(world).rows}
    assert rows["us-west-2"].verdict == "short"
    assert rows["us-west-2"].usage == 2  # the running job, read once the quota is above 0
    assert world["us-west-2"].quotas.calls == 3
    # a per-type quota that could not be read is judged as before: every check an error,
    # from the one failed call
    failed = rows["eu-west-1"]
    assert failed.verdict == "error"
    assert {c.status for c in failed.checks} == {CheckStatus.ERROR}
    assert world["eu-west-1"].quotas.calls == 1


def test_each_finished_task_is_taken_once_from_a_queue_whatever_is_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The loop takes finished tasks as they finish; waiting on the pending set instead would
    look at every pending task (thousands, in a large scan) on each completion."""
    import queue

    from compat.aws import org_scan

    taken = [0]

    class Counting(queue.SimpleQueue):  # type: ignore[type-arg]
        def get(self, *args: Any, **kwargs: Any) -> Any:
            taken[0] += 1
            return super().get(*args, **kwargs)

    monkeypatch.setattr(org_scan, "queue", SimpleNamespace(SimpleQueue=Counting))
    names = default_regions(compat.load_matrix())[:12]
    world = {name: Region(name, ROOM) for name in names}
    scan = _scan(world)
    assert [r.verdict for r in scan.rows] == ["fits"] * 12
    assert taken[0] == 12 + 12  # a task per account-region and one per job described
