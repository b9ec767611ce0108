"""The output formats, as an enum for click's choices and the commands' signatures.

Kept apart from :mod:`compat.render` so that rendering (which ``resolve``
imports) never imports :mod:`enum`; ``compat.render.OutputFormat`` is this class.
"""

from __future__ import annotations

from enum import Enum


class OutputFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    YAML = "yaml"
    ENV = "env"
    URI = "uri"
    SAGEMAKER = "sagemaker"

    def __str__(self) -> str:
        return self.value
