"""The result classes keep the behaviour of the frozen dataclasses they replace."""

from __future__ import annotations

import copy
import pickle

import pytest

import compat
from compat.results import Correction, Resolution, SourceRef


def test_construction_by_position_or_keyword_with_the_same_defaults() -> None:
    ref = SourceRef("AWSSUP", "AWS support page")
    assert ref.url is None
    assert ref == SourceRef(id="AWSSUP", title="AWS support page", url=None)
    fix = Correction("cuda", "11.6", "11.7", "why")
    assert fix.sources == ()
    res = Resolution(*(["x"] * 5), *([None] * 11), ("ml.p4d.24xlarge",))
    assert (res.base_framework, res.requirements, res.notes, res.confidence, res.released) == (
        None,
        (),
        (),
        "documented",
        None,
    )
    with pytest.raises(TypeError):
        SourceRef("only-id")  # type: ignore[call-arg]


def test_value_semantics_repr_and_immutability() -> None:
    a = compat.resolve("pytorch", "1.13.1", "us-west-2")
    b = compat.resolve("pt", "v1.13.1", "us-west-2")
    assert a is not b
    assert a != b  # requested_version differs
    c = compat.resolve("pytorch", "1.13.1", "us-west-2")
    assert a == c
    assert hash(a) == hash(c)
    assert len({a, c}) == 1
    assert a != compat.resolve("pytorch", "1.13.1", "eu-west-1")
    assert a != "not a resolution"
    assert repr(a).startswith("Resolution(framework='pytorch', framework_version='1.13.1', ")
    assert repr(a.sources[0]).startswith("SourceRef(id=")
    with pytest.raises(AttributeError):
        a.image_uri = "elsewhere"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a.image_uri  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.extra = 1  # type: ignore[attr-defined]


def test_copies_and_pickles_are_equal() -> None:
    res = compat.resolve("tensorflow", "2.5.1", "cn-north-1")
    assert res.corrections or res.sources
    for other in (copy.copy(res), copy.deepcopy(res), pickle.loads(pickle.dumps(res))):
        assert other == res
        assert other.to_dict() == res.to_dict()


def test_pydantic_sees_a_dataclass_with_the_same_fields() -> None:
    from pydantic import TypeAdapter

    schema = TypeAdapter(Resolution).json_schema()
    assert schema["title"] == "Resolution"
    assert list(schema["properties"]) == list(Resolution._fields)
    assert set(schema["required"]) == set(Resolution._fields) - set(Resolution._defaults)
    refs = schema["$defs"]
    assert set(refs) == {"Alternative", "Correction", "SourceRef"}
    assert refs["SourceRef"]["required"] == ["id", "title"]
