"""Live usage: the training instances an account holds in a region right now.

Counting jobs is exact where CloudWatch's AWS/Usage metric lags: training jobs
InProgress and Stopping (paginated ``ListTrainingJobs``), each described for
``ResourceConfig.InstanceType``/``InstanceCount``, on heterogeneous clusters
``ResourceConfig.InstanceGroups``, or the type SageMaker selected from
``InstancePreferences``. Jobs with managed spot training count against the
spot quotas; warm pools that are ``Available`` hold instances that count
against the (on-demand) training quotas. :func:`count_usage` is the one way
usage is counted, by preflight and by the account scan; what a job holds is
remembered by :mod:`compat.aws.job_cache`.

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
    """Instances per type of one described training job.

    A single type (``InstanceType`` x ``InstanceCount``), every ``InstanceGroups``
    entry, or, for a job with ``InstancePreferences``, the type SageMaker selected
    (``SelectedInstanceType`` x ``SelectedInstanceCount``); nothing while it has not
    selected one (the job waits for capacity and holds none).
    """
    out: Counter[str] = Counter()
    config = description.get("ResourceConfig") or {}
    groups = config.get("InstanceGroups") or []
    if groups:
        for group in groups:
            itype = group.get("InstanceType")
            if itype:
                out[str(itype)] += int(group.get("InstanceCount") or 0)
        return out
    if config.get("InstancePreferences"):
        selected = config.get("SelectedInstanceType")
        if selected:
            out[str(selected)] += int(config.get("SelectedInstanceCount") or 0)
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
    """The training plan a job runs on, if any: ``ResourceConfig.TrainingPlanArn``, or
    the ``TrainingPlanArns`` of the instance preference SageMaker selected."""
    config = description.get("ResourceConfig") or {}
    arn = config.get("TrainingPlanArn")
    if arn:
        return str(arn)
    selected = config.get("SelectedInstanceType")
    for preference in config.get("InstancePreferences") or []:
        if selected and preference.get("InstanceType") == selected:
            arns = preference.get("TrainingPlanArns") or []
            return str(arns[0]) if arns else None
    return None


def job_shape(description: Mapping[str, Any]) -> JobShape:
    """What a described job holds, and whether on spot or on a training plan."""
    from compat.aws.job_cache import JobShape

    return JobShape(
        spot=bool(description.get("EnableManagedSpotTraining")),
        instances=dict(job_instances(description)),
        plan=plan_of(description) is not None,
    )


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


def job_key(summary: Mapping[str, Any]) -> str | None:
    """A listed job's key in the job cache: its ARN and creation time, or None.

    The ARN (``arn:PARTITION:sagemaker:REGION:ACCOUNT:training-job/NAME``) names the
    account and region, so two accounts (or regions) never share an entry, and the
    creation time makes a reused name a new job. A summary without such an ARN gives
    None: that job is described every time rather than risk another's entry.
    """
    arn = str(summary.get("TrainingJobArn") or "")
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sagemaker":
        return None
    if not parts[3] or not parts[4] or not parts[5].startswith("training-job/"):
        return None
    created: Any = summary.get("CreationTime")
    stamp = created.isoformat() if hasattr(created, "isoformat") else str(created or "")
    return f"{arn}@{stamp}"


@dataclass(frozen=True, slots=True)
class ListedJob:
    """A job the listing returned: its name, its job-cache key, and whether it was listed
    only for its Available warm pool (its instances then count as warm pool)."""

    name: str
    key: str | None
    warm: bool = False


def listed_jobs(sagemaker: SageMakerClient, region: str) -> Iterator[ListedJob]:
    """Every job that holds instances in ``region``, once, in the order AWS is asked.

    ``ListTrainingJobs`` with each filter AWS offers for it: ``StatusEquals``
    InProgress, then Stopping, then ``WarmPoolStatusEquals`` Available (a job already
    listed as running is not counted again for its pool). Each filter's pages are
    read whole before its jobs are yielded.
    """
    seen: set[str] = set()
    for state in ACTIVE_STATES:
        for name, summary in list(_job_names(sagemaker, region, StatusEquals=state)):
            if name not in seen:
                seen.add(name)
                yield ListedJob(name, job_key(summary))
    for name, summary in list(_job_names(sagemaker, region, WarmPoolStatusEquals="Available")):
        status = (summary.get("WarmPoolStatus") or {}).get("Status")
        if name in seen or status != "Available":
            continue
        seen.add(name)
        yield ListedJob(name, job_key(summary), warm=True)


@dataclass(frozen=True, slots=True)
class JobListing:
    """A region's listed jobs, and the shapes the job cache already knew.

    For a caller that describes the jobs itself (the account scan, a task per job on
    its pool: :func:`list_jobs`, :func:`describe_job`) and then counts them with
    :func:`count_usage` (``listing=``, ``descriptions=``).
    """

    region: str
    jobs: tuple[ListedJob, ...]
    known: Mapping[str, JobShape] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """The jobs left to describe: those listed whose shape the job cache does not know."""
        return tuple(job.name for job in self.jobs if job.name not in self.known)


def list_jobs(sagemaker: Any, region: str, *, jobs: JobCache | None = None) -> JobListing:
    """List ``region``'s jobs (:func:`listed_jobs`) and look each up in the job cache
    (``jobs``, by default the cache directory's)."""
    from compat.aws.job_cache import job_cache

    cache = job_cache() if jobs is None else jobs
    listed = tuple(listed_jobs(sagemaker, region))
    known: dict[str, JobShape] = {}
    for job in listed:
        shape = None if job.key is None else cache.get(job.key)
        if shape is not None:
            known[job.name] = shape
    return JobListing(region, listed, known)


def describe_job(sagemaker: Any, region: str, name: str) -> Mapping[str, Any] | None:
    """One job's description (None when it ended and vanished in between)."""
    return _describe(sagemaker, region, name)


#: The account scan counts many regions in one process: it saves the job cache at most
#: this often (seconds), and the rest when the process exits.
SCAN_SAVE_EVERY = 5.0


def count_usage(
    sagemaker: SageMakerClient,
    region: str,
    *,
    jobs: JobCache | None = None,
    listing: JobListing | None = None,
    descriptions: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> Usage:
    """Count the instances that running, stopping and warm-pooled jobs hold in ``region``.

    The one way usage is counted, for one account (preflight, ``quota show``) and
    for the account scan alike. Jobs are listed by :func:`listed_jobs` (three
    ``ListTrainingJobs`` listings, more pages as needed), unless ``listing`` is
    given; a job is described only when neither the job cache (``jobs``, by
    default the cache directory's) nor ``descriptions`` (name -> description, None
    for a job that vanished: what the scan described on its pool) says what it
    holds. Each job then counts once: warm pool (listed for its Available pool),
    training plan, spot or on-demand. New shapes are remembered; the scan (``listing``
    given) saves them at most every :data:`SCAN_SAVE_EVERY` seconds.

    Why the scan uses the job cache too: a job's instances never change, and keys
    carry the job's ARN (account and region), so a re-scan skips one
    ``DescribeTrainingJob`` per job still running without any risk of counting one
    account's job in another.
    """
    from compat.aws.job_cache import job_cache

    cache = job_cache() if jobs is None else jobs
    described = descriptions if descriptions is not None else {}
    known = listing.known if listing is not None else {}
    listed = listing.jobs if listing is not None else listed_jobs(sagemaker, region)
    on_demand: Counter[str] = Counter()
    spot: Counter[str] = Counter()
    warm: Counter[str] = Counter()
    plan: Counter[str] = Counter()
    count = 0
    try:
        for job in listed:
            count += 1
            shape = known.get(job.name) or _shape(sagemaker, region, job, cache, described)
            if shape is None:
                continue  # ended between list and describe
            bucket = warm if job.warm else plan if shape.plan else spot if shape.spot else on_demand
            bucket.update(shape.counter())
    finally:
        cache.save(at_most_every=SCAN_SAVE_EVERY if listing is not None else 0.0)
    return Usage(
        region=region,
        on_demand=dict(on_demand),
        spot=dict(spot),
        warm_pool=dict(warm),
        jobs=count,
        training_plan=dict(plan),
    )


def _shape(
    sagemaker: SageMakerClient,
    region: str,
    job: ListedJob,
    cache: JobCache,
    described: Mapping[str, Mapping[str, Any] | None],
) -> JobShape | None:
    """What ``job`` holds: remembered, else described (None when it vanished)."""
    if job.key is not None:
        known = cache.get(job.key)
        if known is not None:
            return known
    if job.name in described:
        description = described[job.name]
    else:
        description = _describe(sagemaker, region, job.name)
    if description is None:
        return None
    shape = job_shape(description)
    if shape.instances and job.key is not None:
        # Fixed since the job was created; a job with InstancePreferences holds none until
        # SageMaker selects its type, so that is asked again next time.
        cache.put(job.key, shape)
    return shape
