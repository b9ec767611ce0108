"""``smddp-compat quota show|scan|request``: SageMaker training quotas across regions."""

from __future__ import annotations

import sys
from typing import Any

import click

from compat.cli.commands.accounts import (
    account_args,
    account_options,
    plain_format,
    run_quota_scan,
    scan_format_option,
)
from compat.cli.commands.preflight import instance_count_type, profile_option
from compat.cli.commands.quota_merge import merge_cmd
from compat.cli.commands.quota_schema import schema_cmd
from compat.cli.options import emit, format_option, load, matrix_option, region_option
from compat.errors import UsageError
from compat.exit_codes import ExitCode
from compat.render import OutputFormat


def _need_region(region: str | None) -> str:
    if not region:
        raise UsageError(
            "no region given", hint="pass --region (or set AWS_REGION), e.g. --region us-west-2"
        )
    return region.strip().lower()


@click.group("quota")
def quota_cmd() -> None:
    """SageMaker training quotas: show them, scan regions for room, request more.

    \b
    Examples:
      smddp-compat quota show --region us-west-2 --instance-type ml.p4d.24xlarge
      smddp-compat quota scan --instance-type ml.p4d.24xlarge --count 4
      smddp-compat quota request --instance-type ml.p4d.24xlarge -r us-west-2 --desired 8
    """


@quota_cmd.command("show")
@region_option
@click.option(
    "--instance-type",
    "-t",
    "instance_types",
    multiple=True,
    help="Instance type (repeatable); default: every instance type of the matrix.",
)
@profile_option
@format_option()
@matrix_option
@click.pass_context
def show_cmd(
    ctx: click.Context,
    region: str | None,
    instance_types: tuple[str, ...],
    profile: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """Show quota name, code, applied value, default, usage, headroom, adjustable.

    Lists the on-demand, spot and warm-pool quotas of each instance type and
    the account-wide training quotas; usage counts running, stopping and
    warm-pooled jobs.
    """
    from compat.aws.clients import SessionClients
    from compat.aws.table import quota_table

    matrix = load(ctx, matrix_path)
    where = matrix.region(_need_region(region))["name"]
    types = list(instance_types) or sorted(matrix.compiled["instance_types"])
    rows = quota_table(SessionClients(profile=profile), matrix, where, types)
    emit(rows, output_format)


@quota_cmd.command("scan")
@click.option("--instance-type", "-t", required=True, help="Such as ml.p4d.24xlarge.")
@click.option("--count", "-n", required=True, type=instance_count_type(), help="Instances.")
@click.option(
    "--region",
    "-r",
    "regions",
    multiple=True,
    help="Region to check (repeatable); default: every commercial (aws partition) region "
    "of the matrix.",
)
@click.option("--spot", is_flag=True, help="Check the spot training quotas instead.")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=8,
    show_default=True,
    help="Regions (account-regions with account options) checked at once.",
)
@click.option(
    "--shard",
    default=None,
    metavar="K/N|auto",
    help="With account options: read shard K (0 to N-1) of N of the account-regions, as "
    "JSON Lines for 'quota merge'; 'auto' takes K from JOB_COMPLETION_INDEX or "
    "AWS_BATCH_JOB_ARRAY_INDEX (and N from auto/N or SMDDP_COMPAT_SHARDS).",
)
@profile_option
@account_options
@scan_format_option
@matrix_option
@click.pass_context
def scan_cmd(
    ctx: click.Context,
    /,
    instance_type: str,
    count: int,
    regions: tuple[str, ...],
    spot: bool,
    workers: int,
    shard: str | None,
    profile: str | None,
    output_format: str,
    matrix_path: str | None,
    **account_params: Any,
) -> int:
    """List the regions with room for COUNT instances, most headroom first.

    A region that fails (not enabled, access denied) is reported on its own
    line and does not stop the scan. Exit 0 when some region fits, 5 when
    none has room, 6 when no region could be checked.

    With --role-arn, --accounts/--accounts-file or --organization (and
    --role-name) every account is read in every region: one row each, sorted
    by headroom. Exit 0 when some account-region fits, 5 when none fits and
    every row was read, 6 when none fits and some could not be read.
    """
    from compat.aws.clients import SessionClients
    from compat.aws.scan import default_regions, scan_regions

    matrix = load(ctx, matrix_path)
    wanted = [matrix.region(r)["name"] for r in regions] or default_regions(matrix)
    across = account_args(account_params)
    if across.given:
        return run_quota_scan(
            across,
            profile=profile,
            matrix=matrix,
            regions=wanted,
            instance_type=instance_type.strip(),
            count=count,
            spot=spot,
            workers=workers,
            output_format=output_format,
            shard=shard,
        )
    if shard is not None:
        from compat.cli.commands.accounts import shard_needs_accounts

        shard_needs_accounts()
    single_format = plain_format(output_format)
    show_progress = sys.stderr.isatty()

    def progress(done: int, total: int, region: str) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\rchecked {done}/{total} regions ({region})\033[K", err=True, nl=False)
        if end:
            click.echo("", err=True)

    result = scan_regions(
        SessionClients(profile=profile),
        matrix,
        wanted,
        instance_type.strip(),
        count,
        spot=spot,
        workers=workers,
        progress=progress if show_progress else None,
    )
    emit(result, single_format)
    return int(result.exit_code)


quota_cmd.add_command(schema_cmd)
quota_cmd.add_command(merge_cmd)


@quota_cmd.command("request")
@click.option("--instance-type", "-t", default=None, help="Such as ml.p4d.24xlarge.")
@click.option("--spot", is_flag=True, help="The spot training quota of the instance type.")
@click.option("--warm-pool", is_flag=True, help="The warm pool quota of the instance type.")
@click.option(
    "--quota-name",
    default=None,
    help="Any quota by its exact name, such as 'Number of instances across all training jobs'.",
)
@region_option
@click.option("--desired", required=True, type=click.IntRange(1, 100_000), help="New value.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@profile_option
@format_option()
@matrix_option
@click.pass_context
def request_cmd(
    ctx: click.Context,
    instance_type: str | None,
    spot: bool,
    warm_pool: bool,
    quota_name: str | None,
    region: str | None,
    desired: int,
    yes: bool,
    profile: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> int:
    """Ask Service Quotas to raise a training quota to DESIRED.

    Shows the current value and any open request for the same quota first,
    refuses a value not above the current one, and asks for confirmation
    unless --yes. Prints the request id and status.
    """
    from compat.aws.clients import SessionClients
    from compat.aws.increase import (
        check_desired,
        quota_name_for,
        quota_state,
        request_increase,
    )

    if spot and warm_pool:
        raise UsageError("--spot and --warm-pool name different quotas: pass one")
    matrix = load(ctx, matrix_path)
    where = matrix.region(_need_region(region))["name"]
    name = quota_name_for(
        matrix, instance_type=instance_type, spot=spot, warm_pool=warm_pool, quota_name=quota_name
    )
    source = SessionClients(profile=profile)
    state = quota_state(source, matrix, where, name)
    click.echo(state.to_text(), err=True)
    check_desired(state, desired)
    if state.open_requests:
        click.echo(
            "note: an open request exists for this quota; AWS may refuse a second one", err=True
        )
    question = f"Request '{name}' in {where} be raised to {desired}?"
    try:
        confirmed = yes or click.confirm(question, default=False, err=True)
    except click.Abort:
        if sys.stdin.isatty():
            raise  # Ctrl-C or Ctrl-D at the prompt: the user stopped it
        raise UsageError(
            "quota request asks for confirmation and no answer came (no terminal on stdin)",
            hint="pass --yes to request without asking, as a script or CI job must",
        ) from None
    if not confirmed:
        click.echo("Not requested.", err=True)
        return int(ExitCode.OK)
    emit(request_increase(source, matrix, state, desired), output_format)
    return int(ExitCode.OK)
