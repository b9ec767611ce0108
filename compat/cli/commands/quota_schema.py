"""``smddp-compat quota schema``: the JSON Schema of every scan's JSON."""

from __future__ import annotations

import click


@click.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the JSON a scan prints (one account, many, or preflight's).

    The same document as docs/scan-report.schema.json (draft 2020-12),
    generated from the pydantic model in compat/aws/scan_report.py.
    """
    import json

    from compat.aws.scan_report import schema

    click.echo(json.dumps(schema(), indent=2, ensure_ascii=False))
