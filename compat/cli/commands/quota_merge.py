"""``smddp-compat quota merge``: the shards of a scan across accounts, as one report."""

from __future__ import annotations

import click

from compat.cli.commands.accounts import scan_format_option
from compat.cli.options import emit
from compat.render import OutputFormat


@click.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@scan_format_option
def merge_cmd(files: tuple[str, ...], output_format: str) -> int:
    """Merge the JSON Lines of a sharded scan ('smddp-compat quota scan ... --shard K/N').

    Refuses files of different scans, a shard given twice, a missing,
    interrupted or cut-short shard. The report and the exit code are those
    of the same scan unsharded: 0 fits, 4 not offered, 5 short, 6 unread.
    """
    from compat.aws.shards import merge_shards
    from compat.cli.commands.accounts import JSONL

    scan = merge_shards(files)
    if output_format == JSONL:
        import json

        for row in scan.rows:
            click.echo(json.dumps(row.to_dict(), ensure_ascii=False))
    else:
        emit(scan, OutputFormat(output_format))
    return int(scan.exit_code)
