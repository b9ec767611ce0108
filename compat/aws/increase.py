"""``quota request``: ask Service Quotas for more, after showing what is there.

The current value and any open request for the same quota come first
(``ListRequestedServiceQuotaChangeHistoryByQuota``, paginated); a desired value
not above the current one is refused before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.aws.clients import SERVICE_QUOTAS, aws_call, client_source
from compat.aws.eligibility import instance_type_name
from compat.aws.quotas import QuotaValue, quota_catalog
from compat.errors import CompatError, NotEligibleError, NotFoundError, UsageError

if TYPE_CHECKING:
    from mypy_boto3_service_quotas.type_defs import RequestedServiceQuotaChangeTypeDef

    from compat.aws.clients import Clients
    from compat.matrix import Matrix

#: Request states that are still open.
OPEN_STATES = ("PENDING", "CASE_OPENED")


@dataclass(frozen=True, slots=True)
class QuotaRequest:
    """A quota increase request as Service Quotas reports it."""

    id: str
    status: str
    quota_name: str
    quota_code: str
    region: str
    desired_value: float
    case_id: str | None = None
    created: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "quota_name": self.quota_name,
            "quota_code": self.quota_code,
            "region": self.region,
            "desired_value": _plain(self.desired_value),
            "case_id": self.case_id,
            "created": self.created,
        }

    def to_text(self) -> str:
        return (
            f"request {self.id}: {self.status}, '{self.quota_name}' ({self.quota_code}) in "
            f"{self.region} to {_plain(self.desired_value)}"
            + (f", support case {self.case_id}" if self.case_id else "")
        )


@dataclass(frozen=True, slots=True)
class QuotaState:
    """A quota's current value and its open increase requests, before asking for more."""

    quota: QuotaValue
    open_requests: tuple[QuotaRequest, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.quota.to_dict(),
            "open_requests": [r.to_dict() for r in self.open_requests],
        }

    def to_text(self) -> str:
        q = self.quota
        lines = [
            f"quota '{q.name}' ({q.code}) in {q.region}: {_plain(q.value)}"
            + ("" if q.applied else " (the default; no value was ever applied)")
            + ("" if q.adjustable is not False else ", not adjustable")
        ]
        lines += [f"open {r.to_text()}" for r in self.open_requests]
        return "\n".join(lines)


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def quota_name_for(
    matrix: Matrix,
    *,
    instance_type: str | None,
    spot: bool = False,
    warm_pool: bool = False,
    quota_name: str | None = None,
) -> str:
    """The quota name that ``--instance-type``/``--spot``/``--warm-pool``/``--quota-name`` mean."""
    if quota_name:
        return quota_name.strip()
    if not instance_type:
        raise UsageError(
            "name the quota with --instance-type (and --spot or --warm-pool) or --quota-name",
            hint="for example: --instance-type ml.p4d.24xlarge",
        )
    q = matrix.compiled["quotas"]
    fmt = q["warm_pool"] if warm_pool else q["spot"] if spot else q["on_demand"]
    return str(fmt.format(instance_type=instance_type_name(instance_type)))


def quota_state(source: Clients, matrix: Matrix, region: str, name: str) -> QuotaState:
    """The current value of quota ``name`` in ``region`` and its open requests.

    The value is read through the quota-code book (one ``GetServiceQuota`` for a
    known code confirmed by its name); only an unknown name is looked up in the listing.
    """
    from compat.aws.quota_codes import book_for, read_quota

    source = client_source(source)
    service_code = matrix.compiled["quotas"]["service_code"]
    with aws_call(f"create the service-quotas client for {region}"):
        sq = source.client(SERVICE_QUOTAS, region)
    book = book_for(matrix)
    try:
        quota = read_quota(sq, region, name, book, service_code=service_code)
    finally:
        book.save()
    if quota is None:
        raise _not_listed(sq, matrix, region, name, service_code)
    open_requests: list[QuotaRequest] = []
    with aws_call(f"call ListRequestedServiceQuotaChangeHistoryByQuota in {region}"):
        paginator = sq.get_paginator("list_requested_service_quota_change_history_by_quota")
        for page in paginator.paginate(ServiceCode=service_code, QuotaCode=quota.code):
            for item in page.get("RequestedQuotas", []):
                if item.get("Status") in OPEN_STATES:
                    open_requests.append(_request(item, region, quota.name, quota.code))
    return QuotaState(quota, tuple(open_requests))


def _not_listed(sq: Any, matrix: Matrix, region: str, name: str, service_code: str) -> CompatError:
    """Why ``name`` is not in ``region``: a type not offered there, or a name to correct.

    A per-type quota of a type the region does not offer gets no "did you mean"
    another type's quota: that would ask for a quota the job cannot use.
    """
    from compat.matrix.suggest import closest

    kind, instance_type = per_type_quota(matrix, name)
    if instance_type is not None:
        return NotEligibleError(
            f"Service Quotas lists no quota {name!r} in {region}: {instance_type} is likely "
            "not offered for training there",
            hint=f"find a region that offers it: smddp-compat quota scan --instance-type "
            f"{instance_type} --count N" + (" --spot" if kind == "spot" else ""),
        )
    names = sorted(quota_catalog(sq, region, service_code))
    guess = closest(name, [n for n in names if per_type_quota(matrix, n)[1] is None])
    return NotFoundError(
        f"Service Quotas lists no quota {name!r} for {service_code} in {region}",
        hint=(f"did you mean {guess!r}? " if guess else "")
        + "'smddp-compat quota show --region "
        + region
        + "' lists the training quotas",
    )


def per_type_quota(matrix: Matrix, name: str) -> tuple[str | None, str | None]:
    """(kind, instance type) when ``name`` is a per-type training quota name, else (None, None)."""
    import re

    q = matrix.compiled["quotas"]
    for kind in ("on_demand", "spot", "warm_pool"):
        prefix, _, suffix = str(q[kind]).partition("{instance_type}")
        found = re.fullmatch(
            re.escape(prefix) + r"(ml\.[a-z0-9-]+\.[a-z0-9]+)" + re.escape(suffix), name
        )
        if found is not None:
            return kind, found.group(1)
    return None, None


def _request(
    item: RequestedServiceQuotaChangeTypeDef, region: str, name: str, code: str
) -> QuotaRequest:
    created = item.get("Created")
    return QuotaRequest(
        id=str(item.get("Id", "")),
        status=str(item.get("Status", "")),
        quota_name=str(item.get("QuotaName") or name),
        quota_code=str(item.get("QuotaCode") or code),
        region=region,
        desired_value=float(item.get("DesiredValue", 0.0)),
        case_id=item.get("CaseId") or None,
        created=None if created is None else str(created.isoformat()),
    )


def check_desired(state: QuotaState, desired: float) -> None:
    """Refuse a desired value that would not raise the quota."""
    current = state.quota.value
    if desired <= current:
        raise UsageError(
            f"the desired value {_plain(desired)} is not above the current value "
            f"{_plain(current)} of '{state.quota.name}' in {state.quota.region}",
            hint=f"pass --desired {int(current) + 1} or more",
        )
    if state.quota.adjustable is False:
        raise UsageError(
            f"'{state.quota.name}' is not adjustable in {state.quota.region}",
            hint="AWS does not raise this quota; use fewer instances or another instance type",
        )


def request_increase(
    source: Clients, matrix: Matrix, state: QuotaState, desired: float
) -> QuotaRequest:
    """Open an increase request to ``desired`` for the quota in ``state``."""
    check_desired(state, desired)
    source = client_source(source)
    service_code = matrix.compiled["quotas"]["service_code"]
    region = state.quota.region
    with aws_call(f"create the service-quotas client for {region}"):
        sq = source.client(SERVICE_QUOTAS, region)
    with aws_call(f"call RequestServiceQuotaIncrease in {region}"):
        answer = sq.request_service_quota_increase(
            ServiceCode=service_code, QuotaCode=state.quota.code, DesiredValue=float(desired)
        )
    return _request(answer.get("RequestedQuota", {}), region, state.quota.name, state.quota.code)
