"""``import-doc``, ``diff``, ``lint``, ``verify``: keeping the matrix true."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option, region_option
from compat.exit_codes import ExitCode
from compat.render import OutputFormat


def _matrix_file(ctx: click.Context, path: str | None) -> str:
    from compat.matrix import shipped_matrix_path

    return path or ctx.find_root().params.get("matrix_path") or shipped_matrix_path()


@click.command("import-doc")
@click.argument("page", type=click.Path(dir_okay=False))
@click.option(
    "--merge",
    "merge_into",
    type=str,  # an unreadable matrix is a MatrixError (exit 7), as everywhere
    default=None,
    help="Merge the page into this matrix file (atomically), printing the change as a diff.",
)
@click.option("--dry-run", is_flag=True, help="With --merge: show the diff, write nothing.")
@click.option(
    "--source",
    default="AWSSUP",
    show_default=True,
    help="Source id (in the matrix's sources) that the page's facts are cited as.",
)
@format_option(OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.YAML)
def import_doc_cmd(
    page: str,
    merge_into: str | None,
    dry_run: bool,
    source: str,
    output_format: OutputFormat,
) -> None:
    """Parse AWS's smddp support page (Markdown) and merge it into the matrix.

    Without --merge, print the rows read from the page. With --merge, add what
    is new, report every conflict with both values and both sources (the
    matrix keeps its own value), keep the file's comments and order, and print
    the change as a unified diff; the summary goes to stderr. The merged file
    must validate, or nothing is written. --merge needs ruamel.yaml
    (pip install 'smddp-compat[maintainer]').

    \b
    Examples:
      smddp-compat import-doc page.md
      smddp-compat import-doc page.md --merge data/matrix.yaml --dry-run
      smddp-compat import-doc old-page.md --merge data/matrix.yaml --source AWSSUP-2023

    Exit codes: 0 parsed (and merged; conflicts are reported, not fatal),
    2 malformed page (file:line) or unknown source, 7 invalid matrix before or
    after the merge (the file is then unchanged).
    """
    from compat.maintain.docpage import read_page

    parsed = read_page(page)
    if merge_into is None:
        for table in parsed.unrecognised:
            click.echo(
                f"note: {page}:{table.line}: table under {table.heading!r} not recognised; skipped",
                err=True,
            )
        emit(parsed, output_format)
        return
    from compat.maintain.merge import merge_page

    report = merge_page(parsed, merge_into, source=source, dry_run=dry_run)
    if output_format is OutputFormat.TEXT:
        if report.diff:
            click.echo(report.diff, nl=False)
        click.echo(report.summary(), err=True)
        return
    emit(report, output_format)


@click.command("diff")
@click.argument("old", type=str)  # unreadable: MatrixError, exit 7
@click.argument("new", type=str)
@click.option(
    "--exit-code",
    "exit_code",
    is_flag=True,
    help="Exit 1 when the files differ, as 'git diff --exit-code' does.",
)
@format_option(OutputFormat.TEXT, OutputFormat.JSON)
def diff_cmd(old: str, new: str, exit_code: bool, output_format: OutputFormat) -> int:
    """Compare two matrix files entry by entry, field by field.

    Entries are matched by their natural keys (a release by framework and
    version, a region by name, a Lightning row by its PyTorch version), so the
    output lists entries added, removed and changed, with each changed field.

    Exit codes: 0 whether or not they differ; with --exit-code, 1 when they
    differ (the one command where 1 means "different", not a bug); 7 when a
    file is invalid.
    """
    from compat.maintain.matrixdiff import diff_files

    result = diff_files(old, new)
    emit(result, output_format)
    if exit_code and result.differ:
        return int(ExitCode.UNEXPECTED)  # 1: "the files differ", as git diff --exit-code
    return int(ExitCode.OK)


@click.command("lint")
@click.argument("path", required=False, type=str)  # unreadable: MatrixError, exit 7
@click.option("--strict", is_flag=True, help="Fail (exit 7) on warnings too, for CI.")
@format_option(OutputFormat.TEXT, OutputFormat.JSON)
@click.pass_context
def lint_cmd(
    ctx: click.Context, path: str | None, strict: bool, output_format: OutputFormat
) -> int:
    """Report smells that validation allows but a reviewer should see.

    Each finding has a severity (error, warning, info) and the file:line:
    an inference repository in a training row, a wheel whose smddp version or
    cp tag differs from its row without an exception, a tag without
    -sagemaker where the framework has it, a region without an account or
    partition, a version listed twice, an unconfirmed entry (info when its
    notes say what to check, else a warning). PATH defaults to --matrix,
    SMDDP_COMPAT_MATRIX, or the shipped matrix.

    Exit codes: 0 passes, 7 when there is an error (or, with --strict, a
    warning), or when the file does not fit the schema.
    """
    from compat.maintain.lint import lint_file

    report = lint_file(_matrix_file(ctx, path), strict=strict)
    if output_format is OutputFormat.TEXT:
        for finding in report.findings:
            click.echo(finding.to_text())
        click.echo(report.summary(), err=True)
    else:
        emit(report, output_format)
    return int(ExitCode.INVALID_MATRIX if report.failed else ExitCode.OK)


@click.command("verify")
@click.option("--online", is_flag=True, help="HEAD every wheel URL and look up every image in ECR.")
@region_option
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Checks in flight at once (online).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds per request (online).",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Retries per item after a network error, 429 or 5xx, with exponential backoff.",
)
@click.option(
    "--wheel-base-url",
    default=None,
    help="Send the HEADs to this base URL instead (a mirror); the wheel path is appended.",
)
@click.option(
    "--against-sdk",
    "against_sdk",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[PATH]",
    help="Instead of the artifact checks, compare the matrix with the SageMaker SDK's image "
    "configs in PATH (default: the installed sagemaker package), read-only.",
)
@format_option(OutputFormat.TEXT, OutputFormat.JSON)
@matrix_option
@click.pass_context
def verify_cmd(
    ctx: click.Context,
    online: bool,
    region: str | None,
    concurrency: int,
    timeout: float,
    retries: int,
    wheel_base_url: str | None,
    against_sdk: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> int:
    """Check that every image URI and wheel URL is well formed, and (--online) exists.

    Offline (the default): every URI that resolve hands out, in --region or in
    every region, is checked for form and against its row. With --online, each
    wheel URL gets an HTTP HEAD and each image tag is looked up in ECR
    (describe_images with the registry id) in --region, using your AWS
    credentials; a network failure is reported for its item and the run goes
    on. Items that are not ok are listed in a table (or all of them in JSON).

    With --against-sdk, compare the matrix with the SageMaker SDK's image
    configs instead (as import-sdk does, and never writing).

    \b
    Examples:
      smddp-compat verify
      smddp-compat verify --online --region us-west-2 --format json
      smddp-compat verify --against-sdk path/to/image_uri_config

    Exit codes: 0 all ok, 7 an artifact is malformed or missing (or the SDK
    differs), 6 an item could not be checked (network, credentials,
    permissions), 2 --online without --region or a malformed SDK file, 3 no
    SDK found.
    """
    from compat.maintain.verify import Online, verify_matrix

    matrix = load(ctx, matrix_path)
    if against_sdk is not None:
        from compat.maintain.sdkcompare import compare_with_sdk
        from compat.maintain.sdkdata import read_sdk

        comparison = compare_with_sdk(matrix, read_sdk(against_sdk or None))
        emit(comparison, output_format)
        return int(ExitCode.INVALID_MATRIX if comparison.differ else ExitCode.OK)
    checker = None
    if online:
        from compat.errors import UsageError

        if region is None:
            raise UsageError(
                "verify --online needs --region: image tags are looked up in one region's ECR",
                hint="pass --region, for example --region us-west-2",
            )
        if wheel_base_url is not None and not wheel_base_url.endswith("/"):
            wheel_base_url += "/"
        checker = Online(
            ecr_client=_ecr_client(region, timeout),
            wheel_base_url=wheel_base_url,
            timeout=timeout,
            retries=retries,
            concurrency=concurrency,
        )
    report = verify_matrix(
        matrix, region=region, online=checker, path=_matrix_file(ctx, matrix_path)
    )
    emit(report, output_format)
    return int(report.exit_code)


def _ecr_client(region: str, timeout: float) -> object:
    """An ECR client for ``region``; created here, at the edge, and injected."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return boto3.client("ecr", region_name=region, config=config)
