"""``quota scan``: which regions can hold N instances of a type, best first.

Regions are checked in parallel by a bounded thread pool (boto3 clients are
thread-safe; :class:`~compat.aws.clients.SessionClients` creates them under
a lock). A region that fails (not enabled, access denied) gets its own
verdict and does not stop the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compat.aws.checks import INSTANCE_QUOTA, TOTAL_QUOTA, quota_checks
from compat.aws.eligibility import instance_type_name
from compat.aws.report import Check, CheckStatus
from compat.exit_codes import ExitCode

if TYPE_CHECKING:
    from compat.aws.clients import Clients
    from compat.matrix import Matrix

#: Regions checked at once by default.
DEFAULT_WORKERS = 8
#: Partitions scanned by default: one set of credentials works in one partition.
DEFAULT_PARTITIONS = ("aws",)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class RegionVerdict:
    """Whether one region can hold the request: fits, short, not-offered or error."""

    region: str
    verdict: str
    headroom: float | None
    message: str
    checks: tuple[Check, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "verdict": self.verdict,
            "headroom": _plain(self.headroom),
            "message": self.message,
            "checks": [c.to_dict() for c in self.checks],
        }


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Every region's verdict, regions that fit first (most headroom first)."""

    instance_type: str
    count: int
    spot: bool
    regions: tuple[RegionVerdict, ...]

    @property
    def exit_code(self) -> ExitCode:
        """0 when a region fits; 5 when one is short; 4 when the type is not offered in any
        region read (as single-account preflight answers); 6 when no region could be read.
        """
        verdicts = {r.verdict for r in self.regions}
        if "fits" in verdicts:
            return ExitCode.OK
        if "short" in verdicts:
            return ExitCode.QUOTA
        if "not-offered" in verdicts:
            return ExitCode.NOT_ELIGIBLE
        return ExitCode.AWS if verdicts else ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        """The one scan shape (:mod:`compat.aws.scan_report`), ``account_id`` null."""
        from compat.aws.org_scan import row_of
        from compat.aws.scan_report import report_dict

        rows = [row_of(None, None, r.region, list(r.checks)).to_dict() for r in self.regions]
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
        return report_dict(
            kind="quota-scan",
            instance_type=self.instance_type,
            count=self.count,
            spot=self.spot,
            accounts=[],
            regions=[r.region for r in self.regions],
            checked=len(rows),
            exit_code=int(self.exit_code),
            counts=counts,
            fits=[row for row in rows if row["verdict"] == "fits"],
            rows=rows,
        )

    def to_text(self) -> str:
        what = f"{self.count} x {self.instance_type}" + (" (spot)" if self.spot else "")
        fits = [r for r in self.regions if r.verdict == "fits"]
        lines = [f"regions with room for {what}: {len(fits)} of {len(self.regions)}"]
        width = max((len(r.region) for r in self.regions), default=0)
        for r in self.regions:
            label = {"fits": "OK", "short": "SHORT", "not-offered": "NONE", "error": "ERROR"}
            lines.append(f"{label[r.verdict]:<6} {r.region:<{width}}  {r.message}")
        return "\n".join(lines)


_ORDER = {"fits": 0, "short": 1, "not-offered": 2, "error": 3}


def default_regions(matrix: Matrix, partitions: Sequence[str] = DEFAULT_PARTITIONS) -> list[str]:
    """The matrix's regions in ``partitions`` (the commercial partition by default)."""
    return sorted(
        name for name, info in matrix.compiled["regions"].items() if info["partition"] in partitions
    )


def verdict_of(region: str, checks: list[Check]) -> RegionVerdict:
    """Summarize one region's quota checks as a verdict with its usable headroom."""
    statuses = {c.status for c in checks}
    usable = [
        c.headroom
        for c in checks
        if c.name in (INSTANCE_QUOTA, TOTAL_QUOTA) and c.headroom is not None
    ]
    headroom = min(usable) if usable else None
    if CheckStatus.ERROR in statuses:
        first = next(c for c in checks if c.status is CheckStatus.ERROR)
        msg = first.message + (f" ({first.remedy})" if first.remedy else "")
        return RegionVerdict(region, "error", None, msg, tuple(checks))
    failed = [c for c in checks if c.status is CheckStatus.FAIL]
    if any(c.exit_code is ExitCode.NOT_ELIGIBLE for c in failed):
        return RegionVerdict(region, "not-offered", None, failed[0].message, tuple(checks))
    numbers = "; ".join(c.message for c in checks if c.status is not CheckStatus.SKIPPED)
    if failed:
        return RegionVerdict(region, "short", headroom, numbers, tuple(checks))
    return RegionVerdict(region, "fits", headroom, numbers, tuple(checks))


def scan_regions(
    source: Clients,
    matrix: Matrix,
    regions: Sequence[str],
    instance_type: str,
    count: int,
    *,
    spot: bool = False,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
) -> ScanResult:
    """Check ``regions`` in parallel (at most ``workers`` at once).

    ``source`` gives the clients as for :func:`compat.preflight` (an object with
    ``client(service, region)``, a mapping, or None for the default chain).
    """
    from compat.aws.clients import client_source

    source = client_source(source)
    instance_type = instance_type_name(instance_type)
    for region in regions:
        matrix.region(region)  # unknown regions are a NotFoundError before any call
    verdicts: list[RegionVerdict] = []
    if regions:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(regions)))) as pool:
            futures = {
                pool.submit(
                    quota_checks, source, matrix, region, instance_type, count, spot=spot
                ): region
                for region in regions
            }
            for done, future in enumerate(as_completed(futures), start=1):
                region = futures[future]
                verdicts.append(verdict_of(region, future.result()))
                if progress is not None:
                    progress(done, len(regions), region)
    verdicts.sort(key=lambda v: (_ORDER[v.verdict], -(v.headroom or 0.0), v.region))
    return ScanResult(instance_type, count, spot, tuple(verdicts))
