"""SageMaker Service Quotas: find a quota's code by its exact name, read its value.

Codes are looked up by exact ``QuotaName`` through the paginated
``ListAWSDefaultServiceQuotas`` (``ListServiceQuotas`` can leave rows out)
and cached per region and endpoint for the life of the process. The applied
value comes from ``GetServiceQuota``; where none was ever applied AWS raises
``NoSuchResourceException`` and ``GetAWSDefaultServiceQuota`` gives the
default.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.aws.clients import aws_call, endpoint_of

if TYPE_CHECKING:
    from mypy_boto3_service_quotas import ServiceQuotasClient


@dataclass(frozen=True, slots=True)
class QuotaInfo:
    """A quota as Service Quotas lists it: name, code, default and adjustability."""

    name: str
    code: str
    default: float | None
    adjustable: bool | None


@dataclass(frozen=True, slots=True)
class QuotaValue:
    """A quota's value in one region: ``value`` is applied, else the default."""

    name: str
    code: str
    region: str
    value: float
    default: float | None
    adjustable: bool | None
    applied: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "quota_name": self.name,
            "quota_code": self.code,
            "region": self.region,
            "value": self.value,
            "default": self.default,
            "adjustable": self.adjustable,
            "applied": self.applied,
        }


#: (region, endpoint, service code) -> {quota name: QuotaInfo}
_CATALOG: dict[tuple[str, str, str], dict[str, QuotaInfo]] = {}
_CATALOG_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget every looked-up quota code (tests; a long-lived service after a change)."""
    with _CATALOG_LOCK:
        _CATALOG.clear()


def quota_catalog(
    client: ServiceQuotasClient, region: str, service_code: str = "sagemaker"
) -> dict[str, QuotaInfo]:
    """Every quota of ``service_code`` in ``region`` by exact name (cached per process)."""
    key = (region, endpoint_of(client), service_code)
    with _CATALOG_LOCK:
        known = _CATALOG.get(key)
    if known is not None:
        return known
    found: dict[str, QuotaInfo] = {}
    with aws_call(f"call ListAWSDefaultServiceQuotas in {region}"):
        paginator = client.get_paginator("list_aws_default_service_quotas")
        for page in paginator.paginate(ServiceCode=service_code):
            for quota in page.get("Quotas", []):
                name = quota.get("QuotaName")
                code = quota.get("QuotaCode")
                if not name or not code:
                    continue
                value = quota.get("Value")
                found[str(name)] = QuotaInfo(
                    name=str(name),
                    code=str(code),
                    default=None if value is None else float(value),
                    adjustable=quota.get("Adjustable"),
                )
    with _CATALOG_LOCK:
        _CATALOG[key] = found
    return found


def find_quota(
    client: ServiceQuotasClient,
    region: str,
    name: str,
    *,
    service_code: str = "sagemaker",
) -> QuotaInfo | None:
    """The quota called exactly ``name`` in ``region``, or None when the region has none.

    Codes are never guessed: a name that Service Quotas does not list in the
    region means the quota (usually the instance type) is not offered there.
    """
    return quota_catalog(client, region, service_code).get(name)


def quota_value(
    client: ServiceQuotasClient, region: str, info: QuotaInfo, *, service_code: str = "sagemaker"
) -> QuotaValue:
    """The applied value of a quota, falling back to its default where none was applied."""
    from botocore.exceptions import ClientError

    answer: Any = None
    with aws_call(f"call GetServiceQuota in {region}"):
        try:
            answer = client.get_service_quota(ServiceCode=service_code, QuotaCode=info.code)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchResourceException":
                raise
    applied = answer is not None
    if answer is None:
        with aws_call(f"call GetAWSDefaultServiceQuota in {region}"):
            answer = client.get_aws_default_service_quota(
                ServiceCode=service_code, QuotaCode=info.code
            )
    quota = answer.get("Quota", {})
    value = float(quota.get("Value", 0.0))
    adjustable = quota.get("Adjustable", info.adjustable)
    default = info.default if info.default is not None else (None if applied else value)
    return QuotaValue(
        name=info.name,
        code=info.code,
        region=region,
        value=value,
        default=default,
        adjustable=adjustable,
        applied=applied,
    )
