"""``validate`` and ``schema``: the matrix file itself."""

from __future__ import annotations

import click

from compat.cli.options import emit, format_option
from compat.render import OutputFormat


@click.command("validate")
@click.argument("path", required=False, type=str)  # unreadable: MatrixError, exit 7
@format_option(OutputFormat.TEXT, OutputFormat.JSON)
@click.pass_context
def validate_cmd(ctx: click.Context, path: str | None, output_format: OutputFormat) -> None:
    """Validate a matrix file and list every problem with its line.

    PATH defaults to --matrix, SMDDP_COMPAT_MATRIX, or the shipped matrix.
    Exit code 7 when the file is invalid.
    """
    from compat.matrix import compile_bytes, read_matrix_bytes, shipped_matrix_path

    file = path or ctx.find_root().params.get("matrix_path") or shipped_matrix_path()
    compiled = compile_bytes(read_matrix_bytes(file), file)
    counts = {fw: len(rows) for fw, rows in compiled["releases"].items()}
    summary = {
        "path": file,
        "valid": True,
        "sha256": compiled["sha256"],
        "releases": counts,
        "regions": len(compiled["regions"]),
        "instance_types": len(compiled["instance_types"]),
    }
    if output_format is OutputFormat.JSON:
        emit(summary, output_format)
        return
    releases = ", ".join(f"{n} {fw}" for fw, n in counts.items())
    click.echo(
        f"{file}: valid ({releases} releases; {summary['regions']} regions; "
        f"{summary['instance_types']} instance types)"
    )


@click.command("schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the schema to this file (atomically) instead of stdout.",
)
def schema_cmd(output: str | None) -> None:
    """Print the JSON Schema of the matrix file.

    The schema is generated from the pydantic models that validate the file.
    """
    import json

    from compat.matrix.schema import MatrixDocument

    schema = MatrixDocument.model_json_schema()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "smddp-compat matrix",
        **schema,
    }
    text = json.dumps(schema, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from compat.matrix.atomic import write_text_atomic

    write_text_atomic(output, text)
    click.echo(f"wrote {output}", err=True)
