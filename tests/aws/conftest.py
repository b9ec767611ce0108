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


def seed_job(
    server_url: str,
    name: str,
    status: str,
    *,
    instance_type: str = P4D,
    count: int = 1,
    spot: bool = False,
    groups: list[tuple[str, int]] | None = None,
    config: dict[str, Any] | None = None,
    warm_pool: str | None = None,
    region: str = REGION,
) -> Any:
    """CreateTrainingJob through moto's server (``config``: the whole ResourceConfig), then
    set its status (and warm pool) in moto's backend; the backend's job."""
    import boto3
    from moto.sagemaker.models import sagemaker_backends

    boto3.client("sagemaker", region_name=region, endpoint_url=server_url).create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "img:latest", "TrainingInputMode": "File"},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMaker",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig=config or resource_config(instance_type, count, groups),
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        EnableManagedSpotTraining=spot,
    )
    job = sagemaker_backends[ACCOUNT][region].training_jobs[name]
    job.training_job_status = status
    if warm_pool:
        job.warm_pool = warm_pool
    return job


def serve_moto(patch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's ThreadedMotoServer on a free 127.0.0.1 port, for a module-scoped fixture to
    yield from; ``patch`` (moto's patched handlers) is undone when it stops."""
    from moto import server as moto_server

    from ..conftest import free_port

    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        patch.undo()


def patch_warm_pools(patch: pytest.MonkeyPatch) -> None:
    """moto's ListTrainingJobs lacks WarmPoolStatus: report the one a test set on a job
    (``job.warm_pool``), as AWS reports a kept warm pool."""
    from moto.sagemaker.models import SageMakerModelBackend

    real_list = SageMakerModelBackend.list_training_jobs

    def list_with_warm_pools(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = real_list(self, *args, **kwargs)
        for summary in answer["TrainingJobSummaries"]:
            warm = getattr(self.training_jobs[summary["TrainingJobName"]], "warm_pool", None)
            if warm:
                summary["WarmPoolStatus"] = {"Status": warm}
        return answer

    patch.setattr(SageMakerModelBackend, "list_training_jobs", list_with_warm_pools)


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
