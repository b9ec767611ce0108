"""``smddp-compat byoc``: a Dockerfile fragment for a custom container with smddp."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option, region_option
from compat.render import OutputFormat


@click.command("byoc")
@click.option(
    "--framework",
    "-f",
    required=True,
    help="pytorch (torch, pt), pytorch-lightning (pl), huggingface (hf); AWS documents no "
    "tensorflow wheel.",
)
@click.option(
    "--version",
    "version",
    default="latest",
    show_default=True,
    help="Exact, prefix, PEP 440 specifier or 'latest', as for resolve.",
)
@region_option
@click.option(
    "--base",
    type=click.Choice(["dlc", "cuda"], case_sensitive=False),
    default="dlc",
    show_default=True,
    help="dlc: extend the Deep Learning Container (needs --region); cuda: NVIDIA's public "
    "CUDA image plus the smddp wheel.",
)
@click.option(
    "--entry-point",
    default="train.py",
    show_default=True,
    help="Training script copied to /opt/ml/code and set as SAGEMAKER_PROGRAM.",
)
@format_option()
@matrix_option
@click.pass_context
def byoc_cmd(
    ctx: click.Context,
    framework: str,
    version: str,
    region: str | None,
    base: str,
    entry_point: str,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """Print a Dockerfile fragment for a custom container with the smddp wheel.

    The fragment has a base image with the right CUDA and Python, the pip install line
    for the smddp wheel, and the environment settings AWS documents for custom
    containers, with the sources cited in comments.

    AWS documents no smddp wheel for TensorFlow: byoc exits 3 and names the DLC image to use.

    \b
    Examples:
      smddp-compat byoc --framework pytorch --version 1.13.1 --region us-west-2 > Dockerfile
      smddp-compat byoc -f pt --version 2.4.1 --base cuda
      smddp-compat byoc -f pl --version 2.2.5 -r us-east-1 --format json
    """
    from compat.recipes.byoc import byoc

    recipe = byoc(
        framework,
        version,
        region,
        base=base.lower(),
        entry_point=entry_point,
        matrix=load(ctx, matrix_path),
    )
    emit(recipe, output_format)
