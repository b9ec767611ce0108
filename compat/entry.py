"""The console-script entry point, with a fast path that skips click.

``smddp-compat resolve ...`` runs in CI steps and launchers many times over,
and importing click alone costs about three times the interpreter's own start.
The plain forms of ``resolve`` (its --framework/-f, --version, --region/-r,
--smddp-version, --want and --format options, each with a value) and ``list``
are parsed here into the same :class:`compat.query.Query`, answered by the same
:func:`compat.answers.answer` and printed by the same renderers as the click
commands; anything else (help, other options, other commands, --debug)
goes to click. ``tests/test_fast_start.py``
checks that both paths print the same bytes and exit with the same code.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_RESOLVE_OPTIONS = {
    "--framework": "framework",
    "-f": "framework",
    "--version": "version",
    "--region": "region",
    "-r": "region",
    "--smddp-version": "smddp_version",
    "--want": "want",
    "--format": "format",
}
_LIST_OPTIONS = {
    "--framework": "framework",
    "-f": "framework",
    "--region": "region",
    "-r": "region",
    "--format": "format",
}
#: command -> (options it may take here, formats, required option)
_COMMANDS: dict[str, tuple[dict[str, str], frozenset[str], str | None]] = {
    "resolve": (_RESOLVE_OPTIONS, frozenset({"text", "json", "yaml", "env", "uri"}), None),
    "list": (_LIST_OPTIONS, frozenset({"text", "json", "yaml", "uri"}), None),
}


def parse_fast(args: Sequence[str]) -> dict[str, str] | None:
    """The options of a plain ``resolve`` or ``list`` command line, or None for click."""
    spec = _COMMANDS.get(args[0]) if args else None
    if spec is None:
        return None
    options, formats, required = spec
    values: dict[str, str] = {"command": args[0]}
    i = 1
    while i < len(args):
        token = args[i]
        name, eq, inline = token.partition("=")
        key = options.get(name)
        if key is None or (eq and not name.startswith("--")):
            return None
        if eq:
            value = inline
            i += 1
        else:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 2
        if value.startswith("-"):
            return None
        values[key] = value
    if required is not None and required not in values:
        return None
    fmt = values.get("format", "text").lower()
    if fmt not in formats:
        return None
    values["format"] = fmt
    return values


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def run_fast(values: dict[str, str]) -> int:
    """Parse, answer and print exactly as the click ``resolve`` or ``list`` command does.

    ``resolve`` decides nothing here: :func:`compat.query.parse_query` builds the
    query (options over environment variables) and :func:`compat.answers.answer`
    answers it, as on every other face.
    """
    from compat.errors import CompatError
    from compat.render import render

    command = values.pop("command")
    fmt = values["format"]
    try:
        from compat.matrix import load_matrix
        from compat.query import matrix_path

        if command == "list":
            result = _run_list(values)
        else:
            from compat.answers import answer
            from compat.query import CLI_NAMES, parse_query

            query = parse_query(values, environ=os.environ, names=CLI_NAMES)
            matrix = load_matrix(matrix_path(None, os.environ))
            result = answer(query, matrix=matrix, names=CLI_NAMES)
            if query.one_value:
                from compat.answers import choice_notes

                for note in choice_notes(result):
                    sys.stderr.write(f"note: {note}\n")
        sys.stdout.write(render(result, fmt) + "\n")
    except CompatError as exc:
        from compat.cli.report import report_error

        report_error(exc, as_json=fmt == "json")
        return int(exc.exit_code)
    return 0


def _run_list(values: dict[str, str]) -> object:
    from compat.errors import CompatError
    from compat.matrix import load_matrix
    from compat.query import matrix_path
    from compat.resolver import list_published

    region = values.get("region") or _env("AWS_REGION", "AWS_DEFAULT_REGION")
    from_env = None if values.get("region") else region
    try:
        matrix = load_matrix(matrix_path(None, os.environ))
        return list_published(values.get("framework"), region, matrix=matrix)
    except CompatError as exc:
        if from_env is not None:
            from compat.cli.report import blame_environment, region_variable

            variable = region_variable(from_env)
            if variable is not None:
                blame_environment(exc, variable, from_env)
        raise


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: the fast path when it applies, else the click CLI."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--help"], ["-h"]):
        from compat.cli.help import group_help

        sys.stdout.write(group_help() + "\n")
        sys.exit(0)
    values = None if _env("SMDDP_COMPAT_DEBUG") else parse_fast(args)
    if values is not None:
        try:
            code = run_fast(values)
            sys.stdout.flush()
        except BrokenPipeError:
            from compat.cli.report import silence_stdout

            silence_stdout()  # the reader went away (``smddp-compat list | head``)
            code = 0
        sys.exit(code)
    from compat.cli.app import run

    sys.exit(run(args))
