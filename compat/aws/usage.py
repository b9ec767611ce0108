"""Live usage: the training instances an account holds in a region right now.

Counting jobs is exact where CloudWatch's AWS/Usage metric lags: training jobs
InProgress and Stopping (paginated ``ListTrainingJobs``), each described for
``ResourceConfig.InstanceType``/``InstanceCount`` or, on heterogeneous
clusters, ``ResourceConfig.InstanceGroups``. Jobs with managed spot training
count against the spot quotas; warm pools that are ``Available`` hold
instances that count against the (on-demand) training quotas.

Jobs on a SageMaker training plan (``ResourceConfig.TrainingPlanArn``) run on
the plan's Reserved Capacity, capacity bought in advance for the plan
(CreateTrainingPlan, ReservedCapacitySummary in the SageMaker API reference;
"Training plans utilization for SageMaker training jobs": such a job waits
for the plan's capacity, not for on-demand capacity). They are counted in
``training_plan`` and not against the on-demand or spot quotas.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.aws.clients import aws_call

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.literals import TrainingJobStatusType
    from mypy_boto3_sagemaker.type_defs import ListTrainingJobsRequestPaginateTypeDef
    from typing_extensions import Unpack

    from compat.aws.job_cache import JobCache, JobShape

#: Job states that hold instances.
ACTIVE_STATES: tuple[TrainingJobStatusType, ...] = ("InProgress", "Stopping")


@dataclass(frozen=True, slots=True)
class Usage:
    """Instances in use in one region, per instance type."""

    region: str
    on_demand: Mapping[str, int] = field(default_factory=dict)
    spot: Mapping[str, int] = field(default_factory=dict)
    warm_pool: Mapping[str, int] = field(default_factory=dict)
    jobs: int = 0
    #: Instances of jobs on a training plan's reserved capacity (no on-demand quota).
    training_plan: Mapping[str, int] = field(default_factory=dict)

    def of_type(self, instance_type: str, *, spot: bool) -> int:
        """Instances counted against the per-type quota (warm pools count as training)."""
        if spot:
            return self.spot.get(instance_type, 0)
        return self.on_demand.get(instance_type, 0) + self.warm_pool.get(instance_type, 0)

    def total(self, *, spot: bool) -> int:
        """Instances counted against "Number of instances across all (spot) training jobs"."""
        if spot:
            return sum(self.spot.values())
        return sum(self.on_demand.values()) + sum(self.warm_pool.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "on_demand": dict(self.on_demand),
            "spot": dict(self.spot),
            "warm_pool": dict(self.warm_pool),
            "training_plan": dict(self.training_plan),
            "jobs": self.jobs,
        }


def job_instances(description: Mapping[str, Any]) -> Counter[str]:
    """Instances per type of one described training job (single type or instance groups)."""
    out: Counter[str] = Counter()
    config = description.get("ResourceConfig") or {}
    groups = config.get("InstanceGroups") or []
    if groups:
        for group in groups:
            itype = group.get("InstanceType")
            if itype:
                out[str(itype)] += int(group.get("InstanceCount") or 0)
        return out
    itype = config.get("InstanceType")
    if itype:
        out[str(itype)] += int(config.get("InstanceCount") or 0)
    return out


def _job_names(
    sagemaker: SageMakerClient,
    region: str,
    **filters: Unpack[ListTrainingJobsRequestPaginateTypeDef],
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(name, summary) of every job matching ``filters``, through every page."""
    with aws_call(f"call ListTrainingJobs in {region}"):
        paginator = sagemaker.get_paginator("list_training_jobs")
        for page in paginator.paginate(**filters):
            for summary in page.get("TrainingJobSummaries", []):
                yield str(summary["TrainingJobName"]), summary


def vanished(error: Mapping[str, Any]) -> bool:
    """Whether a DescribeTrainingJob error says the job is gone (it ended in between).

    SageMaker answers ``ValidationException`` "Requested resource not found"
    for a job it no longer knows; ``ResourceNotFound`` is the modelled code.
    """
    code = str(error.get("Code", ""))
    text = str(error.get("Message", "")).lower()
    return code == "ResourceNotFound" or (
        code == "ValidationException" and "resource not found" in text
    )


def plan_of(description: Mapping[str, Any]) -> str | None:
    """The training plan a job runs on (``ResourceConfig.TrainingPlanArn``), if any."""
    config = description.get("ResourceConfig") or {}
    arn = config.get("TrainingPlanArn")
    return str(arn) if arn else None


def _describe(sagemaker: SageMakerClient, region: str, name: str) -> Mapping[str, Any] | None:
    """A job's description, or None when it vanished between list and describe."""
    from botocore.exceptions import ClientError

    with aws_call(f"call DescribeTrainingJob in {region}"):
        try:
            answer: Mapping[str, Any] = sagemaker.describe_training_job(TrainingJobName=name)
        except ClientError as exc:
            if vanished(exc.response.get("Error", {})):
                return None
            raise
    return answer


def _bucket(
    description: Mapping[str, Any],
    on_demand: Counter[str],
    spot: Counter[str],
    plan: Counter[str],
) -> Counter[str]:
    """Which count a running job's instances go to: training plan, spot or on-demand."""
    if plan_of(description):
        return plan
    return spot if description.get("EnableManagedSpotTraining") else on_demand


def count_usage(sagemaker: SageMakerClient, region: str, *, jobs: JobCache | None = None) -> Usage:
    """Count the instances that running, stopping and warm-pooled jobs hold in ``region``.

    Pages ``ListTrainingJobs`` three times (``StatusEquals`` InProgress and
    Stopping, ``WarmPoolStatusEquals`` Available: the filters AWS offers) and
    describes only jobs whose shape ``jobs`` (by default the cache directory's,
    :mod:`compat.aws.job_cache`) does not already know: a job's instances
    never change after it is created.
    """
    from compat.aws.job_cache import job_cache

    cache = job_cache() if jobs is None else jobs
    on_demand: Counter[str] = Counter()
    spot: Counter[str] = Counter()
    warm: Counter[str] = Counter()
    plan: Counter[str] = Counter()
    seen: set[str] = set()
    try:
        for state in ACTIVE_STATES:
            for name, summary in list(_job_names(sagemaker, region, StatusEquals=state)):
                if name in seen:
                    continue
                seen.add(name)
                shape = _shape(sagemaker, region, name, summary, cache)
                if shape is not None:
                    bucket = plan if shape.plan else spot if shape.spot else on_demand
                    bucket.update(shape.counter())
        for name, summary in list(_job_names(sagemaker, region, WarmPoolStatusEquals="Available")):
            status = (summary.get("WarmPoolStatus") or {}).get("Status")
            if name in seen or status != "Available":
                continue
            seen.add(name)
            shape = _shape(sagemaker, region, name, summary, cache)
            if shape is not None:
                warm.update(shape.counter())
    finally:
        cache.save()
    return Usage(
        region=region,
        on_demand=dict(on_demand),
        spot=dict(spot),
        warm_pool=dict(warm),
        jobs=len(seen),
        training_plan=dict(plan),
    )


def _shape(
    sagemaker: SageMakerClient,
    region: str,
    name: str,
    summary: Mapping[str, Any],
    cache: JobCache,
) -> JobShape | None:
    """What job ``name`` holds: remembered, else described (None when it vanished)."""
    from compat.aws.job_cache import JobShape

    key = _job_key(region, name, summary)
    known = cache.get(key)
    if known is not None:
        return known
    description = _describe(sagemaker, region, name)
    if description is None:
        return None
    shape = JobShape(
        spot=bool(description.get("EnableManagedSpotTraining")),
        instances=dict(job_instances(description)),
        plan=plan_of(description) is not None,
    )
    cache.put(key, shape)
    return shape


def _job_key(region: str, name: str, summary: Mapping[str, Any]) -> str:
    """A job's identity: its ARN (or region and name) and creation time, so a reused
    name is a new job."""
    arn = summary.get("TrainingJobArn") or f"{region}/{name}"
    created: Any = summary.get("CreationTime")
    stamp = created.isoformat() if hasattr(created, "isoformat") else str(created or "")
    return f"{arn}@{stamp}"


@dataclass(frozen=True, slots=True)
class JobListing:
    """The jobs of a region that hold instances, listed but not yet described.

    The account scan describes them as separate tasks on its bounded pool
    (:func:`describe_job`), then counts them with :func:`tally`; the result
    is what :func:`count_usage` gives in one go.
    """

    region: str
    active: tuple[str, ...]
    warm: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return self.active + self.warm


def list_jobs(sagemaker: Any, region: str) -> JobListing:
    """Running and stopping jobs, then jobs with an Available warm pool, each once."""
    seen: set[str] = set()
    active: list[str] = []
    for state in ACTIVE_STATES:
        for name, _summary in list(_job_names(sagemaker, region, StatusEquals=state)):
            if name not in seen:
                seen.add(name)
                active.append(name)
    warm: list[str] = []
    for name, summary in list(_job_names(sagemaker, region, WarmPoolStatusEquals="Available")):
        status = (summary.get("WarmPoolStatus") or {}).get("Status")
        if name in seen or status != "Available":
            continue
        seen.add(name)
        warm.append(name)
    return JobListing(region, tuple(active), tuple(warm))


def describe_job(sagemaker: Any, region: str, name: str) -> Mapping[str, Any] | None:
    """One job's description (None when it ended and vanished in between)."""
    return _describe(sagemaker, region, name)


def tally(listing: JobListing, descriptions: Mapping[str, Mapping[str, Any] | None]) -> Usage:
    """Usage from a listing and its jobs' descriptions, counted as :func:`count_usage` does."""
    on_demand: Counter[str] = Counter()
    spot: Counter[str] = Counter()
    warm: Counter[str] = Counter()
    plan: Counter[str] = Counter()
    for name in listing.active:
        description = descriptions.get(name)
        if description is None:
            continue
        _bucket(description, on_demand, spot, plan).update(job_instances(description))
    for name in listing.warm:
        description = descriptions.get(name)
        if description is not None:
            warm.update(job_instances(description))
    return Usage(
        region=listing.region,
        on_demand=dict(on_demand),
        spot=dict(spot),
        warm_pool=dict(warm),
        jobs=len(listing.names),
        training_plan=dict(plan),
    )
