"""Typed results of a preflight: one Check per question, and the report over them.

The CLI (text, JSON, YAML) and the HTTP service render these same objects,
so the field names of ``to_dict`` are the documented JSON keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from compat.exit_codes import ExitCode
from compat.results import Alternative


class CheckStatus(str, Enum):
    """The verdict of one check, or of the whole report.

    ``PARTIAL`` is a report's verdict only: every check that ran passed, but
    some did not run, so the report must not claim a PASS for them.
    """

    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"
    ERROR = "error"
    PARTIAL = "partial"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Check:
    """One question a preflight answers, with its verdict and what to do.

    Quota checks fill the numeric fields; ``exit_code`` is what a failure (or
    error) of this check means for the process.
    """

    name: str
    status: CheckStatus
    message: str
    remedy: str | None = None
    quota_name: str | None = None
    quota_code: str | None = None
    limit: float | None = None
    usage: float | None = None
    requested: float | None = None
    headroom: float | None = None
    exit_code: ExitCode = ExitCode.OK
    #: What to use instead where the check refuses (releases, instance types, distributions).
    alternatives: tuple[Alternative, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "message": self.message,
            "remedy": self.remedy,
            "quota_name": self.quota_name,
            "quota_code": self.quota_code,
            "limit": _number(self.limit),
            "usage": _number(self.usage),
            "requested": _number(self.requested),
            "headroom": _number(self.headroom),
            "exit_code": int(self.exit_code),
            "alternatives": [a.to_dict() for a in self.alternatives],
        }

    def to_text(self) -> str:
        line = f"{_VERDICT[self.status]:<5} {self.name:<22} {self.message}"
        if self.remedy and self.status is not CheckStatus.PASS:
            line += f"\n      {'':<22} -> {self.remedy}"
        elif self.remedy:
            line += f"\n      {'':<22} note: {self.remedy}"
        for alternative in self.alternatives:
            line += f"\n      {'':<22} instead: {alternative.text}"
        return line


_VERDICT = {
    CheckStatus.PASS: "PASS",
    CheckStatus.FAIL: "FAIL",
    CheckStatus.SKIPPED: "SKIP",
    CheckStatus.ERROR: "ERROR",
    CheckStatus.PARTIAL: "PART",
}


def _number(value: float | None) -> float | int | None:
    """Whole numbers as ints in JSON (quotas are floats in the API)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def overall_status(checks: tuple[Check, ...]) -> CheckStatus:
    """fail if any check failed, else error if any errored, else pass when every check ran
    and passed, partial when some passed and others were skipped, skipped when none ran."""
    statuses = {c.status for c in checks}
    if CheckStatus.FAIL in statuses:
        return CheckStatus.FAIL
    if CheckStatus.ERROR in statuses:
        return CheckStatus.ERROR
    if CheckStatus.PASS not in statuses:
        return CheckStatus.SKIPPED
    if CheckStatus.SKIPPED in statuses:
        return CheckStatus.PARTIAL
    return CheckStatus.PASS


def overall_exit_code(checks: tuple[Check, ...], *, require_all: bool = False) -> ExitCode:
    """The exit code of the first check (in order) that failed or errored, else OK.

    With ``require_all`` (``--require-aws``), a report with checks that did not
    run is QUOTA (5): a CI gate must not pass on a quota nobody checked.
    """
    for check in checks:
        if check.status in (CheckStatus.FAIL, CheckStatus.ERROR) and check.exit_code:
            return check.exit_code
    if require_all and any(c.status is CheckStatus.SKIPPED for c in checks):
        return ExitCode.QUOTA
    return ExitCode.OK


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """Whether a training job of ``instance_count`` x ``instance_type`` will start."""

    framework: str
    version: str
    region: str
    instance_type: str
    instance_count: int
    spot: bool
    checks: tuple[Check, ...]
    framework_version: str | None = None
    smddp_version: str | None = None
    aws: bool = True
    #: ``--require-aws``: checks that did not run make the report exit 5.
    require_aws: bool = False
    status: CheckStatus = field(init=False)
    exit_code: ExitCode = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", overall_status(self.checks))
        object.__setattr__(
            self, "exit_code", overall_exit_code(self.checks, require_all=self.require_aws)
        )

    @property
    def not_checked(self) -> tuple[str, ...]:
        """The names of the checks that did not run."""
        return tuple(c.name for c in self.checks if c.status is CheckStatus.SKIPPED)

    @property
    def ok(self) -> bool:
        return self.exit_code is ExitCode.OK

    def aws_failure(self) -> Check | None:
        """The check that could not ask AWS, when that is what decides the report (exit 6).

        The one rule both faces follow: the CLI then exits 6 with a hint, the HTTP
        service answers 502 with this check's message and remedy.
        """
        if self.exit_code is not ExitCode.AWS:
            return None
        return next(
            c
            for c in self.checks
            if c.status in (CheckStatus.FAIL, CheckStatus.ERROR) and c.exit_code is ExitCode.AWS
        )

    def check(self, name: str) -> Check:
        """The check called ``name`` (KeyError when the report has none)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "exit_code": int(self.exit_code),
            "framework": self.framework,
            "version": self.version,
            "framework_version": self.framework_version,
            "smddp_version": self.smddp_version,
            "region": self.region,
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
            "spot": self.spot,
            "aws": self.aws,
            "require_aws": self.require_aws,
            "not_checked": list(self.not_checked),
            "checks": [c.to_dict() for c in self.checks],
        }

    def to_text(self) -> str:
        what = f"{self.instance_count} x {self.instance_type}" + (" (spot)" if self.spot else "")
        fw = self.framework_version or self.version
        head = f"preflight: {self.framework} {fw} in {self.region}, {what}"
        verdict = {
            CheckStatus.PASS: "the job should start",
            CheckStatus.FAIL: "the job would not start",
            CheckStatus.ERROR: "could not check everything",
            CheckStatus.SKIPPED: "nothing was checked",
            CheckStatus.PARTIAL: "what ran passed; not checked: " + ", ".join(self.not_checked),
        }[self.status]
        if self.status is CheckStatus.PARTIAL and self.require_aws:
            verdict += " (--require-aws requires them)"
        lines = [head, *(c.to_text() for c in self.checks)]
        lines.append(f"result: {self.status.value.upper()}: {verdict} (exit {int(self.exit_code)})")
        return "\n".join(lines)
