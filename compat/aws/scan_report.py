"""One JSON shape for every scan: ``quota scan`` (one account or many) and ``preflight`` across
accounts.

The keys mean the same everywhere: ``regions`` and ``accounts`` list what was
scanned, ``rows`` holds one object per account-region (``account_id`` null
for the caller's own credentials), best first, and ``fits`` the rows that
fit, in the same order. ``preflight`` across accounts adds the release it
resolved. The pydantic models below are the contract: every scan's
``to_dict`` goes through them, and ``docs/scan-report.schema.json`` is
generated from them (``smddp-compat quota schema`` prints it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["fits", "short", "not-offered", "error", "skipped"]
Number = int | float | None


class ScanRow(BaseModel):
    """One account and region: the verdict and the binding quota's numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account_id: str | None = Field(description="12 digits; null: the caller's own account")
    alias: str | None = Field(default=None, description="the account's IAM alias, if readable")
    account_name: str | None = Field(default=None, description="its name in AWS Organizations")
    region: str
    verdict: Verdict = Field(
        description="fits, short (a quota is too low), not-offered (the type has no quota "
        "here), error (could not be read), skipped (region not enabled, account suspended)"
    )
    quota_name: str | None = Field(default=None, description="the quota with least headroom")
    limit: Number = None
    usage: Number = None
    headroom: Number = Field(default=None, description="instances left under quota_name")
    message: str
    checks: list[dict[str, Any]] = Field(default_factory=list, description="as preflight's")


class ScanReport(BaseModel):
    """Every row of a scan, best first, with what was scanned and the exit code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["quota-scan", "preflight"] = Field(
        description="quota-scan, or preflight (across accounts: adds the resolved release)"
    )
    instance_type: str
    count: int = Field(description="instances asked for")
    spot: bool
    accounts: list[str] = Field(description="account ids scanned; empty: the caller's own")
    regions: list[str] = Field(description="regions scanned")
    checked: int = Field(description="rows gathered (fewer than asked when interrupted)")
    interrupted: bool = False
    exit_code: int = Field(description="the process exit code (README: Exit codes)")
    counts: dict[Verdict, int] = Field(description="rows per verdict")
    fits: list[ScanRow] = Field(description="the rows that fit, most headroom first")
    rows: list[ScanRow] = Field(description="every row: fits, short, not-offered, error, skipped")
    framework: str | None = None
    framework_version: str | None = None
    smddp_version: str | None = None


def report_dict(**fields: Any) -> dict[str, Any]:
    """``fields`` checked against :class:`ScanReport`, as plain JSON data."""
    return ScanReport.model_validate(fields).model_dump(mode="json")


def schema() -> dict[str, Any]:
    """The JSON Schema of a scan report (draft 2020-12, from the pydantic model)."""
    out = ScanReport.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["$id"] = "https://smddp-compat.invalid/schemas/scan-report.schema.json"
    return out
