"""Quota checks in one region: quota values against live usage and the request.

Shared by ``preflight`` (one region) and ``quota scan`` (many): each takes a
client source (see :mod:`compat.aws.clients`), so the logic never creates
clients itself. An AWS failure becomes an ``error`` check that says what to
do; after one that is not an access denial, the remaining checks of the
region are not attempted (they would fail the same way).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.aws.clients import SAGEMAKER, SERVICE_QUOTAS, aws_call, client_source
from compat.aws.quotas import QuotaValue
from compat.aws.report import Check, CheckStatus
from compat.aws.usage import Usage, count_usage
from compat.errors import AwsAccessDeniedError, AwsError
from compat.exit_codes import ExitCode

if TYPE_CHECKING:
    from compat.aws.clients import Clients, ClientSource
    from compat.matrix import Matrix

INSTANCE_QUOTA = "instance-quota"
TOTAL_QUOTA = "total-instances-quota"
PER_JOB_QUOTA = "per-job-quota"
QUOTA_CHECKS = (INSTANCE_QUOTA, TOTAL_QUOTA, PER_JOB_QUOTA)

#: Reads a quota by exact name: (client, region, name, service code) -> value, or None
#: when the region lists no such quota. The default reads through the quota-code book.
QuotaReader = Callable[[Any, str, str, str], "QuotaValue | None"]


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    """Which quota a check reads and how usage counts against it."""

    check: str
    name: str
    scope: str  # "type" | "total" | "per-job"


def quota_specs(matrix: Matrix, instance_type: str, *, spot: bool) -> list[QuotaSpec]:
    """The quotas a job of ``instance_type`` needs, with names from the matrix."""
    q = matrix.compiled["quotas"]
    specs = [
        QuotaSpec(
            INSTANCE_QUOTA,
            q["spot" if spot else "on_demand"].format(instance_type=instance_type),
            "type",
        )
    ]
    for entry in q["account_wide"]:
        if bool(entry.get("spot")) != spot:
            continue
        per_job = entry["name"].lower().startswith("maximum number of instances per")
        specs.append(
            QuotaSpec(
                PER_JOB_QUOTA if per_job else TOTAL_QUOTA,
                entry["name"],
                "per-job" if per_job else "total",
            )
        )
    return specs


def usage_for(spec: QuotaSpec, usage: Usage, instance_type: str, *, spot: bool) -> int | None:
    if spec.scope == "type":
        return usage.of_type(instance_type, spot=spot)
    if spec.scope == "total":
        return usage.total(spot=spot)
    return None


def request_command(
    region: str, instance_type: str, desired: float, *, spot: bool, quota_name: str | None = None
) -> str:
    """The smddp-compat command that asks for ``desired`` of a quota."""
    import shlex

    want = math.ceil(desired)
    if quota_name is not None:
        return (
            f"smddp-compat quota request --quota-name {shlex.quote(quota_name)} --region {region} "
            f"--desired {want}"
        )
    return (
        f"smddp-compat quota request --instance-type {instance_type} --region {region} "
        f"--desired {want}" + (" --spot" if spot else "")
    )


def judge(
    spec: QuotaSpec,
    quota: QuotaValue,
    usage: int | None,
    requested: int,
    *,
    region: str,
    instance_type: str,
    spot: bool,
) -> Check:
    """Pass when ``requested`` fits in the quota's headroom; fail with the numbers if not."""
    limit = quota.value
    headroom = max(0.0, limit - (usage or 0))
    fits = requested <= headroom
    in_use = "" if usage is None else f", in use {usage}"
    numbers = f"limit {_n(limit)}{in_use}, requested {requested}, headroom {_n(headroom)}"
    common: dict[str, Any] = {
        "quota_name": quota.name,
        "quota_code": quota.code,
        "limit": limit,
        "usage": None if usage is None else float(usage),
        "requested": float(requested),
        "headroom": headroom,
    }
    if fits:
        return Check(spec.check, CheckStatus.PASS, f"'{quota.name}': {numbers}", **common)
    desired = (usage or 0) + requested
    short = desired - limit if spec.scope != "per-job" else requested - limit
    if spec.scope == "per-job":
        desired = requested
    remedy = (
        "this quota is not adjustable: use fewer instances"
        if quota.adjustable is False
        else "ask for more: "
        + request_command(
            region,
            instance_type,
            desired,
            spot=spot,
            quota_name=None if spec.scope == "type" else quota.name,
        )
        + ("" if usage in (None, 0) else "; or wait for running jobs and warm pools to end")
    )
    return Check(
        spec.check,
        CheckStatus.FAIL,
        f"'{quota.name}': {numbers}: {_n(short)} short",
        remedy,
        exit_code=ExitCode.QUOTA,
        **common,
    )


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def error_check(name: str, exc: AwsError, *, quota_name: str | None = None) -> Check:
    return Check(
        name,
        CheckStatus.ERROR,
        exc.message,
        exc.hint,
        quota_name=quota_name,
        exit_code=ExitCode.AWS,
    )


def skipped_checks(matrix: Matrix, instance_type: str, *, spot: bool, why: str) -> list[Check]:
    return [
        Check(spec.check, CheckStatus.SKIPPED, why, quota_name=spec.name)
        for spec in quota_specs(matrix, instance_type, spot=spot)
    ]


def quota_checks(
    source: Clients,
    matrix: Matrix,
    region: str,
    instance_type: str,
    instance_count: int,
    *,
    spot: bool = False,
    reader: QuotaReader | None = None,
    usage: Usage | None = None,
) -> list[Check]:
    """The per-type, total and per-job quota checks of a request in ``region``.

    Quotas are read through the quota-code book (:mod:`compat.aws.quota_codes`):
    one ``GetServiceQuota`` per quota whose code is known and confirmed by its
    exact name, the listing only for a code that is unknown or contradicted.
    ``reader`` replaces that reader (the account scan passes its own book);
    ``usage`` counted beforehand (the account scan describes jobs on its
    pool) replaces counting it here.
    """
    source = client_source(source)
    specs = quota_specs(matrix, instance_type, spot=spot)
    service_code = matrix.compiled["quotas"]["service_code"]
    book = None
    if reader is None:
        from compat.aws.quota_codes import book_for, reader_for

        book = book_for(matrix)
        reader = reader_for(book)
    try:
        return _checks(
            source,
            matrix,
            region,
            instance_type,
            instance_count,
            specs,
            spot=spot,
            reader=reader,
            usage=usage,
            service_code=service_code,
        )
    finally:
        if book is not None:
            book.save()  # what was learned or confirmed serves the next run


def _checks(
    source: ClientSource,
    matrix: Matrix,
    region: str,
    instance_type: str,
    instance_count: int,
    specs: list[QuotaSpec],
    *,
    spot: bool,
    reader: QuotaReader,
    usage: Usage | None,
    service_code: str,
) -> list[Check]:
    try:
        with aws_call(f"create the clients for {region}"):
            sq = source.client(SERVICE_QUOTAS, region)
            sm = source.client(SAGEMAKER, region)
        if usage is None:
            usage = count_usage(sm, region)
    except AwsError as exc:
        return [error_check(s.check, exc, quota_name=s.name) for s in specs]
    checks: list[Check] = []
    blocked: AwsError | None = None
    for spec in specs:
        if blocked is not None:
            checks.append(error_check(spec.check, blocked, quota_name=spec.name))
            continue
        try:
            read = reader(sq, region, spec.name, service_code)
            if read is None:
                checks.append(_not_listed(spec, region, instance_type))
                continue
            quota = read
        except AwsError as exc:
            if not isinstance(exc, AwsAccessDeniedError):
                blocked = exc
            checks.append(error_check(spec.check, exc, quota_name=spec.name))
            continue
        used = usage_for(spec, usage, instance_type, spot=spot)
        checks.append(
            judge(
                spec,
                quota,
                used,
                instance_count,
                region=region,
                instance_type=instance_type,
                spot=spot,
            )
        )
    return checks


def _not_listed(spec: QuotaSpec, region: str, instance_type: str) -> Check:
    if spec.scope == "type":
        return Check(
            spec.check,
            CheckStatus.FAIL,
            f"Service Quotas lists no quota '{spec.name}' in {region}: "
            f"{instance_type} is likely not offered for training there",
            "choose another region (smddp-compat quota scan --instance-type "
            f"{instance_type} --count N finds one) or instance type",
            quota_name=spec.name,
            exit_code=ExitCode.NOT_ELIGIBLE,
        )
    return Check(
        spec.check,
        CheckStatus.SKIPPED,
        f"Service Quotas lists no quota '{spec.name}' in {region}",
        quota_name=spec.name,
    )
