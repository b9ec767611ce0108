"""The typed results that the library returns and every front end renders.

They are plain frozen classes with ``__slots__``, not dataclasses or pydantic
models, so that importing them costs ``resolve`` nothing (``dataclasses``
imports ``inspect``, which alone costs more than the rest of a resolve). They
behave as the frozen dataclasses they were: keyword or positional construction
with the same defaults, equality and hashing by value, a dataclass-style repr,
``AttributeError`` on assignment, pickling; for pydantic (the HTTP service's
OpenAPI schema) each describes itself as an equivalent frozen dataclass, made
on first use. ``to_dict`` gives the stable JSON form documented in the README.
"""

from __future__ import annotations

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar


class _Frozen:
    """Value semantics of a frozen dataclass over ``__slots__`` (fields in slot order)."""

    __slots__ = ()
    #: The fields in order (the slots), and the defaults of those that have one.
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, object]] = {}

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _Frozen)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __getstate__(self) -> tuple[object, ...]:
        return self._values()

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self._fields, state, strict=True):
            object.__setattr__(self, name, value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Let pydantic (the service's response models) see the equivalent dataclass."""
        return handler.generate_schema(_as_dataclass(cls))


_DATACLASSES: dict[type, type] = {}


def _as_dataclass(cls: type[_Frozen]) -> type:
    """A frozen dataclass with ``cls``'s name, docstring, fields, types and defaults."""
    made = _DATACLASSES.get(cls)
    if made is None:
        import dataclasses
        import sys
        import typing

        hints = typing.get_type_hints(
            cls, vars(sys.modules[cls.__module__]), {"Any": typing.Any, "ClassVar": typing.ClassVar}
        )
        fields: list[Any] = []
        for name in cls._fields:
            if name in cls._defaults:
                fields.append((name, hints[name], dataclasses.field(default=cls._defaults[name])))
            else:
                fields.append((name, hints[name]))
        made = dataclasses.make_dataclass(
            cls.__name__, fields, frozen=True, namespace={"__doc__": cls.__doc__}
        )
        made.__module__ = cls.__module__
        made.__qualname__ = cls.__qualname__
        _DATACLASSES[cls] = made
    return made


class SourceRef(_Frozen):
    """A source an answer rests on: its id in the matrix, title and URL."""

    _fields = ("id", "title", "url")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, object]] = {"url": None}
    id: str
    title: str
    url: str | None

    def __init__(self, id: str, title: str, url: str | None = None) -> None:
        setter = object.__setattr__
        setter(self, "id", id)
        setter(self, "title", title)
        setter(self, "url", url)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url}


class Alternative(_Frozen):
    """What to use instead where smddp is not there: a release, a distribution, an instance type.

    ``kind`` says which: ``release`` (the newest release with smddp, with its
    image), ``distribution`` (keep the version, train without smddp: the
    estimator's ``distribution`` value) or ``instance-type`` (types smddp
    supports). ``text`` says it in a sentence; the other fields are the values
    to use, and are left out of the JSON where they do not apply.
    """

    _fields = (
        "kind",
        "text",
        "framework",
        "version",
        "smddp_version",
        "image_uri",
        "distribution",
        "instance_types",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, object]] = {
        "framework": None,
        "version": None,
        "smddp_version": None,
        "image_uri": None,
        "distribution": None,
        "instance_types": (),
    }
    kind: str
    text: str
    framework: str | None
    version: str | None
    smddp_version: str | None
    image_uri: str | None
    distribution: dict[str, dict[str, bool]] | None
    instance_types: tuple[str, ...]

    def __init__(
        self,
        kind: str,
        text: str,
        framework: str | None = None,
        version: str | None = None,
        smddp_version: str | None = None,
        image_uri: str | None = None,
        distribution: dict[str, dict[str, bool]] | None = None,
        instance_types: tuple[str, ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "kind", kind)
        setter(self, "text", text)
        setter(self, "framework", framework)
        setter(self, "version", version)
        setter(self, "smddp_version", smddp_version)
        setter(self, "image_uri", image_uri)
        setter(self, "distribution", distribution)
        setter(self, "instance_types", instance_types)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        for key in ("framework", "version", "smddp_version", "image_uri", "distribution"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.instance_types:
            out["instance_types"] = list(self.instance_types)
        return out


class Correction(_Frozen):
    """A value that AWS documents differently, with the value we return and why."""

    _fields = ("field", "documented", "corrected", "note", "sources")
    __slots__ = _fields
    _defaults: ClassVar[dict[str, object]] = {"sources": ()}
    field: str
    documented: str
    corrected: str | None
    note: str
    sources: tuple[str, ...]

    def __init__(
        self,
        field: str,
        documented: str,
        corrected: str | None,
        note: str,
        sources: tuple[str, ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "field", field)
        setter(self, "documented", documented)
        setter(self, "corrected", corrected)
        setter(self, "note", note)
        setter(self, "sources", sources)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "documented": self.documented,
            "corrected": self.corrected,
            "note": self.note,
            "sources": list(self.sources),
        }


class Resolution(_Frozen):
    """Everything needed to run smddp for one framework version in one region.

    A value that does not exist (no DLC image, no wheel) is None, and a note
    says what to use instead.
    """

    _fields = (
        "framework",
        "framework_version",
        "requested_version",
        "match",
        "smddp_version",
        "region",
        "partition",
        "image_uri",
        "smp_image_uri",
        "binary_url",
        "python_version",
        "py_version",
        "cuda_version",
        "os",
        "repository",
        "image_tag",
        "instance_types",
        "base_framework",
        "base_framework_version",
        "requirements",
        "notes",
        "corrections",
        "sources",
        "confidence",
        "released",
        "alternatives",
        "requested_smddp_version",
    )
    __slots__ = _fields
    _defaults: ClassVar[dict[str, object]] = {
        "base_framework": None,
        "base_framework_version": None,
        "requirements": (),
        "notes": (),
        "corrections": (),
        "sources": (),
        "confidence": "documented",
        "released": None,
        "alternatives": (),
        "requested_smddp_version": None,
    }
    framework: str
    framework_version: str
    #: The framework version asked for; None for a reverse lookup by smddp version.
    requested_version: str | None
    match: str  # exact | prefix | specifier | latest | smddp
    smddp_version: str
    region: str | None
    partition: str | None
    image_uri: str | None
    smp_image_uri: str | None
    binary_url: str | None
    python_version: str | None
    py_version: str | None
    cuda_version: str | None
    os: str | None
    repository: str | None
    image_tag: str | None
    instance_types: tuple[str, ...]
    base_framework: str | None
    base_framework_version: str | None
    requirements: tuple[str, ...]
    notes: tuple[str, ...]
    corrections: tuple[Correction, ...]
    sources: tuple[SourceRef, ...]
    confidence: str
    released: str | None
    #: Where the release has no DLC image: the nearest release that has one (in the region).
    alternatives: tuple[Alternative, ...]
    #: The smddp version asked for (reverse lookup, or together with a framework version).
    requested_smddp_version: str | None

    def __init__(
        self,
        framework: str,
        framework_version: str,
        requested_version: str | None,
        match: str,
        smddp_version: str,
        region: str | None,
        partition: str | None,
        image_uri: str | None,
        smp_image_uri: str | None,
        binary_url: str | None,
        python_version: str | None,
        py_version: str | None,
        cuda_version: str | None,
        os: str | None,
        repository: str | None,
        image_tag: str | None,
        instance_types: tuple[str, ...],
        base_framework: str | None = None,
        base_framework_version: str | None = None,
        requirements: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
        corrections: tuple[Correction, ...] = (),
        sources: tuple[SourceRef, ...] = (),
        confidence: str = "documented",
        released: str | None = None,
        alternatives: tuple[Alternative, ...] = (),
        requested_smddp_version: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "framework", framework)
        setter(self, "framework_version", framework_version)
        setter(self, "requested_version", requested_version)
        setter(self, "match", match)
        setter(self, "smddp_version", smddp_version)
        setter(self, "region", region)
        setter(self, "partition", partition)
        setter(self, "image_uri", image_uri)
        setter(self, "smp_image_uri", smp_image_uri)
        setter(self, "binary_url", binary_url)
        setter(self, "python_version", python_version)
        setter(self, "py_version", py_version)
        setter(self, "cuda_version", cuda_version)
        setter(self, "os", os)
        setter(self, "repository", repository)
        setter(self, "image_tag", image_tag)
        setter(self, "instance_types", instance_types)
        setter(self, "base_framework", base_framework)
        setter(self, "base_framework_version", base_framework_version)
        setter(self, "requirements", requirements)
        setter(self, "notes", notes)
        setter(self, "corrections", corrections)
        setter(self, "sources", sources)
        setter(self, "confidence", confidence)
        setter(self, "released", released)
        setter(self, "alternatives", alternatives)
        setter(self, "requested_smddp_version", requested_smddp_version)

    @property
    def image_ref(self) -> str | None:
        """The image to name to a person: the full URI, or ``repository:tag`` without a region."""
        if self.image_uri is not None:
            return self.image_uri
        if self.image_tag is not None:
            return f"{self.repository}:{self.image_tag}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (keys documented in the README)."""
        return {
            "framework": self.framework,
            "framework_version": self.framework_version,
            "requested_version": self.requested_version,
            "requested_smddp_version": self.requested_smddp_version,
            "match": self.match,
            "smddp_version": self.smddp_version,
            "region": self.region,
            "partition": self.partition,
            "image_uri": self.image_uri,
            "smp_image_uri": self.smp_image_uri,
            "binary_url": self.binary_url,
            "python_version": self.python_version,
            "py_version": self.py_version,
            "cuda_version": self.cuda_version,
            "os": self.os,
            "repository": self.repository,
            "image_tag": self.image_tag,
            "instance_types": list(self.instance_types),
            "base_framework": self.base_framework,
            "base_framework_version": self.base_framework_version,
            "requirements": list(self.requirements),
            "notes": list(self.notes),
            "corrections": [c.to_dict() for c in self.corrections],
            "sources": [s.to_dict() for s in self.sources],
            "confidence": self.confidence,
            "released": self.released,
            "alternatives": [a.to_dict() for a in self.alternatives],
        }
