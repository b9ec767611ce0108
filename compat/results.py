"""The typed results that the library returns and every front end renders.

They are frozen dataclasses, not pydantic models, so that ``resolve`` stays
fast to import; the HTTP service declares them as its response models all the
same. ``to_dict`` gives the stable JSON form documented in the README.
"""

from __future__ import annotations

from dataclasses import dataclass

# typing.TYPE_CHECKING would import typing, which costs the hot path ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A source an answer rests on: its id in the matrix, title and URL."""

    id: str
    title: str
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url}


@dataclass(frozen=True, slots=True)
class Alternative:
    """What to use instead where smddp is not there: a release, a distribution, an instance type.

    ``kind`` says which: ``release`` (the newest release with smddp, with its
    image), ``distribution`` (keep the version, train without smddp: the
    estimator's ``distribution`` value) or ``instance-type`` (types smddp
    supports). ``text`` says it in a sentence; the other fields are the values
    to use, and are left out of the JSON where they do not apply.
    """

    kind: str
    text: str
    framework: str | None = None
    version: str | None = None
    smddp_version: str | None = None
    image_uri: str | None = None
    distribution: dict[str, dict[str, bool]] | None = None
    instance_types: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "text": self.text}
        for key in ("framework", "version", "smddp_version", "image_uri", "distribution"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.instance_types:
            out["instance_types"] = list(self.instance_types)
        return out


@dataclass(frozen=True, slots=True)
class Correction:
    """A value that AWS documents differently, with the value we return and why."""

    field: str
    documented: str
    corrected: str | None
    note: str
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "documented": self.documented,
            "corrected": self.corrected,
            "note": self.note,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """Everything needed to run smddp for one framework version in one region.

    A value that does not exist (no DLC image, no wheel) is None, and a note
    says what to use instead.
    """

    framework: str
    framework_version: str
    requested_version: str
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
    base_framework: str | None = None
    base_framework_version: str | None = None
    requirements: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    confidence: str = "documented"
    released: str | None = None
    #: Where the release has no DLC image: the nearest release that has one (in the region).
    alternatives: tuple[Alternative, ...] = ()

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
