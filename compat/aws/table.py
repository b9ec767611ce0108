"""``quota show``: the SageMaker training quotas of a region, with usage and headroom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.aws.clients import SAGEMAKER, SERVICE_QUOTAS, aws_call, client_source
from compat.aws.eligibility import instance_type_name
from compat.aws.quota_codes import QuotaCodeBook, book_for, read_quota
from compat.aws.quotas import QuotaValue
from compat.aws.usage import Usage, count_usage

if TYPE_CHECKING:
    from compat.aws.clients import Clients
    from compat.matrix import Matrix


@dataclass(frozen=True, slots=True)
class QuotaRow:
    """One quota in one region: applied value, default, usage and headroom."""

    region: str
    quota_name: str
    quota_code: str | None
    value: float | None
    default: float | None
    applied: bool | None
    adjustable: bool | None
    usage: int | None
    headroom: float | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "quota_name": self.quota_name,
            "quota_code": self.quota_code,
            "value": _plain(self.value),
            "default": _plain(self.default),
            "applied": self.applied,
            "adjustable": self.adjustable,
            "usage": self.usage,
            "headroom": _plain(self.headroom),
            "note": self.note,
        }

    @staticmethod
    def text_headers() -> list[str]:
        return ["quota", "code", "value", "default", "usage", "headroom", "adjustable"]

    def text_row(self) -> list[object]:
        def show(value: object) -> object:
            return "-" if value is None else _plain(value) if isinstance(value, float) else value

        return [
            self.quota_name,
            show(self.quota_code),
            show(self.value) if self.note is None else "not offered",
            show(self.default),
            show(self.usage),
            show(self.headroom),
            "-" if self.adjustable is None else ("yes" if self.adjustable else "no"),
        ]


def _plain(value: float | None) -> float | None:
    """A whole float as an int (``4.0`` -> ``4``), so JSON and text show quotas as counted."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def quota_names(matrix: Matrix, instance_types: list[str]) -> list[tuple[str, str, str | None]]:
    """(quota name, usage kind, instance type) of every quota ``quota show`` lists."""
    q = matrix.compiled["quotas"]
    out: list[tuple[str, str, str | None]] = []
    for itype in map(instance_type_name, instance_types):
        out.append((q["on_demand"].format(instance_type=itype), "on-demand", itype))
        out.append((q["spot"].format(instance_type=itype), "spot", itype))
        out.append((q["warm_pool"].format(instance_type=itype), "warm-pool", itype))
    for entry in q["account_wide"]:
        per_job = entry["name"].lower().startswith("maximum number of instances per")
        kind = "per-job" if per_job else ("total-spot" if entry.get("spot") else "total")
        out.append((entry["name"], kind, None))
    return out


def _usage(kind: str, usage: Usage, itype: str | None) -> int | None:
    if kind == "on-demand" and itype:
        return usage.of_type(itype, spot=False)
    if kind == "spot" and itype:
        return usage.of_type(itype, spot=True)
    if kind == "warm-pool" and itype:
        return usage.warm_pool.get(itype, 0)
    if kind == "total":
        return usage.total(spot=False)
    if kind == "total-spot":
        return usage.total(spot=True)
    return None


def quota_table(
    source: Clients, matrix: Matrix, region: str, instance_types: list[str]
) -> list[QuotaRow]:
    """Every training quota of ``instance_types`` and the account-wide ones in ``region``.

    Raises :class:`~compat.errors.AwsError` when AWS cannot be asked.
    """
    source = client_source(source)
    service_code = matrix.compiled["quotas"]["service_code"]
    with aws_call(f"create the clients for {region}"):
        sq = source.client(SERVICE_QUOTAS, region)
        sm = source.client(SAGEMAKER, region)
    usage = count_usage(sm, region)
    book = book_for(matrix)
    rows: list[QuotaRow] = []
    try:
        for name, kind, itype in quota_names(matrix, instance_types):
            row = _row(sq, region, name, kind, itype, usage, book, service_code)
            rows.append(row)
    finally:
        book.save()
    return rows


def _row(
    sq: Any,
    region: str,
    name: str,
    kind: str,
    itype: str | None,
    usage: Usage,
    book: QuotaCodeBook,
    service_code: str,
) -> QuotaRow:
    value = read_quota(sq, region, name, book, service_code=service_code)
    if value is None:
        return QuotaRow(region, name, None, None, None, None, None, None, None, "not offered")
    if value.applied and value.default is None:
        value = _with_default(sq, region, value, service_code)
    used = _usage(kind, usage, itype)
    headroom = value.value if used is None else max(0.0, value.value - used)
    return QuotaRow(
        region=region,
        quota_name=name,
        quota_code=value.code,
        value=value.value,
        default=value.default,
        applied=value.applied,
        adjustable=value.adjustable,
        usage=used,
        headroom=headroom,
    )


def _with_default(sq: Any, region: str, value: QuotaValue, service_code: str) -> QuotaValue:
    """An applied quota with its AWS default beside it (one more call: the table shows both)."""
    import dataclasses

    from botocore.exceptions import ClientError

    with aws_call(f"call GetAWSDefaultServiceQuota in {region}"):
        try:
            answer = sq.get_aws_default_service_quota(
                ServiceCode=service_code, QuotaCode=value.code
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "NoSuchResourceException":
                raise
            return value
    default = (answer.get("Quota") or {}).get("Value")
    return value if default is None else dataclasses.replace(value, default=float(default))
