"""How an error is told to the user: one function for the click CLI and the fast path."""

from __future__ import annotations

import os
import sys

from compat.errors import CompatError

#: Environment variables a region is read from, in the order they are tried.
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


def region_variable(value: str | None) -> str | None:
    """The environment variable that supplied ``value`` as the region, if one did."""
    if value is None:
        return None
    for name in REGION_VARIABLES:
        found = os.environ.get(name)
        if found:
            return name if found == value else None
    return None


def blame_environment(exc: CompatError, variable: str, value: str) -> None:
    """Say in ``exc`` that the value it complains about came from ``variable``.

    "unknown region 'bogus'" sends a user looking for a --region they never
    typed; naming AWS_REGION tells them where the value came from.
    """
    if repr(value) not in exc.message and value not in exc.message:
        return
    exc.message += f" (the region comes from the environment variable {variable}={value!r})"
    exc.args = (exc.message,)
    fix = f"set {variable} to a valid region, unset it, or pass --region"
    exc.hint = f"{fix}; {exc.hint}" if exc.hint else fix


def report_error(exc: CompatError, *, as_json: bool = False, one_line: bool = False) -> None:
    """The message and hint on stderr; with ``as_json``, also the error document on stdout.

    ``one_line`` writes that document on one line, for ``--format jsonl`` readers that
    parse stdout line by line.
    """
    sys.stderr.write(f"error: {exc}\n")
    if as_json:
        import json

        if one_line:
            sys.stdout.write(json.dumps(exc.to_dict(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(json.dumps(exc.to_dict(), indent=2) + "\n")


def silence_stdout() -> None:
    """Point stdout at /dev/null after the reader went away (``... | head``).

    Python flushes stdout at exit; without this, a closed pipe turns a finished
    command into a BrokenPipeError message.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
