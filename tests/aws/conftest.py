"""What the AWS tests share: the account, region and quotas they stand up, training-job
builders, and ResourceLimitExceeded messages as AWS writes them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

ACCOUNT = "123456789012"
REGION = "us-west-2"
P4D = "ml.p4d.24xlarge"
P3DN = "ml.p3dn.24xlarge"

# SageMaker's quota names for the tests' instance types, and the account-wide ones.
P4D_NAME = "ml.p4d.24xlarge for training job usage"
P4D_SPOT_NAME = "ml.p4d.24xlarge for spot training job usage"
P4D_WARM_NAME = "ml.p4d.24xlarge for training warm pool usage"
P3DN_NAME = "ml.p3dn.24xlarge for training job usage"
TOTAL = "Number of instances across all training jobs"
TOTAL_SPOT = "Number of instances across all spot training jobs"
PER_JOB = "Maximum number of instances per training job"
PER_JOB_SPOT = "Maximum number of instances per spot training job"
#: quota name -> code (P3DN's is made up; the others are SageMaker's).
QUOTA_CODES = {
    P4D_NAME: "L-09B4A649",
    P4D_SPOT_NAME: "L-09D56C4F",
    P4D_WARM_NAME: "L-A8827666",
    P3DN_NAME: "L-11111111",
    TOTAL: "L-00C91CB5",
    TOTAL_SPOT: "L-93958082",
    PER_JOB: "L-622CFD70",
    PER_JOB_SPOT: "L-DB62C864",
}

# ResourceLimitExceeded as CreateTrainingJob raises it: the classic wording (AWS's
# page), the same wrapped over lines as a log shows it, and the newer ending.
CLASSIC = (
    "ResourceLimitExceeded: An error occurred (ResourceLimitExceeded) when calling the "
    "CreateTrainingJob operation: The account-level service limit 'ml.p3dn.24xlarge for "
    "training job usage' is 0 Instances, with current utilization of 0 Instances and a "
    "request delta of 1 Instances. Please contact AWS support to request an increase for "
    "this limit."
)
CLASSIC_WRAPPED = (
    "ResourceLimitExceeded: An error occurred (ResourceLimitExceeded) when calling\n"
    "the CreateTrainingJob operation: The account-level service limit 'ml.p3dn.24xlarge\n"
    "for training job usage' is 0 Instances, with current utilization of 0 Instances\n"
    "and a request delta of 1 Instances.\n"
    "Please contact AWS support to request an increase for this limit."
)
NEWER_ENDING = (
    "An error occurred (ResourceLimitExceeded) when calling the CreateTrainingJob operation: "
    "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 2 Instances, "
    "with current utilization of 1 Instances and a request delta of 4 Instances. Please use "
    "AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not "
    "available, contact AWS support to request an increase for this quota."
)


def training_job_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT}:training-job/{name}"


def resource_config(
    instance_type: str | None = P4D,
    count: int = 1,
    groups: list[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """A training job's ResourceConfig: one instance type, or heterogeneous instance groups."""
    config: dict[str, Any] = {"VolumeSizeInGB": 30}
    if groups:
        config["InstanceGroups"] = [
            {"InstanceType": t, "InstanceCount": n, "InstanceGroupName": f"g{i}"}
            for i, (t, n) in enumerate(groups)
        ]
    else:
        config.update(InstanceType=instance_type, InstanceCount=count)
    return config


@pytest.fixture(autouse=True)
def _fresh_quota_catalog() -> Iterator[None]:
    """Quota codes are cached per endpoint and region, learned codes and described jobs
    in the cache directory: no test sees another's."""
    import contextlib
    import os

    from compat.aws.job_cache import forget_job_caches, jobs_file
    from compat.aws.quota_codes import codes_file, forget_books
    from compat.aws.quotas import clear_cache

    def clear() -> None:
        clear_cache()
        forget_books()
        forget_job_caches()
        for path in (codes_file(), jobs_file()):
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)

    clear()
    yield
    clear()
