"""``smddp-compat iam-policy``: the IAM policy the AWS checks need, nothing more."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.render import OutputFormat


@click.command("iam-policy")
@click.option("--request", is_flag=True, help="Add the actions that 'quota request' needs.")
@format_option(OutputFormat.JSON, OutputFormat.YAML, default=OutputFormat.JSON)
@matrix_option
@click.pass_context
def iam_policy_cmd(
    ctx: click.Context, request: bool, output_format: OutputFormat, matrix_path: str | None
) -> None:
    """Print the minimal IAM policy for preflight (and quota requests).

    The read-only actions that preflight and quota show/scan call; with
    --request also those that quota request calls.

    \b
    Example:
      smddp-compat iam-policy > smddp-preflight.json
      aws iam create-policy --policy-name smddp-preflight --policy-document file://smddp-preflight.json
    """
    from compat.aws.iam import iam_policy

    emit(iam_policy(request=request, matrix=load(ctx, matrix_path)), output_format)
