"""How an error is told to the user: one function for the click CLI and the fast path."""

from __future__ import annotations

import os
import sys

from compat.errors import CompatError


def report_error(exc: CompatError, *, as_json: bool = False) -> None:
    """The message and hint on stderr; with ``as_json``, also the error document on stdout."""
    sys.stderr.write(f"error: {exc}\n")
    if as_json:
        import json

        sys.stdout.write(json.dumps(exc.to_dict(), indent=2) + "\n")


def silence_stdout() -> None:
    """Point stdout at /dev/null after the reader went away (``... | head``).

    Python flushes stdout at exit; without this, a closed pipe turns a finished
    command into a BrokenPipeError message.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
