"""compat.render.jsontext writes what json.dumps(indent=2, ensure_ascii=False) writes."""

from __future__ import annotations

import json
import shlex

from hypothesis import given
from hypothesis import strategies as st

from compat.render.env import shell_quote
from compat.render.jsontext import dumps

plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(plain)
def test_the_same_text_as_json(value: object) -> None:
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_control_characters_quotes_and_non_ascii() -> None:
    value = {"k\n\"'\\": ["\x00\x1f\x7f", "é ü 中 \u2028", 1.5e300, -0.0, True, None, []], "": {}}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_other_keys_and_objects_go_to_json() -> None:
    assert dumps({1: "a", None: 2}) == json.dumps({1: "a", None: 2}, indent=2)


@given(st.text())
def test_shell_quote_is_shlex_quote(text: str) -> None:
    assert shell_quote(text) == shlex.quote(text)
