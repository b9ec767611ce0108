"""Across accounts: the options and runs that ``quota scan`` and ``preflight`` share.

Kept apart from the single-account commands so that their behaviour does
not change: a command hands over to :func:`run_quota_scan` or
:func:`run_preflight` only when an account option is given.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from compat.cli.options import CHOSEN_FORMAT, CHOSEN_JSON_LINES
from compat.errors import UsageError
from compat.exit_codes import ExitCode
from compat.render import OutputFormat

if TYPE_CHECKING:
    from compat.matrix import Matrix

F = TypeVar("F", bound=Callable[..., Any])

JSONL = "jsonl"


def account_options(func: F) -> F:
    """--role-arn, --accounts, --accounts-file, --organization and the AssumeRole settings."""
    options = [
        click.option(
            "--role-arn",
            "role_arns",
            multiple=True,
            help="Scan the account of this role (assumed with STS AssumeRole); repeatable.",
        ),
        click.option(
            "--accounts",
            "accounts",
            multiple=True,
            help="Account ids, comma-separated or repeated; needs --role-name.",
        ),
        click.option(
            "--accounts-file",
            type=click.Path(dir_okay=False),
            default=None,
            help="File of account ids, one a line, '#' comments; needs --role-name.",
        ),
        click.option(
            "--organization",
            is_flag=True,
            help="Every ACTIVE account of AWS Organizations (run from the management or a "
            "delegated administrator account); needs --role-name.",
        ),
        click.option("--role-name", default=None, help="Role to assume in each account."),
        click.option("--external-id", default=None, help="External id the roles' trust asks for."),
        click.option(
            "--session-name",
            default="smddp-compat-scan",
            show_default=True,
            help="STS role session name (shows in CloudTrail).",
        ),
        click.option(
            "--session-duration",
            type=click.IntRange(900, 43_200),
            default=3600,
            show_default=True,
            help="Seconds each assumed-role session lasts; renewed when it expires.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _remember(ctx: click.Context, param: click.Parameter, value: str) -> str:
    CHOSEN_FORMAT[:] = [OutputFormat.JSON if value in ("json", JSONL) else OutputFormat(value)]
    CHOSEN_JSON_LINES[:] = [value == JSONL]
    return value


def scan_format_option(func: F) -> F:
    """--format text|json|yaml, and jsonl (streamed rows) with account options."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json", "yaml", JSONL], case_sensitive=False),
        default="text",
        show_default=True,
        callback=_remember,
        help="Output format; jsonl streams one row a line (with account options). "
        "Data goes to stdout, messages to stderr.",
    )(func)


@dataclass(frozen=True, slots=True)
class AccountArgs:
    """The account options as given on the command line."""

    role_arns: tuple[str, ...]
    accounts: tuple[str, ...]
    accounts_file: str | None
    organization: bool
    role_name: str | None
    external_id: str | None
    session_name: str
    session_duration: int

    @property
    def given(self) -> bool:
        """Whether the command runs across accounts (any account option given)."""
        return bool(
            self.role_arns or self.accounts or self.accounts_file or self.organization
        ) or bool(self.role_name or self.external_id)


def account_args(params: dict[str, Any]) -> AccountArgs:
    """Pop the account options from a command's parameters."""
    return AccountArgs(
        role_arns=tuple(params.pop("role_arns")),
        accounts=tuple(params.pop("accounts")),
        accounts_file=params.pop("accounts_file"),
        organization=params.pop("organization"),
        role_name=params.pop("role_name"),
        external_id=params.pop("external_id"),
        session_name=params.pop("session_name"),
        session_duration=params.pop("session_duration"),
    )


def shard_needs_accounts() -> None:
    """A sharded scan splits the account-regions of a scan across accounts."""
    raise UsageError(
        "a sharded scan splits the account-regions of a scan across accounts",
        hint="add --accounts ID,ID --role-name NAME, --role-arn ARN or --organization",
    )


def plain_format(value: str) -> OutputFormat:
    """The single-account format; jsonl needs account options."""
    if value == JSONL:
        raise UsageError(
            "--format jsonl streams rows of a scan across accounts",
            hint="add --accounts ... --role-name NAME, --role-arn ARN or --organization; "
            "or use --format json",
        )
    return OutputFormat(value)


def _targets(
    args: AccountArgs, profile: str | None, matrix: Matrix, regions: Sequence[str]
) -> tuple[Any, list[Any]]:
    """The caller's session and the accounts to scan, with role ARNs in the regions' partition."""
    from compat.aws.accounts import ORGANIZATIONS_REGIONS, account_targets
    from compat.aws.clients import make_session

    if not (args.role_arns or args.accounts or args.accounts_file or args.organization):
        raise UsageError(
            "--role-name and --external-id need accounts to scan",
            hint="add --accounts ID,ID, --accounts-file FILE or --organization",
        )
    partitions = {str(matrix.region(r)["partition"]) for r in regions}
    partition = partitions.pop() if len(partitions) == 1 else "aws"  # scan_accounts refuses a mix
    base = make_session(profile)

    def organizations() -> Any:
        from compat.aws.org_scan import default_client_factory

        where = ORGANIZATIONS_REGIONS.get(partition, "us-east-1")
        return default_client_factory()(base, "organizations", where)

    targets = account_targets(
        role_arn_value=args.role_arns or None,
        accounts=args.accounts,
        accounts_file=args.accounts_file,
        organization=args.organization,
        role_name=args.role_name,
        organizations_client=organizations,
        partition=partition,
    )
    return base, targets


def _progress(done: int, total: int, row: Any) -> None:
    """A bar on stderr (only called when stderr is a terminal)."""
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    click.echo(
        f"\r[{bar}] {done}/{total} account-regions ({row.account_id} {row.region})\033[K",
        err=True,
        nl=done == total,
    )


def _scan(
    args: AccountArgs,
    *,
    profile: str | None,
    matrix: Matrix,
    regions: Sequence[str],
    instance_type: str,
    count: int,
    spot: bool,
    workers: int,
    stream: bool,
    shard: Any = None,
) -> Any:
    from compat.aws.accounts import AssumedSessions, AssumeRoleSettings
    from compat.aws.org_scan import scan_accounts

    settings = AssumeRoleSettings(
        external_id=args.external_id,
        session_name=args.session_name,
        duration=args.session_duration,
    )
    base, targets = _targets(args, profile, matrix, regions)

    def emit_row(row: Any) -> None:
        click.echo(json.dumps(row.to_dict(), ensure_ascii=False))
        sys.stdout.flush()

    if shard is not None:
        from compat.aws.shards import header

        ids = [t.account_id for t in targets]
        click.echo(json.dumps(header(shard, ids, regions, instance_type, count, spot)))
    scan = scan_accounts(
        targets,
        regions,
        instance_type,
        count,
        spot=spot,
        workers=workers,
        matrix=matrix,
        session=base,  # one botocore session and loader: the caller's clients and the scan's
        session_factory=AssumedSessions(base, settings, profile=profile).credentials,
        on_row=emit_row if stream else None,
        progress=_progress if sys.stderr.isatty() else None,
        shard=shard,
    )
    if shard is not None:
        from compat.aws.shards import end_line

        click.echo(json.dumps(end_line(shard, len(scan.rows), scan.interrupted)))
    return scan


def _finish(scan: Any, value: Any, output_format: str) -> int:
    from compat.render import render

    if output_format != JSONL:
        click.echo(render(value, OutputFormat(output_format)))
    if scan.interrupted:
        click.echo(
            f"Interrupted: {len(scan.rows)} of {scan.accounts * scan.regions} "
            "account-regions were checked (shown above).",
            err=True,
        )
    return int(scan.exit_code)  # 130 when interrupted before a row fitted, as its JSON says


def run_quota_scan(
    args: AccountArgs,
    *,
    profile: str | None,
    matrix: Matrix,
    regions: Sequence[str],
    instance_type: str,
    count: int,
    spot: bool,
    workers: int,
    output_format: str,
    shard: str | None = None,
) -> int:
    """``quota scan`` across accounts: every row, sorted by headroom; exit 0, 4, 5 or 6.

    With ``shard`` (``K/N`` or ``auto``) only that shard's slice is read, as
    JSON Lines between a header and an end line that ``quota merge`` checks.
    """
    from compat.aws.shards import parse_shard

    chosen = None
    if shard is not None:
        chosen = parse_shard(shard)
        if output_format != JSONL:
            raise UsageError(
                "a sharded scan writes JSON Lines for 'quota merge': add --format jsonl",
                hint="smddp-compat quota merge shard-*.jsonl merges them into one report",
            )
    scan = _scan(
        args,
        profile=profile,
        matrix=matrix,
        regions=regions,
        instance_type=instance_type,
        count=count,
        spot=spot,
        workers=workers,
        stream=output_format == JSONL,
        shard=chosen,
    )
    return _finish(scan, scan, output_format)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a job fits: the release, then the account-regions with room, best first."""

    report: Any  # PreflightReport of resolve and eligibility
    scan: Any  # AccountScan

    def to_dict(self) -> dict[str, Any]:
        """The one scan shape (:mod:`compat.aws.scan_report`) with the release resolved."""
        head = self.report.to_dict()
        return dict(
            self.scan.to_dict(
                "preflight",
                framework=head["framework"],
                framework_version=head.get("framework_version"),
                smddp_version=head.get("smddp_version"),
            )
        )

    def to_text(self) -> str:
        from compat.aws.org_scan import table_lines

        r = self.report
        lines = [
            f"preflight: {r.framework} {r.framework_version} (smddp {r.smddp_version}), "
            f"{self.scan.count} x {self.scan.instance_type}" + (" (spot)" if r.spot else ""),
            f"fits in {len(self.scan.fits)} of {len(self.scan.rows)} account-regions "
            f"({self.scan.counts() or 'none checked'})",
            *table_lines(self.scan.rows),  # every row: short, not offered and unread too
        ]
        return "\n".join(lines)


def run_preflight(
    args: AccountArgs,
    *,
    profile: str | None,
    matrix: Matrix,
    framework: str,
    version: str,
    region: str | None,
    instance_type: str,
    count: int,
    spot: bool,
    workers: int,
    output_format: str,
) -> int:
    """``preflight`` across accounts: where the job fits, best first.

    Resolve and eligibility are checked once (exit 3 or 4 as for one
    account); then every account in ``region`` (or in every commercial
    region where the release resolves) is read.
    """
    from compat.aws import preflight
    from compat.aws.scan import default_regions
    from compat.errors import NotFoundError
    from compat.render import render
    from compat.resolver import resolve

    if region is not None:
        regions = [region]
    else:
        regions = []
        for name in default_regions(matrix):
            try:
                resolve(framework, version, name, matrix=matrix)
            except NotFoundError:
                continue
            regions.append(name)
    report = preflight(
        framework,
        version,
        "us-east-1" if "us-east-1" in regions or not regions else regions[0],
        instance_type,
        count,
        spot=spot,
        no_aws=True,
        skip_reason="read per account below",
        matrix=matrix,
    )
    if report.exit_code is not ExitCode.OK:
        click.echo(render(report, OutputFormat(output_format)))
        return int(report.exit_code)
    regions = [report.region] if region is not None else regions
    scan = _scan(
        args,
        profile=profile,
        matrix=matrix,
        regions=regions,
        instance_type=report.instance_type,
        count=count,
        spot=spot,
        workers=workers,
        stream=False,
    )
    return _finish(scan, Placement(report, scan), output_format)
