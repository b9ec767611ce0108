"""``--debug``: the library's debug messages, as ``debug: ...`` lines on stderr.

The library never prints; where something only costs time (a compiled-matrix
cache that cannot be written), it says so in the ``compat.matrix`` logger at
debug level, and ``--debug`` shows it. Imported only with ``--debug``, because
:mod:`logging` costs every other run a few milliseconds.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

LOGGER = "compat.matrix"


class StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (not the one at creation: tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"debug: {record.getMessage()}\n")


@contextlib.contextmanager
def debug_messages() -> Iterator[None]:
    """Show the library's debug messages on stderr while the command runs."""
    logger = logging.getLogger(LOGGER)
    handler = StderrHandler()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
