"""The output formats: one Renderer per OutputFormat, each in its own module, loaded on demand."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest

from compat import resolve
from compat.errors import UsageError
from compat.render import FORMAT_NAMES, OutputFormat, Renderer, render, renderer_for
from compat.render.json import Record
from compat.render.text import TableRow, Textual

from .conftest import subprocess_env


def test_the_format_names_are_the_enum_values() -> None:
    assert tuple(f.value for f in OutputFormat) == FORMAT_NAMES
    assert all(str(f) == f.value for f in OutputFormat)


@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_every_format_has_its_own_renderer_module(name: str) -> None:
    renderer = renderer_for(name)  # type: ignore[arg-type]
    assert isinstance(renderer, Renderer)
    assert type(renderer).__module__ == f"compat.render.{name}"


def test_a_format_name_string_selects_the_same_renderer() -> None:
    res = resolve("pytorch", "1.13.1", "us-west-2")
    assert render(res, "uri") == render(res, OutputFormat.URI) == res.image_uri
    with pytest.raises(ValueError, match="bogus"):
        render(res, "bogus")


LOADED = """
import json, sys
from compat import resolve
from compat.render import render
render(resolve("pytorch", "1.13.1", "us-west-2"), sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("compat.render", "compat.out")))))
"""


@pytest.mark.parametrize(
    ("fmt", "modules"),
    [
        ("uri", ["compat.render", "compat.render.uri"]),
        ("env", ["compat.render", "compat.render.env"]),
        ("text", ["compat.render", "compat.render.text"]),
        ("json", ["compat.render", "compat.render.json", "compat.render.jsontext"]),
        ("yaml", ["compat.render", "compat.render.json", "compat.render.yaml"]),
    ],
)
def test_only_the_chosen_format_is_imported(fmt: str, modules: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LOADED, fmt],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == modules


@dataclass(frozen=True)
class _Report:
    name: str

    def to_text(self) -> str:
        return f"report {self.name}"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "tags": ["a"]}


@dataclass(frozen=True)
class _Row:
    name: str

    @staticmethod
    def text_headers() -> list[str]:
        return ["name"]

    def text_row(self) -> list[object]:
        return [self.name.upper()]

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name}


@dataclass(frozen=True)
class _Record:
    name: str
    count: int | None

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "count": self.count, "nested": {"x": 1}}


def test_result_interfaces_are_structural() -> None:
    assert isinstance(_Report("x"), Textual)
    assert isinstance(_Report("x"), Record)
    assert not isinstance(_Report("x"), TableRow)
    assert isinstance(_Row("x"), TableRow)
    assert not isinstance(_Row("x"), Textual)
    assert not isinstance({"to_text": 1}, Textual)


def test_text_uses_what_a_result_offers() -> None:
    assert render(_Report("a"), "text") == "report a"
    assert render([_Row("a"), _Row("bc")], "text") == "NAME\nA\nBC"
    # records: a table of their scalar fields, None as '-'
    assert render([_Record("a", 1), _Record("b", None)], "text") == (
        "NAME  COUNT\na     1\nb     -"
    )
    # a mixed list is neither a table of rows nor of records: YAML of its JSON form
    assert render([_Row("a"), 3], "text") == "- name: a\n- 3"
    assert render({"k": [_Record("a", 1)]}, "text") == (
        "k:\n- name: a\n  count: 1\n  nested:\n    x: 1"
    )


def test_json_and_yaml_show_the_same_data() -> None:
    value = [_Report("a"), {"n": _Record("b", 2)}]
    expected = [{"name": "a", "tags": ["a"]}, {"n": {"name": "b", "count": 2, "nested": {"x": 1}}}]
    assert json.loads(render(value, "json")) == expected
    import yaml

    assert yaml.safe_load(render(value, "yaml")) == expected


def test_env_and_uri_refuse_what_they_cannot_show() -> None:
    with pytest.raises(UsageError, match="single result"):
        render([resolve("pytorch", "1.13.1", "us-west-2")], "env")
    with pytest.raises(UsageError, match="resolve results only"):
        render(_Report("a"), "uri")
