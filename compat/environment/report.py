"""What ``doctor`` returns: the environment, the release it was compared with, findings.

A frozen dataclass like the other results, so that the CLI, the HTTP service
and library callers read the same thing; ``exit_code`` is 4 (not eligible)
when anything does not match and 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compat.environment.probe import Environment
from compat.exit_codes import ExitCode

#: Doctor finding statuses, from bad to fine. Only MISMATCH changes the exit code.
MISMATCH = "mismatch"
WARNING = "warning"
OK = "ok"
INFO = "info"


@dataclass(frozen=True, slots=True)
class DoctorFinding:
    """One comparison: what was found, what the matrix expects, and the fix."""

    check: str  # a short stable slug: python, cuda, smddp, instance-type, ...
    status: str  # mismatch | warning | ok | info
    found: str | None
    expected: str | None
    message: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "found": self.found,
            "expected": self.expected,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Target:
    """The matrix release the environment was compared with, and why that one."""

    framework: str
    display_name: str
    framework_version: str
    smddp_version: str
    reason: str  # "requested" or what it was inferred from

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "framework_version": self.framework_version,
            "smddp_version": self.smddp_version,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """The environment, the release it was compared with, and every finding."""

    environment: Environment
    target: Target | None
    findings: tuple[DoctorFinding, ...]

    @property
    def mismatches(self) -> tuple[DoctorFinding, ...]:
        return tuple(f for f in self.findings if f.status == MISMATCH)

    @property
    def ok(self) -> bool:
        """True only when a release was compared and nothing mismatched it.

        With nothing compared (no framework installed, none named) nothing is
        known to match, so this is False, though nothing mismatched either
        (``exit_code`` stays 0 and ``compared`` says why).
        """
        return self.target is not None and not self.mismatches

    @property
    def exit_code(self) -> ExitCode:
        """NOT_ELIGIBLE (4) when something does not match the matrix, else OK (0)."""
        return ExitCode.NOT_ELIGIBLE if self.mismatches else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            # False when no release was compared (no framework installed, none named):
            # "ok" is then False too: nothing was found wrong, but nothing matched either.
            "compared": self.target is not None,
            "exit_code": int(self.exit_code),
            "environment": self.environment.to_dict(),
            "target": None if self.target is None else self.target.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_text(self) -> str:
        env = self.environment
        w = max([13, *(len(name) + 2 for name in env.packages)])
        lines = ["environment", f"  {'python':<{w}}{env.python_version}"]
        for pkg in env.packages.values():
            lines.append(f"  {pkg.name:<{w}}{pkg.version}")
        cuda = f"{env.cuda_version} ({env.cuda_source})" if env.cuda_version else "-"
        lines.append(f"  {'cuda':<{w}}{cuda}")
        if env.sagemaker is not None:
            sm = env.sagemaker
            hosts = f" x {sm.host_count} host(s)" if sm.host_count is not None else ""
            lines.append(f"  {'sagemaker':<{w}}{sm.instance_type or '-'}{hosts} ({sm.source})")
        for problem in env.problems:
            lines.append(f"  problem: {problem}")
        if self.target is not None:
            t = self.target
            lines.append(
                f"compared with {t.display_name} {t.framework_version} "
                f"(smddp {t.smddp_version}; {t.reason})"
            )
        width = max((len(f.check) for f in self.findings), default=0)
        for f in self.findings:
            lines.append(f"  {f.status.upper():<9}{f.check:<{width}}  {f.message}")
            if f.fix and f.status in (MISMATCH, WARNING):
                lines.append(f"  {'':<9}{'':<{width}}  fix: {f.fix}")
        count = len(self.mismatches)
        if count:
            lines.append(
                f"{count} mismatch{'es' if count > 1 else ''} (exit {int(self.exit_code)})"
            )
        elif self.target is None:
            lines.append("nothing compared: no release to compare this environment with")
        else:
            lines.append("no mismatches")
        return "\n".join(lines)
