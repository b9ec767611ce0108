"""``--format yaml``: the JSON form of results, as block YAML in key order."""

from __future__ import annotations

from compat.render import Renderer
from compat.render.json import to_jsonable


def dumps(value: object) -> str:
    """``value``'s JSON form as YAML, without a trailing newline."""
    import yaml

    text: str = yaml.safe_dump(to_jsonable(value), sort_keys=False, allow_unicode=True, width=1000)
    return text.rstrip("\n")


class YamlRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        return dumps(value)
