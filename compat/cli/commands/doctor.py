"""``smddp-compat doctor``: does this environment match the matrix?"""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.render import OutputFormat


@click.command("doctor")
@click.option(
    "--framework",
    "-f",
    default=None,
    help="Release to compare with (default: the one the installed packages point to).",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="Its version (default: the installed one). Any form resolve accepts.",
)
@click.option(
    "--path",
    "paths",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Look for installed packages here instead of sys.path (repeatable), e.g. a "
    "mounted container's site-packages.",
)
@click.option(
    "--sagemaker-root",
    default="/opt/ml",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where SageMaker's input/config/resourceconfig.json lives.",
)
@click.option("--no-nvcc", is_flag=True, help="Never run nvcc to find the CUDA version.")
@format_option()
@matrix_option
@click.pass_context
def doctor_cmd(
    ctx: click.Context,
    framework: str | None,
    version: str | None,
    paths: tuple[str, ...],
    sagemaker_root: str,
    no_nvcc: bool,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> int:
    """Check this environment (Python, framework, CUDA, smddp, instance) against the matrix.

    Compares Python, torch/tensorflow/Lightning/transformers, CUDA, smddp and the
    SageMaker instance type with the matrix, and says how to fix each mismatch.
    Frameworks are not imported: versions come from the packages' metadata, the
    CUDA version from torch's wheel metadata, CUDA_VERSION or nvcc. On SageMaker,
    the instance type and hosts come from SM_CURRENT_INSTANCE_TYPE and SM_HOSTS
    or resourceconfig.json.

    Exit codes: 0 everything matches, 4 something does not match, 3 the requested
    release does not exist.

    \b
    Examples:
      smddp-compat doctor
      smddp-compat doctor --framework pytorch --version 1.13.1 --format json
    """
    from compat.environment.doctor import doctor
    from compat.environment.probe import run_nvcc

    report = doctor(
        framework,
        version,
        matrix=load(ctx, matrix_path),
        path=list(paths) or None,
        sagemaker_root=sagemaker_root,
        nvcc=None if no_nvcc else run_nvcc,
    )
    emit(report, output_format)
    return int(report.exit_code)
