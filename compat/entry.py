"""The console-script entry point, with a fast path that skips click.

``smddp-compat resolve ...`` runs in CI steps and launchers many times over,
and importing click alone costs about three times the interpreter's own start.
The plain forms of ``resolve`` and ``list`` (only their --framework/-f,
--version, --region/-r and --format options, each with a value) are parsed
here and answered by the same library calls and the same renderers as the
click commands; anything else (help, other options, other commands, --debug)
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
    "resolve": (_RESOLVE_OPTIONS, frozenset({"text", "json", "yaml", "env", "uri"}), "framework"),
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
    """Answer and print exactly as the click ``resolve`` or ``list`` command does."""
    from compat.errors import CompatError
    from compat.matrix import load_matrix
    from compat.render import render
    from compat.resolver import list_published, resolve

    region = values.get("region") or _env("AWS_REGION", "AWS_DEFAULT_REGION")
    framework = values.get("framework")
    from_env = None if values.get("region") else region
    try:
        matrix = load_matrix(_env("SMDDP_COMPAT_MATRIX"))
        if values["command"] == "list":
            result: object = list_published(framework, region, matrix=matrix)
        else:
            assert framework is not None
            result = resolve(framework, values.get("version", "latest"), region, matrix=matrix)
        sys.stdout.write(render(result, values["format"]) + "\n")
    except CompatError as exc:
        from compat.cli.report import report_error

        if from_env is not None:
            from compat.cli.report import blame_environment, region_variable

            variable = region_variable(from_env)
            if variable is not None:
                blame_environment(exc, variable, from_env)
        report_error(exc, as_json=values["format"] == "json")
        return int(exc.exit_code)
    return 0


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
