"""``smddp-compat iam-policy``: the IAM policy the AWS checks need, nothing more."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.render import OutputFormat


@click.command("iam-policy")
@click.option("--request", is_flag=True, help="Add the actions that 'quota request' needs.")
@click.option(
    "--for-scan",
    is_flag=True,
    help="The set-up for scans across accounts: the caller's policy, the member role's "
    "policy and its trust policy.",
)
@click.option(
    "--role-name",
    default=None,
    help="With --for-scan: the member role's name [default: SmddpCompatScan].",
)
@click.option("--caller-account", default=None, help="With --for-scan: the scanning account.")
@click.option("--external-id", default=None, help="With --for-scan: the trust's external id.")
@click.option(
    "--partition",
    type=click.Choice(["aws", "aws-cn", "aws-us-gov"]),
    default=None,
    help="With --for-scan: the partition of the ARNs (the scan's regions') [default: aws].",
)
@format_option(OutputFormat.JSON, OutputFormat.YAML, default=OutputFormat.JSON)
@matrix_option
@click.pass_context
def iam_policy_cmd(
    ctx: click.Context,
    /,
    request: bool,
    for_scan: bool,
    role_name: str | None,
    caller_account: str | None,
    external_id: str | None,
    partition: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """Print the minimal IAM policy for preflight (and quota requests).

    The read-only actions that preflight and quota show/scan call; with
    --request also those that quota request calls.

    \b
    Example:
      smddp-compat iam-policy > smddp-preflight.json
      aws iam create-policy --policy-name smddp-preflight --policy-document file://smddp-preflight.json
      smddp-compat iam-policy --for-scan --caller-account 111111111111 --external-id X

    With --for-scan: a JSON object with caller_policy (sts:AssumeRole on the
    member role, organizations:ListAccounts), member_role_policy (the
    read-only actions, and iam:ListAccountAliases for the alias column) and
    trust_policy (the caller's account, with the external id).
    """
    from compat.aws.iam import iam_policy
    from compat.errors import UsageError

    if for_scan:
        from compat.aws.iam_scan import DEFAULT_ROLE_NAME, scan_policies

        if request:
            raise UsageError("--request and --for-scan: pass one (scans only read)")
        matrix = load(ctx, matrix_path)
        policies = scan_policies(
            role_name=role_name or DEFAULT_ROLE_NAME,
            caller_account=caller_account,
            external_id=external_id,
            matrix=matrix,
            partition=partition or "aws",
        )
        emit(policies, output_format)
        if caller_account is None or external_id is None:
            click.echo(
                "note: replace CALLER_ACCOUNT_ID and EXTERNAL_ID in trust_policy "
                "(or pass --caller-account and --external-id)",
                err=True,
            )
        return

    scan_only = {
        "--role-name": role_name,
        "--caller-account": caller_account,
        "--external-id": external_id,
        "--partition": partition,
    }
    given = [name for name, value in scan_only.items() if value is not None]
    if given:
        raise UsageError(
            f"{', '.join(given)} shape{'s' if len(given) == 1 else ''} the policies of a scan "
            "across accounts: add --for-scan",
            hint="smddp-compat iam-policy --for-scan " + " ".join(f"{g} ..." for g in given),
        )
    emit(iam_policy(request=request, matrix=load(ctx, matrix_path)), output_format)
