"""``smddp-compat resolve``: the main job."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from click.core import ParameterSource

from compat.cli.options import (
    emit,
    format_option,
    load,
    matrix_option,
    region_option,
)
from compat.errors import UsageError
from compat.render import OutputFormat

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.results import Resolution


@click.command("resolve")
@click.option(
    "--framework",
    "-f",
    default=None,
    help="pytorch (torch, pt), tensorflow (tf), pytorch-lightning (lightning, pl), "
    "huggingface (hf).",
)
@click.option(
    "--version",
    "version",
    default="latest",
    show_default=True,
    help="Exact (1.13.1, v1.13.1), prefix (1.13), PEP 440 specifier (>=1.12,<2) or 'latest'.",
)
@region_option
@click.option(
    "--smddp-version",
    default=None,
    help="Reverse lookup: every release that ships this smddp version; with --version, the "
    "release that matches both (exit 2 when they conflict).",
)
@click.option(
    "--instance-type",
    default=None,
    help="With --format sagemaker: the estimator's instance_type (exit 4 with the alternative "
    "when smddp does not run on it).",
)
@format_option(
    OutputFormat.TEXT,
    OutputFormat.JSON,
    OutputFormat.YAML,
    OutputFormat.ENV,
    OutputFormat.URI,
    OutputFormat.SAGEMAKER,
)
@matrix_option
@click.pass_context
def resolve_cmd(
    ctx: click.Context,
    framework: str | None,
    version: str,
    region: str | None,
    smddp_version: str | None,
    instance_type: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """Resolve a framework version to its smddp image URI, wheel and instance types.

    \b
    Examples:
      smddp-compat resolve --framework pytorch --version 1.13.1 --region us-west-2
      URI=$(smddp-compat resolve -f pt --version 1.13 -r us-west-2 --format uri)
      smddp-compat resolve --smddp-version 1.7.0 --region us-east-1 --format json
      smddp-compat resolve -f pt --version 1.13.1 -r us-west-2 --format sagemaker \\
          --instance-type ml.p4d.24xlarge     # SageMaker SDK v2 and v3 arguments
    """
    from compat.resolver import find_by_smddp, resolve

    matrix = load(ctx, matrix_path)
    if instance_type is not None and output_format is not OutputFormat.SAGEMAKER:
        raise UsageError(
            "--instance-type applies to --format sagemaker only",
            hint="for instance-type checks use: smddp-compat instance-types, or preflight",
        )
    version_given = ctx.get_parameter_source("version") is not ParameterSource.DEFAULT
    if smddp_version is not None and version_given:
        if framework is None:
            raise UsageError(
                "--version needs --framework (with --smddp-version too)",
                hint="for example: smddp-compat resolve --framework pytorch --version 1.13.1 "
                "--smddp-version 1.7.0",
            )
        res = resolve(framework, version, region, smddp_version=smddp_version, matrix=matrix)
        _emit_resolution(res, output_format, instance_type, matrix)
        return
    if smddp_version is not None:
        found = find_by_smddp(smddp_version, region, framework=framework, matrix=matrix)
        if output_format is OutputFormat.SAGEMAKER:
            from compat.recipes.sagemaker_sdk import sagemaker_args

            # Each release's arguments for --instance-type (exit 4 where smddp does not run).
            args = [sagemaker_args(r, instance_type=instance_type, matrix=matrix) for r in found]
            emit(args, output_format)
            return
        emit(found, output_format)
        return
    if framework is None:
        raise UsageError(
            "resolve needs --framework (or --smddp-version for a reverse lookup)",
            hint="for example: smddp-compat resolve --framework pytorch --version 1.13.1 "
            "--region us-west-2",
        )
    res = resolve(framework, version, region, matrix=matrix)
    _emit_resolution(res, output_format, instance_type, matrix)


def _emit_resolution(
    res: Resolution, output_format: OutputFormat, instance_type: str | None, matrix: Matrix
) -> None:
    if output_format is OutputFormat.SAGEMAKER:
        from compat.recipes.sagemaker_sdk import sagemaker_args

        emit(sagemaker_args(res, instance_type=instance_type, matrix=matrix), output_format)
        return
    emit(res, output_format)
