"""Constant propagation: literals, f-strings, formatting, dicts, kwargs; unknown, never guessed."""

from __future__ import annotations

import ast

import pytest

from compat.check.analysis import Analyzer, Unit
from compat.check.values import Partial, Unknown


def values(src: str) -> dict[str, object]:
    analyzer = Analyzer(())
    analyzer.run(Unit(ast.parse(src), "x.py"))
    return analyzer.env


@pytest.mark.parametrize(
    ("src", "name", "expected"),
    [
        ("a = '1.13.1'", "a", "1.13.1"),
        ("v = '2'\na = f'pt:{v}.0-gpu'", "a", "pt:2.0-gpu"),
        ("v = '2'\na = 'pt:%s-gpu' % v", "a", "pt:2-gpu"),
        ("v = '2'\na = 'pt:%s-%s' % (v, 'py')", "a", "pt:2-py"),
        ("v = '2'\na = 'pt:{}-{x}'.format(v, x=3)", "a", "pt:2-3"),
        ("a = 'x' + 'y'", "a", "xy"),
        ("d = {'k': 'v'}\na = d['k']", "a", "v"),
        ("d = dict(k=1)\na = d['k']", "a", 1),
        ("d = {}\nd['k'] = 2\na = d['k']", "a", 2),
        ("a, b = 'x', 'y'", "b", "y"),
        ("c = {'a': 1}\nd = {**c, 'b': 2}", "d", {"a": 1, "b": 2}),
        ("x = 1\nif y:\n    x = 1\n", "x", 1),  # the same on every path: known
        ("a = 'v'\nwith open('f') as fh:\n    a = 'w'", "a", "w"),
    ],
)
def test_known(src: str, name: str, expected: object) -> None:
    assert values(src)[name] == expected


@pytest.mark.parametrize(
    ("src", "name", "reason"),
    [
        ("import os\na = os.environ['X']", "a", "computed when the code runs"),
        ("if c:\n    a = 'x'\nelse:\n    a = 'y'", "a", "assigned in a branch"),
        ("a = 'x'\nfor i in r:\n    a = 'y'", "a", "assigned in a branch"),
        ("try:\n    a = f()\nexcept E:\n    a = 'y'", "a", "assigned in a branch"),
        ("a = b", "a", "not assigned a literal"),
        ("a = '%s' % f()", "a", "computed when the code runs"),
        ("a = '{}'.format(g())", "a", "computed when the code runs"),
        ("for a in range(3):\n    pass", "a", "for loop"),
    ],
)
def test_unknown(src: str, name: str, reason: str) -> None:
    value = values(src)[name]
    assert isinstance(value, Unknown)
    assert reason in value.reason


def test_partial_fstring_keeps_known_pieces() -> None:
    value = values("import boto3\nr = boto3.Session().region_name\nu = f'1.dkr.ecr.{r}.x/repo:t'")
    assert isinstance(value["u"], Partial)
    assert value["u"].known_suffix() == ".x/repo:t"


def test_function_locals_do_not_leak() -> None:
    env = values("a = 'm'\ndef f(b):\n    a = 'local'\n    return b\n")
    assert env["a"] == "m"
