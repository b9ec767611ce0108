"""Usage is counted one way: the single-account path (``count_usage`` as preflight calls it) and
the account scan (listing, a describe task per job on its pool, then ``count_usage``) give the
same Usage for the same jobs, cold and with the job cache warm, over real HTTP (moto's
ThreadedMotoServer on 127.0.0.1, real boto3 clients)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from compat.aws import org_scan
from compat.aws.accounts import AccountTarget
from compat.aws.job_cache import forget_job_caches
from compat.aws.quota_codes import QuotaCodeBook
from compat.aws.usage import Usage, count_usage

from .conftest import (
    ACCOUNT,
    P3DN,
    P4D,
    REGION,
    patch_warm_pools,
    resource_config,
    seed_job,
    serve_moto,
)

pytestmark = pytest.mark.integration

PLAN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-plan/p4d-week"
#: Jobs that end between ListTrainingJobs and DescribeTrainingJob (AWS's own answer then).
VANISHING = {"vanished"}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    patch = pytest.MonkeyPatch()
    real_describe = SageMakerModelBackend.describe_training_job

    def describe(self: Any, name: str) -> Any:
        if name in VANISHING:
            raise ValidationError(message="Requested resource not found")
        return real_describe(self, name)

    patch_warm_pools(patch)
    patch.setattr(SageMakerModelBackend, "describe_training_job", describe)
    yield from serve_moto(patch)


def _client(url: str, calls: list[str]) -> Any:
    client = boto3.client("sagemaker", region_name=REGION, endpoint_url=url)
    record = lambda model, **_: calls.append(model.name)  # noqa: E731
    client.meta.events.register("provide-client-params", record)
    return client


def _job(url: str, name: str, status: str, config: dict[str, Any], *, spot: bool = False,
         warm: str | None = None, selected: tuple[str, int] | None = None) -> None:  # fmt: skip
    job = seed_job(url, name, status, config=config, spot=spot, warm_pool=warm)
    if selected:  # what DescribeTrainingJob says once SageMaker picked a preference
        job.resource_config["SelectedInstanceType"] = selected[0]
        job.resource_config["SelectedInstanceCount"] = selected[1]


def _preferences(*prefs: tuple[str, int, str | None]) -> dict[str, Any]:
    return {
        "VolumeSizeInGB": 30,
        "InstancePreferences": [
            {"InstanceType": t, "InstanceCount": n, **({"TrainingPlanArns": [p]} if p else {})}
            for t, n, p in prefs
        ],
    }


def _every_kind_of_job(url: str) -> None:
    _job(url, "on-demand", "InProgress", resource_config(P4D, 2))
    _job(url, "groups", "Stopping", resource_config(groups=[(P4D, 1), (P3DN, 2)]))
    _job(url, "spot", "InProgress", resource_config(P4D, 4), spot=True)
    _job(url, "spot-stopping", "Stopping", resource_config(P3DN, 1), spot=True)
    _job(url, "plan", "InProgress", {**resource_config(P4D, 3), "TrainingPlanArn": PLAN})
    _job(url, "flex-plan", "InProgress", _preferences((P4D, 2, PLAN), (P3DN, 4, None)),
         selected=(P4D, 2))  # fmt: skip
    _job(url, "flex-on-demand", "InProgress", _preferences((P4D, 2, PLAN), (P3DN, 4, None)),
         selected=(P3DN, 4))  # fmt: skip
    _job(url, "flex-waiting", "InProgress", _preferences((P4D, 2, None)))  # none selected yet
    _job(url, "vanished", "InProgress", resource_config(P4D, 8))
    _job(url, "warm", "Completed", resource_config(P4D, 1), warm="Available")
    _job(url, "warm-spot", "Stopped", resource_config(P3DN, 1), spot=True, warm="Available")
    _job(url, "warm-in-use", "Completed", resource_config(P4D, 3), warm="InUse")
    _job(url, "warm-reused", "Completed", resource_config(P4D, 3), warm="Reused")
    _job(url, "warm-gone", "Failed", resource_config(P4D, 3), warm="Terminated")
    for status in ("Completed", "Failed", "Stopped"):
        _job(url, f"ended-{status.lower()}", status, resource_config(P4D, 16))


EXPECTED = Usage(
    region=REGION,
    on_demand={P4D: 2 + 1, P3DN: 2 + 4},
    spot={P4D: 4, P3DN: 1},
    warm_pool={P4D: 1, P3DN: 1},
    training_plan={P4D: 3 + 2},
    jobs=11,  # 9 running or stopping (one vanished, one waiting for capacity) + 2 warm pools
)


def _scan_usage(url: str, calls: list[str], monkeypatch: pytest.MonkeyPatch) -> Usage:
    """The Usage the account scan judged its one account-region by."""
    seen: list[Usage] = []

    def spy(*args: Any, **kwargs: Any) -> Usage:
        usage = count_usage(*args, **kwargs)
        seen.append(usage)
        return usage

    monkeypatch.setattr(org_scan, "count_usage", spy)
    session = boto3.Session(region_name=REGION)

    def factory(_session: Any, service: str, region: str) -> Any:
        if service == "sagemaker":
            return _client(url, calls)
        return session.client(service, region_name=region, endpoint_url=url)

    org_scan.scan_accounts(
        [AccountTarget(ACCOUNT, None)], [REGION], P4D, 1,
        session_factory=lambda _target: session, client_factory=factory,
        code_book=QuotaCodeBook({}), read_aliases=False, check_regions=False, workers=4,
    )  # fmt: skip
    assert len(seen) == 1
    return seen[0]


def test_single_account_and_scan_count_the_same_jobs_the_same_way(
    server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _every_kind_of_job(server_url)
    lists, describes = "ListTrainingJobs", "DescribeTrainingJob"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    single_calls: list[str] = []
    single = count_usage(_client(server_url, single_calls), REGION)
    forget_job_caches()
    import os

    from compat.aws.job_cache import jobs_file

    path = jobs_file()
    assert path is not None
    assert os.path.exists(path)
    os.remove(path)  # the scan starts cold too
    scan_calls: list[str] = []
    scan = _scan_usage(server_url, scan_calls, monkeypatch)
    assert single == scan == EXPECTED
    for calls in (single_calls, scan_calls):
        assert calls.count(lists) == 3
        assert calls.count(describes) == 11  # every listed job, once

    # Warm (a new process, the cache directory kept): only what could not be remembered
    # is described again: the job that vanished and the one still waiting for capacity.
    forget_job_caches()
    warm_scan_calls: list[str] = []
    warm_scan = _scan_usage(server_url, warm_scan_calls, monkeypatch)
    forget_job_caches()
    warm_single_calls: list[str] = []
    warm_single = count_usage(_client(server_url, warm_single_calls), REGION)
    assert warm_single == warm_scan == EXPECTED
    for calls in (warm_single_calls, warm_scan_calls):
        assert calls.count(lists) == 3
        assert calls.count(describes) == 2
