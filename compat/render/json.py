"""``--format json``: the stable JSON form of results (keys documented in the README)."""

from __future__ import annotations

from abc import abstractmethod

from compat.render import Renderer, ResultInterface

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Record(ResultInterface):
    """A result with a plain-data form: ``to_dict()`` gives JSON-ready values."""

    __slots__ = ()
    methods = ("to_dict",)

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The result as plain dicts, lists and scalars."""


def to_jsonable(value: object) -> Any:
    """Results, lists of results and plain data as JSON-ready values."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def dumps(value: object) -> str:
    """``value`` as indented JSON, non-ASCII kept as is.

    Written by :mod:`compat.render.jsontext`, byte for byte as ``json.dumps(indent=2,
    ensure_ascii=False)``, so that ``--format json`` imports neither json nor re.
    """
    from compat.render.jsontext import dumps as json_text

    return json_text(to_jsonable(value))


class JsonRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        return dumps(value)
