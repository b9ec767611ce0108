"""Constant propagation: what a name or an expression holds, where the code says so literally.

Only literals and what is built from them are known: strings, numbers,
booleans, None, f-strings and ``%``/``.format``/``+`` of known strings, dict,
list and tuple displays, ``dict(...)`` of known values, subscripts of known
dicts, and the SDK's config classes (``Compute(...)``). Anything else is an
:class:`Unknown` with the reason, never a guess. A name assigned in a branch
(``if``, a loop, ``try``) to something other than what it held before is
unknown after it: the check cannot tell which branch ran.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, eq=False)
class Unknown:
    """A value that cannot be known statically, and why (for the info finding)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Partial:
    """A string of which some pieces are unknown (None), as in f"...{region}...".

    Image URIs are often built this way: the repository and tag can still be
    checked when only the region or the account is a variable.
    """

    parts: tuple[str | None, ...]

    def known_suffix(self) -> str:
        """The text after the last unknown piece."""
        out: list[str] = []
        for part in reversed(self.parts):
            if part is None:
                break
            out.append(part)
        return "".join(reversed(out))

    def describe(self) -> str:
        return "".join("{?}" if p is None else p for p in self.parts)


@dataclass(frozen=True, slots=True)
class Struct:
    """A call of a known SDK config class, such as ``Compute(instance_type=...)``."""

    kind: str
    kwargs: dict[str, Any]
    #: Arguments whose values may come from an unknown ``**mapping``.
    open_kwargs: bool = False


#: Resolves a call's function to a dotted name, or None (set by the analyzer).
QualifiedName = Callable[[ast.expr], str | None]
#: Config classes of the SDK that a value may be: qualified name -> kind.
STRUCTS: dict[str, str] = {}

_MAX_TEXT = 10_000  # longer strings are not worth propagating (and cost memory)


def describe(node: ast.AST) -> str:
    """Short source text of ``node`` for messages."""
    try:
        text = ast.unparse(node)
    except Exception:  # a broken tree from a fuzzer: say something short
        return type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


class Evaluator:
    """Evaluates expressions in an environment of known names."""

    __slots__ = ("env", "qualify", "structs")

    def __init__(
        self, env: dict[str, Any], qualify: QualifiedName, structs: dict[str, str]
    ) -> None:
        self.env = env
        self.qualify = qualify
        self.structs = structs

    def eval(self, node: ast.expr | None) -> Any:
        if node is None:
            return None
        try:
            return self._eval(node, 0)
        except RecursionError:
            return Unknown("the expression is too deeply nested to follow")

    def _eval(self, node: ast.expr, depth: int) -> Any:
        if depth > 50:
            return Unknown("the expression is too deeply nested to follow")
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, (str, int, float, bool)) or value is None:
                return value
            return Unknown(f"{describe(node)} is not a plain literal")
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return Unknown(f"{node.id} is not assigned a literal value in this file")
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, d)
        if isinstance(node, ast.BinOp):
            return self._binop(node, d)
        if isinstance(node, ast.Dict):
            return self._dict(node, d)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._eval(e, d) for e in node.elts if not isinstance(e, ast.Starred)]
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return Unknown(f"{describe(node)} unpacks a value")
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, d)
        if isinstance(node, ast.Call):
            return self._call(node, d)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._eval(node.operand, d)
            if isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
        return Unknown(f"{describe(node)} is computed when the code runs")

    def _fstring(self, node: ast.JoinedStr, depth: int) -> Any:
        parts: list[str | None] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                inner = self._eval(value.value, depth)
                if value.format_spec is not None or value.conversion not in (-1, 115):
                    parts.append(None)  # a format spec or !r: not worth modelling
                elif isinstance(inner, (str, int, float)) and not isinstance(inner, bool):
                    parts.append(str(inner))
                elif isinstance(inner, Partial):
                    parts.extend(inner.parts)
                else:
                    parts.append(None)
            else:
                parts.append(None)
        return _join(parts)

    def _binop(self, node: ast.BinOp, depth: int) -> Any:
        left = self._eval(node.left, depth)
        right = self._eval(node.right, depth)
        if isinstance(node.op, ast.Add):
            if isinstance(left, (str, Partial)) and isinstance(right, (str, Partial, Unknown)):
                return _join([*_parts(left), *_parts(right)])
            if isinstance(left, Unknown) and isinstance(right, (str, Partial)):
                return _join([None, *_parts(right)])
            if _number(left) and _number(right):
                return left + right
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            args = right if isinstance(right, tuple) else (right,)
            if isinstance(right, dict) and all(isinstance(k, str) for k in right):
                args = right  # type: ignore[assignment]
            if _all_known(args):
                try:
                    text = left % args
                except (TypeError, ValueError, KeyError, OverflowError):
                    return Unknown(f"{describe(node)} does not format")
                return text if len(text) <= _MAX_TEXT else Unknown("too long")
            return Unknown(f"{describe(node)} formats a value computed when the code runs")
        if isinstance(node.op, ast.Mult) and _number(left) and _number(right):
            return left * right
        return Unknown(f"{describe(node)} is computed when the code runs")

    def _dict(self, node: ast.Dict, depth: int) -> Any:
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=False):
            if key is None:  # {**other}
                inner = self._eval(value, depth)
                if not isinstance(inner, dict):
                    return Unknown(f"{describe(value)} is not a known dict")
                out.update(inner)
                continue
            k = self._eval(key, depth)
            if not isinstance(k, (str, int, bool)):
                return Unknown(f"the key {describe(key)} is computed when the code runs")
            out[k] = self._eval(value, depth)
        return out

    def _subscript(self, node: ast.Subscript, depth: int) -> Any:
        base = self._eval(node.value, depth)
        key = self._eval(node.slice, depth)
        if isinstance(base, dict) and isinstance(key, (str, int)) and key in base:
            return base[key]
        if (
            isinstance(base, (list, tuple))
            and isinstance(key, int)
            and not isinstance(key, bool)
            and -len(base) <= key < len(base)
        ):
            return base[key]
        return Unknown(f"{describe(node)} is computed when the code runs")

    def _call(self, node: ast.Call, depth: int) -> Any:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "format"
            and isinstance(base := self._eval(func.value, depth), str)
        ):
            args = [self._eval(a, depth) for a in node.args]
            kwargs = {k.arg: self._eval(k.value, depth) for k in node.keywords if k.arg}
            if len(kwargs) == len(node.keywords) and _all_known((*args, *kwargs.values())):
                try:
                    text = base.format(*args, **kwargs)
                except (IndexError, KeyError, ValueError, AttributeError, TypeError):
                    return Unknown(f"{describe(node)} does not format")
                return text if len(text) <= _MAX_TEXT else Unknown("too long")
            return Unknown(f"{describe(node)} formats a value computed when the code runs")
        name = self.qualify(func)
        if name == "dict" and not node.args:
            return self._kwargs_of(node, depth)[0]
        kind = self.structs.get(name or "")
        if kind is not None:
            kwargs, open_ = self._kwargs_of(node, depth)
            return Struct(kind, kwargs, open_)
        return Unknown(f"{describe(node)} is computed when the code runs")

    def _kwargs_of(self, node: ast.Call, depth: int) -> tuple[dict[str, Any], bool]:
        out: dict[str, Any] = {}
        open_ = False
        for kw in node.keywords:
            if kw.arg is None:
                inner = self._eval(kw.value, depth)
                if isinstance(inner, dict):
                    out.update({k: v for k, v in inner.items() if isinstance(k, str)})
                else:
                    open_ = True
            else:
                out[kw.arg] = self._eval(kw.value, depth)
        return out, open_


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _all_known(values: Any) -> bool:
    items = values.values() if isinstance(values, dict) else values
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in items)


def _parts(value: Any) -> list[str | None]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Partial):
        return list(value.parts)
    return [None]


def _join(parts: list[str | None]) -> Any:
    merged: list[str | None] = []
    for part in parts:
        if part is not None and merged and merged[-1] is not None:
            merged[-1] = merged[-1] + part
        elif part is None and merged and merged[-1] is None:
            continue
        else:
            merged.append(part)
    if all(p is not None for p in merged):
        text = "".join(p for p in merged if p is not None)
        return text if len(text) <= _MAX_TEXT else Unknown("too long")
    return Partial(tuple(merged))
