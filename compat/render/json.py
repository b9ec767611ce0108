"""``--format json``: the stable JSON form of results (keys documented in the README)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from compat.render import Renderer, defines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Record(ABC):
    """A result with a plain-data form: ``to_dict()`` gives JSON-ready values.

    Structural, like ``collections.abc.Sized``: every result class that
    defines ``to_dict`` is a Record without inheriting from it, so the result
    modules need not import the renderers.
    """

    __slots__ = ()

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The result as plain dicts, lists and scalars."""

    @classmethod
    def __subclasshook__(cls, other: type) -> bool:
        if cls is Record and defines(other, "to_dict"):
            return True
        return super().__subclasshook__(other)


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
    """``value`` as indented JSON, non-ASCII kept as is."""
    import json

    return json.dumps(to_jsonable(value), indent=2, ensure_ascii=False)


class JsonRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        return dumps(value)
