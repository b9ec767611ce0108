"""The ``smddp-compat`` command line: a thin click layer over the library.

Commands live in :mod:`compat.cli.registry` and are imported only when run.
:func:`main` is the one place where library errors become messages on stderr
and exit codes (see :mod:`compat.exit_codes`); ``--debug`` adds tracebacks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from compat._version import __version__
from compat.cli.options import matrix_option
from compat.cli.registry import COMMANDS
from compat.exit_codes import ExitCode

DEBUG_ENV = "SMDDP_COMPAT_DEBUG"


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, with help from the registry."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        module = importlib.import_module(entry[0])
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        if ctx.resilient_parsing:  # shell completion: complete option values from the matrix
            from compat.cli.values import attach_completers

            attach_completers(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from compat.matrix.suggest import closest

            guess = closest(name, self.list_commands(ctx))
            hint = f" Did you mean {guess!r}?" if guess else ""
            raise click.UsageError(
                f"No such command {name!r}.{hint} Commands: {', '.join(self.list_commands(ctx))}",
                ctx,
            )
        return super().resolve_command(ctx, args)

    def get_help(self, ctx: click.Context) -> str:
        from compat.cli.help import group_help

        return group_help()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@matrix_option
@click.option("--debug", is_flag=True, help=f"Show tracebacks on errors [env: {DEBUG_ENV}=1].")
@click.version_option(__version__, "-V", "--version", prog_name="smddp-compat")
def cli(matrix_path: str | None, debug: bool) -> None:
    """Line up SageMaker smddp: versions, image URI, wheel, instance type and quota.

    The full help text is compat.cli.help.group_help().
    """


def _debugging(args: Sequence[str]) -> bool:
    return "--debug" in args or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _debug_first(args: Sequence[str]) -> list[str]:
    """``args`` with a ``--debug`` given after the subcommand moved before it.

    The README says "rerun with --debug", and people append it to the command
    they ran; click knows --debug only on the group. Tokens after ``--`` stay.
    """
    args = list(args)
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[1:end]:
        return args
    rest = [a for a in args[:end] if a != "--debug"]
    return ["--debug", *rest, *args[end:]]


def _json_format(args: Sequence[str]) -> str | None:
    """``json`` or ``jsonl`` when the command line asks for it (read before click parsed it)."""
    for i, arg in enumerate(args):
        value = None
        name, equals, given = arg.partition("=")
        if name == "--format" and equals:
            value = given.lower()
        elif arg == "--format" and i + 1 < len(args):
            value = args[i + 1].lower()
        if value in ("json", "jsonl"):
            return value
    return None


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``--format json`` or ``jsonl``."""
    return _json_format(args) is not None


def _echo_json(data: dict[str, str], args: Sequence[str]) -> None:
    """An error document on stdout: one line for jsonl (a reader parses line by line)."""
    import json

    if _json_format(args) == "jsonl":
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _usage_json(exc: click.ClickException, args: Sequence[str]) -> None:
    """click's own error (unknown option, missing value) as the documented JSON error."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "smddp-compat"
    data = {
        "error": "usage",
        "message": exc.format_message(),
        "hint": f"see '{where} --help' for the options and their values",
    }
    _echo_json(data, args)


def run(args: Sequence[str]) -> int:
    """Run the CLI on ``args`` and return the exit code; never raises."""
    debug = _debugging(args)
    if not debug:
        return _run(args, debug=False)
    from compat.cli.debuglog import debug_messages

    with debug_messages():
        return _run(args, debug=True)


def _run(args: Sequence[str], *, debug: bool) -> int:
    from compat.cli.options import CHOSEN_FORMAT, CHOSEN_JSON_LINES, REGION_FROM_ENV
    from compat.errors import CompatError

    CHOSEN_FORMAT.clear()  # state of an earlier run in the same process (tests, launchers)
    CHOSEN_JSON_LINES.clear()
    REGION_FROM_ENV.clear()
    args = _debug_first(args)
    try:
        result: Any = cli.main(args=list(args), prog_name="smddp-compat", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        if _wants_json(args):
            _usage_json(exc, args)
        return int(exc.exit_code)
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except CompatError as exc:
        from compat.cli.report import blame_environment, region_variable, report_error
        from compat.render import OutputFormat

        for value in REGION_FROM_ENV:
            variable = region_variable(value)
            if variable is not None:
                blame_environment(exc, variable, value)

        if debug:
            import traceback

            traceback.print_exc()
        report_error(
            exc,
            as_json=CHOSEN_FORMAT[:1] == [OutputFormat.JSON],
            one_line=CHOSEN_JSON_LINES[:1] == [True],
        )
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except BrokenPipeError:
        from compat.cli.report import silence_stdout

        silence_stdout()  # the reader went away (``smddp-compat list | head``)
        return int(ExitCode.OK)
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        click.echo(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "  hint: this is a bug; rerun with --debug and report the traceback",
            err=True,
        )
        if _wants_json(args):
            _echo_json(
                {
                    "error": "unexpected",
                    "message": f"unexpected {type(exc).__name__}: {exc}",
                    "hint": "this is a bug; rerun with --debug and report the traceback",
                },
                args,
            )
        return int(ExitCode.UNEXPECTED)
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the click CLI on ``argv`` (default: the process's arguments) and exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    sys.exit(run(args))
