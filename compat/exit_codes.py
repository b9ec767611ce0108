"""Process exit codes: the one place they are defined.

CI steps branch on these numbers, so they never change meaning. The README
lists them; ``tests/test_exit_codes.py`` checks that the README agrees.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    """What a finished ``smddp-compat`` process tells its caller."""

    OK = 0
    #: An unexpected failure (a bug): rerun with ``--debug`` and report it.
    #: ``diff --exit-code`` also uses 1 for "the files differ", as ``git diff`` does, and
    #: ``check`` for "errors found" (or warnings, with --strict), as ruff and flake8 do.
    UNEXPECTED = 1
    #: The command line is wrong: an unknown option, a missing or malformed value, options
    #: that contradict each other (--version and --smddp-version that no release matches).
    USAGE = 2
    #: Not found or not supported: framework, version, region or combination.
    NOT_FOUND = 3
    #: Not eligible: the instance type (or the environment) does not fit.
    NOT_ELIGIBLE = 4
    #: Not enough quota for the requested instances (or, with ``preflight --require-aws``,
    #: a quota that was not checked).
    QUOTA = 5
    #: AWS could not be asked: credentials, permissions, throttling, network.
    AWS = 6
    #: The matrix file is invalid.
    INVALID_MATRIX = 7
    #: Interrupted (Ctrl-C, SIGINT) before an answer: 128 + 2, as shells report it.
    INTERRUPTED = 130
