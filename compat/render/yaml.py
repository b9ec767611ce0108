"""``--format yaml``: the JSON form of results, as block YAML in key order.

PyYAML writes YAML 1.1 and quotes only what a 1.1 reader would misread; a YAML 1.2
reader (yq, go-yaml, ruamel.yaml) reads more plain scalars as numbers, such as
``094389454867`` (us-isob-east-1's account id: an invalid 1.1 octal, a 1.2 decimal).
Every string that either version would read as something else is quoted.
"""

from __future__ import annotations

from compat.render import Renderer
from compat.render.json import to_jsonable

TYPE_CHECKING = False
if TYPE_CHECKING:
    import yaml as yaml_module

#: Plain scalars that YAML 1.2's core schema reads as null, bool, int or float.
_YAML_1_2_NOT_TEXT = (
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"
)


def _dumper() -> type[yaml_module.SafeDumper]:
    import re

    import yaml

    not_text = re.compile(_YAML_1_2_NOT_TEXT)

    class Dumper(yaml.SafeDumper):
        def represent_str(self, data: str) -> yaml.ScalarNode:
            if not_text.fullmatch(data):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
            return super().represent_str(data)

    Dumper.add_representer(str, Dumper.represent_str)
    return Dumper


def dumps(value: object) -> str:
    """``value``'s JSON form as YAML, without a trailing newline."""
    import yaml

    text: str = yaml.dump(
        to_jsonable(value),
        Dumper=_dumper(),
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    return text.rstrip("\n")


class YamlRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        return dumps(value)
