"""``smddp-compat preflight``: will this training job start? Exit code says why not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from compat.cli.commands.accounts import account_options
from compat.cli.options import (
    REGION_FROM_ENV,
    emit,
    format_option,
    load,
    matrix_option,
    region_option,
)
from compat.render import OutputFormat

F = TypeVar("F", bound=Callable[..., Any])


def profile_option(func: F) -> F:
    return click.option(
        "--profile",
        envvar="AWS_PROFILE",
        default=None,
        help="AWS profile for the quota and usage checks [env: AWS_PROFILE]; "
        "default: the environment or the default credential chain.",
    )(func)


def instance_count_type() -> click.IntRange:
    return click.IntRange(1, 10_000)


@click.command("preflight")
@click.option("--framework", "-f", required=True, help="pytorch (torch, pt), tensorflow (tf), ...")
@click.option(
    "--version", "version", default="latest", show_default=True, help="Framework version."
)
@region_option
@click.option("--instance-type", "-t", required=True, help="Such as ml.p4d.24xlarge.")
@click.option(
    "--instance-count", "-n", required=True, type=instance_count_type(), help="Instances."
)
@click.option("--spot", is_flag=True, help="Check the spot training quotas instead.")
@profile_option
@click.option("--no-aws", is_flag=True, help="Skip the quota and usage checks; send nothing.")
@click.option(
    "--require-aws",
    is_flag=True,
    help="Exit 5 when the quota and usage checks did not run (the result is 'partial').",
)
@format_option()
@matrix_option
@account_options
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=8,
    show_default=True,
    help="Account-regions read at once (with account options).",
)
@click.pass_context
def preflight_cmd(
    ctx: click.Context,
    /,
    framework: str,
    version: str,
    region: str | None,
    instance_type: str,
    instance_count: int,
    spot: bool,
    profile: str | None,
    no_aws: bool,
    require_aws: bool,
    output_format: OutputFormat,
    matrix_path: str | None,
    workers: int,
    **account_params: Any,
) -> int:
    """Check before submitting whether a training job would start.

    Resolves the framework, checks the instance type against the smddp
    version, then reads the region's quotas and counts running, stopping and
    warm-pooled jobs. Exit 0 when it should start, 3 not found, 4 not
    eligible, 5 not enough quota, 6 AWS access problem. With --no-aws the
    result is PARTIAL (exit 0, or 5 with --require-aws), never PASS.

    \b
    Examples:
      smddp-compat preflight -f pytorch --version 2.2.0 -r us-west-2 \\
          --instance-type ml.p4d.24xlarge --instance-count 2
      smddp-compat preflight -f pt --version 1.13.1 -r us-east-1 -t ml.p4d.24xlarge -n 4 --spot
      smddp-compat preflight ... --no-aws --format json     # eligibility only
      smddp-compat preflight -f pt -t ml.p4d.24xlarge -n 8 --organization --role-name R

    With --accounts/--accounts-file/--organization (and --role-name) or
    --role-arn: where does the job fit? The account-regions with room, best
    first (every commercial region where the release resolves, or --region).
    """
    from compat.aws import preflight
    from compat.aws.clients import SessionClients
    from compat.cli.commands.accounts import account_args, run_preflight
    from compat.errors import UsageError

    matrix = load(ctx, matrix_path)
    if REGION_FROM_ENV and region is not None:
        # An unknown region from AWS_REGION is an error that names the variable
        # (see compat.cli.app.run), not a resolve check about a --region never typed.
        matrix.region(region)
    across = account_args(account_params)
    if across.given:
        if no_aws:
            raise UsageError(
                "--no-aws sends nothing: it cannot read other accounts",
                hint="drop --no-aws to read the accounts, or drop the account options to "
                "check eligibility only",
            )
        return run_preflight(
            across,
            profile=profile,
            matrix=matrix,
            framework=framework,
            version=version,
            region=region,
            instance_type=instance_type,
            count=instance_count,
            spot=spot,
            workers=workers,
            output_format=str(output_format),
        )
    clients = None if no_aws else SessionClients(profile=profile)
    report = preflight(
        framework,
        version,
        region,
        instance_type,
        instance_count,
        spot=spot,
        clients=clients,
        no_aws=no_aws,
        require_aws=require_aws,
        matrix=matrix,
    )
    emit(report, output_format)
    if report.aws_failure() is not None:  # exit 6; the service answers 502 for the same report
        click.echo(
            "hint: AWS could not be asked; pass --no-aws to check everything but the quotas",
            err=True,
        )
    return int(report.exit_code)
