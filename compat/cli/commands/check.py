"""``smddp-compat check``: lint SageMaker launch code and training scripts against the matrix."""

from __future__ import annotations

import click

from compat.check.output import CheckFormat
from compat.cli.options import matrix_option


def _remember(ctx: click.Context, param: click.Parameter, value: str) -> CheckFormat:
    from compat.cli.options import CHOSEN_FORMAT
    from compat.render import OutputFormat

    fmt = CheckFormat(value.lower())
    # Errors are JSON where the output is JSON (json, sarif), as for other commands.
    CHOSEN_FORMAT[:] = [
        OutputFormat.JSON if fmt in (CheckFormat.JSON, CheckFormat.SARIF) else OutputFormat.TEXT
    ]
    return fmt


@click.command("check")
@click.argument("paths", nargs=-1, type=str)
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERN",
    help="Skip files and directories matching this .gitignore-style pattern (repeatable).",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=True,
    show_default=True,
    help="Honour .gitignore files in the directories walked.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Report only these rules (ids or prefixes, comma-separated, repeatable).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULES",
    help="Do not report these rules (ids or prefixes, comma-separated, repeatable).",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice([f.value for f in CheckFormat], case_sensitive=False),
    default=CheckFormat.TEXT.value,
    show_default=True,
    callback=_remember,
    help="Output format: text, json, sarif (code scanning) or github (annotations).",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option("--quiet", "-q", is_flag=True, help="No summary line on stderr.")
@matrix_option
@click.pass_context
def check_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    exclude: tuple[str, ...],
    respect_gitignore: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    output_format: CheckFormat,
    output: str | None,
    quiet: bool,
    matrix_path: str | None,
) -> int:
    """Check SageMaker launch code and training scripts (.py, .ipynb) against the matrix.

    Finds SDK v2 estimators (PyTorch, TensorFlow, HuggingFace, Estimator with
    image_uri) and SDK v3 ModelTrainer in PATHS (files or directories, default .),
    reads their arguments without running the code, follows entry_point to the
    training script, and reports what would fail: a framework version without
    smddp, a wrong py_version or image URI, an instance type smddp does not run on,
    deprecated smddp APIs, backend="smddp" where nothing provides it. Silence a
    finding with a comment on its line: # smddp-compat: ignore[SMDDP003].

    Exit codes: 0 no errors, 1 errors found (or warnings, with --strict),
    2 usage error, 7 unreadable matrix.

    \b
    Examples:
      smddp-compat check
      smddp-compat check notebooks/ --exclude 'old/' --strict
      smddp-compat check --format sarif --output smddp.sarif
    """
    from compat.check import check_paths
    from compat.check.output import render, summary
    from compat.cli.options import load

    report = check_paths(
        list(paths) or ["."],
        exclude=list(exclude),
        matrix=load(ctx, matrix_path),
        select=list(select),
        ignore=list(ignore),
        strict=strict,
        use_gitignore=respect_gitignore,
    )
    text = render(report, output_format)
    if output is not None:
        from compat.errors import UsageError
        from compat.matrix.atomic import write_text_atomic

        try:
            write_text_atomic(output, text + "\n")
        except OSError as exc:
            raise UsageError(
                f"cannot write the report to {output}: {exc.strerror or exc}",
                hint="pass --output a file in a directory you can write to",
            ) from None
    elif text:
        click.echo(text)
    if not quiet:
        click.echo(summary(report), err=True)
    return int(report.exit_code)
