"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from compat.render import OutputFormat

if TYPE_CHECKING:
    from compat.matrix import Matrix

F = TypeVar("F", bound=Callable[..., Any])

#: The output format chosen by the running command, so that ``main`` can
#: report an error as JSON when JSON was asked for.
CHOSEN_FORMAT: list[OutputFormat] = []
#: True once a command chose --format jsonl: its error document is then one line too.
CHOSEN_JSON_LINES: list[bool] = []


def _remember_format(ctx: click.Context, param: click.Parameter, value: str) -> OutputFormat:
    fmt = OutputFormat(value)
    CHOSEN_FORMAT[:] = [fmt]
    return fmt


def format_option(
    *formats: OutputFormat, default: OutputFormat = OutputFormat.TEXT
) -> Callable[[F], F]:
    choices: Sequence[OutputFormat] = formats or (
        OutputFormat.TEXT,
        OutputFormat.JSON,
        OutputFormat.YAML,
    )
    return click.option(
        "--format",
        "output_format",
        type=click.Choice([f.value for f in choices], case_sensitive=False),
        default=default.value,
        show_default=True,
        callback=_remember_format,
        help="Output format. Data goes to stdout, messages to stderr.",
    )


def matrix_option(func: F) -> F:
    return click.option(
        "--matrix",
        "matrix_path",
        # A plain string: a matrix that cannot be read is the library's MatrixError (exit 7,
        # one message), on the click path as on the fast path, never click's exit 2.
        type=str,
        envvar="SMDDP_COMPAT_MATRIX",
        default=None,
        help="Matrix file to use instead of the shipped one [env: SMDDP_COMPAT_MATRIX].",
    )(func)


#: The region a command took from the environment (not from --region), if any,
#: so that ``run`` can name the variable in an error about it.
REGION_FROM_ENV: list[str] = []


def _remember_region_source(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    from click.core import ParameterSource

    if (
        value is not None
        and ctx.get_parameter_source(param.name or "") is ParameterSource.ENVIRONMENT
    ):
        REGION_FROM_ENV[:] = [value]
    return value


def region_option(func: F) -> F:
    return click.option(
        "--region",
        "-r",
        envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
        default=None,
        callback=_remember_region_source,
        help="AWS region, e.g. us-west-2 [env: AWS_REGION, AWS_DEFAULT_REGION].",
    )(func)


def load(ctx: click.Context, matrix_path: str | None) -> Matrix:
    """The matrix for this command (see :func:`chosen_matrix_path`)."""
    from compat.matrix import load_matrix

    return load_matrix(chosen_matrix_path(ctx, matrix_path))


def chosen_matrix_path(ctx: click.Context, matrix_path: str | None) -> str | None:
    """The command's --matrix, else the group's, else SMDDP_COMPAT_MATRIX, else None (shipped).

    An option typed on the command line beats the environment variable wherever it
    is typed: click fills the command's own --matrix from SMDDP_COMPAT_MATRIX too, so
    the source of each value is asked (``SMDDP_COMPAT_MATRIX=a smddp-compat --matrix b
    resolve`` reads b). An empty value is a usage error naming the option or variable.
    """
    import os

    from click.core import ParameterSource

    from compat.query import matrix_path as choose

    root = ctx.find_root()
    for where, value in ((ctx, matrix_path), (root, root.params.get("matrix_path"))):
        if value is not None and where.get_parameter_source("matrix_path") in (
            ParameterSource.COMMANDLINE,
            ParameterSource.DEFAULT_MAP,
        ):
            return choose(value, os.environ)
    return choose(None, os.environ)


def emit(value: Any, fmt: OutputFormat) -> None:
    """Render ``value`` and write it to stdout."""
    from compat.render import render

    click.echo(render(value, fmt))
