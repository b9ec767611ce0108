"""``smddp-compat resolve``: the main job.

It decides nothing: its options become a :class:`compat.query.Query`
(:func:`compat.query.parse_query`, options over environment variables) and
:func:`compat.answers.answer` decides which lookup, which release and whether
the format can hold the answer.
"""

from __future__ import annotations

import os

import click

from compat.cli.options import emit, format_option, load, matrix_option
from compat.query import WANTS
from compat.render import OutputFormat


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
    default=None,
    help="Exact (1.13.1, v1.13.1), prefix (1.13), PEP 440 specifier (>=1.12,<2) or 'latest' "
    "(the default).",
)
@click.option(
    "--region",
    "-r",
    default=None,
    help="AWS region, e.g. us-west-2 [env: AWS_REGION, AWS_DEFAULT_REGION; the option wins].",
)
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
@click.option(
    "--want",
    default=None,
    help=f"The artefact the answer must carry: {', '.join(WANTS)} (--format uri/env: image; "
    "sagemaker: estimator). "
    "A prefix, latest or a specifier then picks the newest release that has it in the region.",
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
    version: str | None,
    region: str | None,
    smddp_version: str | None,
    instance_type: str | None,
    want: str | None,
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
    from compat.answers import answer
    from compat.query import CLI_NAMES, parse_query

    given = {
        "framework": framework,
        "version": version,
        "region": region,
        "smddp_version": smddp_version,
        "instance_type": instance_type,
        "want": want,
        "format": output_format.value,
    }
    query = parse_query(given, environ=os.environ, names=CLI_NAMES)
    result = answer(query, matrix=load(ctx, matrix_path), names=CLI_NAMES)
    if query.one_value:
        from compat.answers import choice_notes

        for note in choice_notes(result):
            click.echo(f"note: {note}", err=True)
    emit(result, output_format)
