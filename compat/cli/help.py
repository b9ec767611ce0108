"""The top-level help, written once for click and for the fast entry point.

``smddp-compat --help`` is the first thing a new user runs; rendering it
through click costs click's import. The text is plain and fixed (commands come
from the lazy registry), so both the click group and ``compat.entry`` print it
from here. ``tests/test_fast_start.py`` checks that it names every option the
click group has.
"""

from __future__ import annotations

from compat.cli.registry import COMMANDS

_INTRO = """\
Usage: smddp-compat [OPTIONS] COMMAND [ARGS]...

  Line up SageMaker smddp: framework version, smddp version, DLC image URI,
  wheel URL, instance type and quota, in one command.

  Start with:
    smddp-compat resolve --framework pytorch --version 1.13.1 --region us-west-2

  Exit codes: 0 ok, 1 unexpected error (check: errors found), 2 usage, 3 not found or not supported,
  4 not eligible, 5 not enough quota, 6 AWS access problem, 7 invalid matrix.

Options:
  --matrix FILE  Matrix file to use instead of the shipped one
                 [env: SMDDP_COMPAT_MATRIX].
  --debug        Show tracebacks on errors [env: SMDDP_COMPAT_DEBUG=1].
  -V, --version  Show the version and exit.
  -h, --help     Show this message and exit.

Commands:
"""

#: The options the text above describes, checked against the click group by a test.
DOCUMENTED_OPTIONS = ("--matrix", "--debug", "-V", "--version", "-h", "--help")


def group_help() -> str:
    """The help of ``smddp-compat`` itself, without a trailing newline."""
    width = max(len(name) for name in COMMANDS) + 2
    rows = [f"  {name.ljust(width)}{COMMANDS[name][2]}" for name in sorted(COMMANDS)]
    return _INTRO + "\n".join(rows)
