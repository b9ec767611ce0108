"""``smddp-compat explain``: read a ResourceLimitExceeded message, say what to ask for."""

from __future__ import annotations

import sys

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.errors import UsageError
from compat.render import OutputFormat

#: The most text read from stdin (a long log excerpt fits).
MAX_INPUT = 4 * 1024 * 1024


@click.command("explain")
@click.argument("message", required=False, default=None)
@click.option("--region", "-r", default=None, help="Region, when the message does not name one.")
@click.option(
    "--check",
    is_flag=True,
    help="Also read the quota's value now (one GetServiceQuota): has it been raised since?",
)
@click.option(
    "--profile",
    envvar="AWS_PROFILE",
    default=None,
    help="AWS profile for --check [env: AWS_PROFILE]; default: the default credential chain.",
)
@format_option()
@matrix_option
@click.pass_context
def explain_cmd(
    ctx: click.Context,
    message: str | None,
    region: str | None,
    check: bool,
    profile: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """Explain a ResourceLimitExceeded message: quota, limit, usage, what to ask for.

    MESSAGE is the error text, a whole botocore error line or a log excerpt;
    '-' (or no MESSAGE with piped input) reads it from stdin. Text without a
    quota message exits 3.

    \b
    Examples:
      smddp-compat explain "... service limit 'ml.p4d.24xlarge for training job usage' is 0 \\
          Instances, with current utilization of 0 Instances and a request delta of 2 Instances."
      python train.py 2>&1 | tail -50 | smddp-compat explain -
      smddp-compat explain --check -r us-west-2 "..."   # raised since? (reads AWS)
    """
    from compat.aws.explain import explain

    if message is None or message == "-":
        if message is None and sys.stdin.isatty():
            raise UsageError(
                "no message given",
                hint="pass the error text as an argument, or '-' to read it from stdin",
            )
        message = sys.stdin.read(MAX_INPUT)
    matrix = load(ctx, matrix_path)
    found = explain(message, region=region, matrix=matrix)
    if not check:
        emit(found, output_format)
        return
    from compat.aws.clients import SessionClients
    from compat.aws.explain import check_explanation

    emit(
        check_explanation(found, clients=SessionClients(profile=profile), matrix=matrix),
        output_format,
    )
