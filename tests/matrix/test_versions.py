"""compat.matrix.versions.in_specifier answers exactly as packaging does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from compat.matrix.versions import in_specifier

releases = st.tuples(st.integers(0, 3), st.integers(0, 12), st.integers(0, 12)).map(
    lambda t: ".".join(map(str, t))
)
suffixes = st.sampled_from(["", "", "", ".post1", "rc1", ".dev0", "+local", "a2"])
versions = st.builds(lambda r, s: Version(r + s), releases, suffixes)
operators = st.sampled_from([">=", "<=", ">", "<", "==", "!=", "~="])
clauses = st.builds(
    lambda op, r, wild: f"{op}{r}{'.*' if wild and op in ('==', '!=') else ''}",
    operators,
    releases,
    st.booleans(),
)
specifiers = st.lists(clauses, min_size=1, max_size=3).map(lambda cs: SpecifierSet(",".join(cs)))


@given(versions, specifiers)
def test_agrees_with_packaging(version: Version, spec: SpecifierSet) -> None:
    assert in_specifier(version, spec) == (version in spec)


def test_the_matrix_ranges() -> None:
    spec = SpecifierSet(">=1.6.0,<=2.0.1")
    assert in_specifier(Version("1.13.1"), spec)
    assert in_specifier(Version("2.0.1"), spec)
    assert not in_specifier(Version("2.1.0"), spec)
    assert not in_specifier(Version("1.5.9"), spec)
