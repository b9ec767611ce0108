"""``list``, ``frameworks``, ``regions``, ``instance-types``: what the matrix knows."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option, load, matrix_option, region_option
from compat.render import OutputFormat


@click.command("list")
@click.option("--framework", "-f", default=None, help="Only this framework (or alias).")
@region_option
@format_option(OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.YAML, OutputFormat.URI)
@matrix_option
@click.pass_context
def list_cmd(
    ctx: click.Context,
    framework: str | None,
    region: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """List the whole matrix, like AWS's page.

    With --region the image URIs are filled in for that region (and releases
    not published there are left out); without it, images show as
    repository:tag.
    """
    from compat.resolver import list_published

    emit(list_published(framework, region, matrix=load(ctx, matrix_path)), output_format)


@click.command("frameworks")
@format_option()
@matrix_option
@click.pass_context
def frameworks_cmd(
    ctx: click.Context, output_format: OutputFormat, matrix_path: str | None
) -> None:
    """List frameworks, their aliases and versions with smddp."""
    from compat.catalog import list_frameworks
    from compat.render.text import table

    items = list_frameworks(matrix=load(ctx, matrix_path))
    if output_format is OutputFormat.TEXT:
        click.echo(
            table(
                ["framework", "aliases", "runs on", "versions with smddp"],
                [[f.name, ", ".join(f.aliases), f.runs_on, ", ".join(f.versions)] for f in items],
            )
        )
        return
    emit(items, output_format)


@click.command("regions")
@format_option()
@matrix_option
@click.pass_context
def regions_cmd(ctx: click.Context, output_format: OutputFormat, matrix_path: str | None) -> None:
    """List regions with their partition, DNS suffix and DLC account."""
    from compat.catalog import list_regions

    emit(list_regions(matrix=load(ctx, matrix_path)), output_format)


@click.command("instance-types")
@click.option("--smddp-version", default=None, help="Show the status for this smddp version.")
@format_option()
@matrix_option
@click.pass_context
def instance_types_cmd(
    ctx: click.Context,
    smddp_version: str | None,
    output_format: OutputFormat,
    matrix_path: str | None,
) -> None:
    """List instance types and their support per smddp version."""
    from compat.catalog import list_instance_types
    from compat.render.text import table

    items = list_instance_types(smddp_version, matrix=load(ctx, matrix_path))
    if output_format is OutputFormat.TEXT:
        if smddp_version is None:
            rows: list[list[object]] = [
                [
                    i.name,
                    i.gpus,
                    i.gpu,
                    "yes" if i.efa else "no",
                    "; ".join(f"{s['smddp']} {s['status']}" for s in i.support),
                ]
                for i in items
            ]
            click.echo(table(["instance type", "gpus", "gpu", "efa", "support (smddp)"], rows))
        else:
            rows = [[i.name, i.gpus, i.gpu, i.status, i.alternative or i.note] for i in items]
            click.echo(
                table(["instance type", "gpus", "gpu", f"smddp {smddp_version}", "note"], rows)
            )
        return
    emit(items, output_format)
