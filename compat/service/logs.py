"""The server's logging: uvicorn's and ours, as text for people or JSON lines for collectors.

``serve --log-format json`` writes one JSON object per line (``time``,
``level``, ``logger``, ``pid``, ``message`` and, for requests, ``request_id``,
``method``, ``path``, ``route``, ``status``, ``duration_ms``). The access
line is ours (``compat.service.access``, written by
:mod:`compat.service.observe`), not uvicorn's, because only the app knows the
route template and the request id.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

ACCESS_LOGGER = "compat.service.access"
#: Fields a request's log record may carry (set through ``extra=``).
REQUEST_FIELDS = ("request_id", "client", "method", "path", "route", "status", "duration_ms")
FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, timezone.utc)
        entry: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            # Which worker wrote it (serve --workers N): each is a process of its own.
            "pid": record.process,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(level: str, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's ``log_config`` (workers get it too)."""
    if log_format == "json":
        formatters: dict[str, Any] = {
            "default": {"()": "compat.service.logs.JsonFormatter"},
            "access": {"()": "compat.service.logs.JsonFormatter"},
        }
    else:
        formatters = {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": False,
            },
            "access": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
                "use_colors": False,
            },
        }
    stream = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": {
            "default": {**stream, "formatter": "default"},
            "access": {**stream, "formatter": "access"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": ["access"], "level": upper, "propagate": False},
            "compat.service": {"handlers": ["default"], "level": upper, "propagate": False},
            ACCESS_LOGGER: {"handlers": ["access"], "level": upper, "propagate": False},
        },
    }
