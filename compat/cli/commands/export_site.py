"""``smddp-compat export-site DIR``: every answer as static files (compat/service/export.py)."""

from __future__ import annotations

import click

from compat.cli.commands.serve import _require_server_packages
from compat.cli.options import matrix_option


@click.command("export-site")
@click.argument("directory", type=click.Path(file_okay=False, dir_okay=True, writable=True))
@matrix_option
@click.pass_context
def export_site_cmd(ctx: click.Context, directory: str, matrix_path: str | None) -> None:
    """Write the page and every API answer as static files to DIRECTORY.

    \b
    DIRECTORY/index.html, v1/matrix.json, v1/openapi.json, v1/frameworks.json,
    v1/regions.json, v1/instance-types.json and
    v1/resolve/{framework}/{version}/{region}.json (index.json without a
    region): the same bytes as the live endpoints. Built beside DIRECTORY and
    renamed over it (only an earlier export is ever replaced); the same matrix
    gives the same bytes. Prints a JSON summary to stdout.

    \b
    Examples:
      smddp-compat export-site public/
      aws s3 sync public/ s3://my-bucket/ --delete
    """
    _require_server_packages("export-site")
    from compat.service.export import export_site, summary

    path = matrix_path or ctx.find_root().params.get("matrix_path")
    click.echo(summary(export_site(directory, path)))
