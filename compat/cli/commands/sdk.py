"""``smddp-compat import-sdk``: check the matrix against the SageMaker SDK's own data."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.exit_codes import ExitCode
from compat.render import OutputFormat


@click.command("import-sdk")
@click.option(
    "--from",
    "source",
    type=click.Path(),
    default=None,
    help="The SDK's image_uri_config directory (fw_utils.py is read from its parent), or one "
    "of its files (pytorch.json, tensorflow.json, huggingface.json, pytorch-smp.json). "
    "Default: the installed SDK (sagemaker-core's sagemaker/core, else sagemaker 2.x), found "
    "without importing it.",
)
@click.option(
    "--merge",
    is_flag=True,
    help="Add the regions and accounts the SDK adds (source SDK) to the matrix file, atomically; "
    "never overwrite a recorded fact.",
)
@click.option("--dry-run", is_flag=True, help="Show what --merge would change; write nothing.")
@click.option(
    "--exit-code",
    "exit_code",
    is_flag=True,
    help="Exit 1 when the matrix and the SDK differ (with --merge: when conflicts remain).",
)
@format_option(OutputFormat.TEXT, OutputFormat.JSON)
@matrix_option
@click.pass_context
def import_sdk_cmd(
    ctx: click.Context,
    source: str | None,
    merge: bool,
    dry_run: bool,
    exit_code: bool,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> int:
    """Compare the matrix with the SageMaker SDK's image configs, and merge what it adds.

    Every matrix row is compared with the SDK entry of its version: the
    regions and the registry account of each, the Python version, the
    repository and the tag the SDK builds. Differences are listed field by
    field, as diff does (matrix -> SDK); so are rows the SDK lacks and SDK
    versions the matrix lacks. With --merge (or --dry-run), regions the
    SDK adds are added with source SDK; anything else that differs is a
    conflict, reported with both values, and the matrix keeps its own. The
    merged file must validate, or nothing is written. The matrix file is the
    one --matrix (or SMDDP_COMPAT_MATRIX) names, else the shipped one;
    --merge writes only to a file named so.

    \b
    Examples:
      smddp-compat import-sdk --from ~/src/sagemaker-python-sdk/src/sagemaker/image_uri_config
      smddp-compat import-sdk --dry-run --exit-code                # the installed sagemaker
      smddp-compat import-sdk --from sdk/ --merge --matrix data/matrix.yaml

    The SDK's smdistributed and torch_distributed lists (fw_utils.py) are
    compared with the matrix's sdk section, and every version the SDK accepts
    for smdistributed must be a row or an sdk.known_absent entry; one that is
    neither is listed as unexplained. An SDK entry of a shape this tool cannot
    read is skipped with a warning naming the file and key path.

    Exit codes: 0 compared (and merged); with --exit-code, 1 when they differ
    or a version is unexplained (with --merge: when conflicts remain); 2 an
    SDK file that is not JSON or whose top level is not the SDK's; 3 no SDK
    found; 7 an invalid matrix (the file is then unchanged).
    """
    from compat.cli.commands.maintain import _matrix_file
    from compat.maintain.sdkcompare import compare_with_sdk
    from compat.maintain.sdkdata import read_sdk

    sdk = read_sdk(source)
    matrix = load(ctx, matrix_path)
    comparison = compare_with_sdk(matrix, sdk)
    if not (merge or dry_run):
        emit(comparison, output_format)
        return int(ExitCode.UNEXPECTED if exit_code and comparison.differ else ExitCode.OK)
    from compat.maintain.sdkmerge import merge_sdk

    target = matrix_path or ctx.find_root().params.get("matrix_path")
    if target is None and not dry_run:
        from compat.errors import UsageError

        raise UsageError(
            "import-sdk --merge needs --matrix PATH: the file to write",
            hint="for example --matrix data/matrix.yaml in a clone (or --dry-run to only look)",
        )
    report = merge_sdk(comparison, matrix, target or _matrix_file(ctx, None), dry_run=dry_run)
    if output_format is OutputFormat.TEXT:
        if report.diff:
            click.echo(report.diff, nl=False)
        click.echo(report.to_text(), err=True)
    else:
        emit(report, output_format)
    remaining = report.conflicts if merge and not dry_run else comparison.differ
    return int(ExitCode.UNEXPECTED if exit_code and remaining else ExitCode.OK)
