"""JSON text for plain data, as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it.

``resolve --format json`` and ``list --format json`` print a result's
``to_dict()``: strings, numbers, booleans, None, lists and dicts with string
keys. Importing :mod:`json` costs more than the rest of such a command (it
imports :mod:`re`, which imports :mod:`enum`), so those values are written
here, byte for byte as :mod:`json` writes them; anything else (other key types,
other objects) is handed to :mod:`json` itself. ``tests/test_jsontext.py``
checks the two agree.
"""

from __future__ import annotations

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: json's escapes for ensure_ascii=False: the quote, the backslash, control characters.
_ESCAPES = {
    **{code: f"\\u{code:04x}" for code in range(0x20)},
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\b"): "\\b",
    ord("\f"): "\\f",
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
}


class _NotPlain(Exception):
    """A value this module does not write; :mod:`json` does."""


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


#: How json writes the floats that JSON itself has no form for.
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _float(value: float) -> str:
    text = float.__repr__(value)
    return _NON_FINITE.get(text, text)


def _write(value: Any, indent: str, out: list[str]) -> None:
    # Exact types first, as json's encoder checks them (bool before int).
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        out.append("[")
        for i, item in enumerate(value):
            out.append(("\n" if i == 0 else ",\n") + inner)
            _write(item, inner, out)
        out.append("\n" + indent + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise _NotPlain
            out.append(("\n" if i == 0 else ",\n") + inner + _string(key) + ": ")
            _write(item, inner, out)
        out.append("\n" + indent + "}")
    else:
        raise _NotPlain


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``; json is imported only for odd data."""
    out: list[str] = []
    try:
        _write(value, "", out)
    except _NotPlain:
        import json

        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(out)
