"""Compile a validated matrix document into plain lookup tables.

The compiled form holds only dicts, lists, strings, numbers and None, so it
can be cached with :mod:`marshal` and loaded without pydantic, PyYAML or
packaging. Everything ``resolve`` needs is worked out here once: full wheel
URLs, the region set of each release, the instance types each smddp version
supports, and the rows of derived frameworks (Lightning, Hugging Face) merged
with the PyTorch row they run on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from packaging.version import Version

from compat.matrix.layout import COMPILED_FORMAT
from compat.matrix.schema import (
    Erratum,
    Framework,
    FrameworkRelease,
    HuggingFaceRelease,
    InstanceType,
    LightningRelease,
    MatrixDocument,
    SupportStatus,
)
from compat.matrix.versions import in_specifier, nearness

DerivedRow = LightningRelease | HuggingFaceRelease

if TYPE_CHECKING:
    from compat.matrix.layout import (
        CompiledDistribution,
        CompiledErratum,
        CompiledFramework,
        CompiledMatrix,
        CompiledQuotas,
        CompiledRegion,
        CompiledRelease,
        InstanceSupport,
    )

    Release = CompiledRelease
    #: Instance support per smddp version, worked out once per version.
    SupportMemo = dict[Version, dict[str, InstanceSupport]]


def compile_document(doc: MatrixDocument, sha256: str) -> CompiledMatrix:
    """The compiled, marshal-able form of ``doc`` (whose file hashes to ``sha256``)."""
    support: SupportMemo = {}
    regions: dict[str, CompiledRegion] = {
        name: {
            "partition": region.partition,
            "account": region.dlc_account,
            "dns_suffix": doc.partitions[region.partition].dns_suffix,
            "display_name": region.display_name,
        }
        for name, region in doc.regions.items()
    }
    region_sets = {
        name: sorted(rset.only)
        if rset.only is not None
        else sorted(r for r in doc.regions if r not in set(rset.all_except))
        for name, rset in doc.region_sets.items()
    }
    releases: dict[str, list[CompiledRelease]] = {}
    for section, fw_name in (("pytorch", "pytorch"), ("tensorflow", "tensorflow")):
        fw = doc.frameworks[fw_name]
        releases[fw_name] = [
            _framework_release(doc, fw_name, fw, row, support) for row in getattr(doc, section)
        ]
    # The Version of every compiled release, in order, for sorting newest first.
    versions_of: dict[str, list[Version]] = {
        "pytorch": [row.version for row in doc.pytorch],
        "tensorflow": [row.version for row in doc.tensorflow],
        "pytorch-lightning": [v for row in doc.pytorch_lightning for v in _row_versions(row)],
        "huggingface": [v for row in doc.huggingface for v in _row_versions(row)],
    }
    # Derived frameworks copy the first PyTorch row of their version (as resolve would).
    pytorch_by_version: dict[Version, CompiledRelease] = {}
    for row, compiled in zip(doc.pytorch, releases["pytorch"], strict=True):
        pytorch_by_version.setdefault(row.version, compiled)
    derived: tuple[tuple[str, Sequence[DerivedRow]], ...] = (
        ("pytorch-lightning", doc.pytorch_lightning),
        ("huggingface", doc.huggingface),
    )
    for fw_name, derived_rows in derived:
        fw = doc.frameworks[fw_name]
        releases[fw_name] = [
            _derived_release(fw_name, fw, row, version, pytorch_by_version[row.pytorch])
            for row in derived_rows
            for version in _row_versions(row)
        ]
    for fw_name, rows in releases.items():
        _rank_nearest_images(rows, versions_of[fw_name])
    frameworks: dict[str, CompiledFramework] = {}
    aliases: dict[str, str] = {}
    version_index: dict[str, dict[str, int]] = {}
    order: dict[str, list[int]] = {}
    for name, fw in doc.frameworks.items():
        frameworks[name] = {
            "display_name": fw.display_name,
            "aliases": list(fw.aliases),
            "runs_on": fw.runs_on,
            "repository": fw.repository,
            "notes": list(fw.notes),
            "requirements": list(fw.requirements),
            "no_smddp": [
                {"versions": str(r.versions), "note": r.note, "sources": list(r.sources)}
                for r in fw.no_smddp
            ],
            "documented_versions": _documented_versions(releases.get(name, [])),
            "alternative_distribution": _alternative_distribution(doc, fw),
        }
        for alias in (name, *fw.aliases):
            aliases[alias.lower()] = name
        rows = releases.get(name, [])
        index: dict[str, int] = {}
        for i, rel in enumerate(rows):
            index.setdefault(rel["version"], i)
        version_index[name] = index
        parsed = versions_of.get(name, [])
        order[name] = sorted(range(len(rows)), key=parsed.__getitem__, reverse=True)
    return {
        "format": COMPILED_FORMAT,
        "sha256": sha256,
        "sources": {sid: {"title": s.title, "url": s.url} for sid, s in doc.sources.items()},
        "regions": regions,
        "region_sets": region_sets,
        "smp": {
            "account": doc.smp.account,
            "repository": doc.smp.repository,
            "regions": list(doc.smp.regions),
        },
        "instance_types": {
            name: {
                "gpus": it.gpus,
                "gpu": it.gpu,
                "efa": it.efa,
                "note": it.note,
                "support": [
                    {
                        "smddp": str(s.smddp),
                        "status": s.status.value,
                        "note": s.note,
                        "alternative": s.alternative,
                        "sources": list(s.sources),
                    }
                    for s in it.support
                ],
            }
            for name, it in doc.instance_types.items()
        },
        "quotas": cast("CompiledQuotas", doc.quotas.model_dump(mode="json")),
        "frameworks": frameworks,
        "aliases": aliases,
        "releases": releases,
        "version_index": version_index,
        "order": order,
        "sdk": None
        if doc.sdk is None
        else {
            "read": doc.sdk.read,
            "smdistributed": {fw: list(v) for fw, v in doc.sdk.smdistributed.items()},
            "torch_distributed": list(doc.sdk.torch_distributed),
            "training_versions": {fw: list(v) for fw, v in doc.sdk.training_versions.items()},
            "known_absent": [
                {"framework": a.framework, "version": str(a.version), "reason": a.reason}
                for a in doc.sdk.known_absent
            ],
        },
    }


def _rank_nearest_images(rows: list[Release], versions: list[Version]) -> None:
    """For each release without a DLC image, the releases with one, nearest first: resolve
    names the first published in the asked region when an image was wanted."""
    with_image = [j for j, rel in enumerate(rows) if rel["tag"] is not None]
    for i, rel in enumerate(rows):
        if rel["tag"] is not None:
            rel["nearest_images"] = []
            continue
        candidates = [j for j in with_image if versions[j] != versions[i]]
        rel["nearest_images"] = sorted(candidates, key=lambda j: nearness(versions[j], versions[i]))


def _row_versions(row: DerivedRow) -> list[Version]:
    """The framework versions one derived row stands for (Lightning lists several)."""
    return list(row.versions) if isinstance(row, LightningRelease) else [row.version]


def _derived_release(
    fw_name: str, fw: Framework, row: DerivedRow, version: Version, base: Release
) -> Release:
    """A Lightning or Hugging Face release: the PyTorch row it runs on, plus its own facts.

    A framework without a repository of its own (Lightning) runs in the base
    PyTorch image, so that image's notes, errata and regions are its own too. A
    framework with its own image (Hugging Face) has its own tag, Python, CUDA,
    OS and regions (``frameworks.<name>.availability``), and only its own notes.
    """
    own_image = fw.repository is not None
    out = base | {
        "framework": fw_name,
        "version": str(version),
        "base_framework": "pytorch",
        "base_version": str(row.pytorch),
        "errata": [_erratum(e, None) for e in row.errata],
        "sources": list(row.sources),
        "confidence": row.confidence.value,
        "released": None if row.released is None else row.released.isoformat(),
        "requirements": list(fw.requirements),
    }
    if not own_image:
        out["notes"] = [*row.notes, *fw.notes, *base["notes"]]
        out["errata"] += base["errata"]
        return out
    assert isinstance(row, HuggingFaceRelease)
    region_set, confidence = _availability(fw, version)
    out |= {
        "python": row.python,
        "cuda": row.cuda,
        "os": row.os,
        "repository": fw.repository,
        "tag": row.tag,
        "smp_tag": None,
        "region_set": region_set,
        "availability_confidence": confidence,
        "notes": [*row.notes, *fw.notes],
    }
    return out


def _availability(fw: Framework, version: Version) -> tuple[str | None, str | None]:
    """The region set (and its confidence) of the first availability rule covering ``version``."""
    for rule in fw.availability:
        if in_specifier(version, rule.versions):
            return rule.region_set, rule.confidence.value
    return None, None


def _alternative_distribution(doc: MatrixDocument, fw: Framework) -> CompiledDistribution | None:
    """The framework's own, or (running in another's image) that framework's."""
    alt = fw.alternative_distribution
    inherited = False
    if alt is None and fw.runs_on is not None and fw.repository is None:
        alt = doc.frameworks[fw.runs_on].alternative_distribution
        inherited = True
    if alt is None:
        return None
    return {
        "name": alt.name,
        "distribution": {key: dict(value) for key, value in alt.distribution.items()},
        # An inherited range is in the other framework's versions: it cannot be checked here.
        "versions": None if inherited else str(alt.versions),
        "note": alt.note,
        "sources": list(alt.sources),
    }


def _documented_versions(rows: list[Release]) -> dict[str, list[str]]:
    """Version labels that AWS documents wrongly: label -> [right version, label as written]."""
    out: dict[str, list[str]] = {}
    for rel in rows:
        for erratum in rel["errata"]:
            if erratum["field"] == "version":
                label = erratum["documented"].strip().lower().removeprefix("v")
                out[label] = [rel["version"], erratum["documented"]]
    return out


def _erratum(erratum: Erratum, corrected: str | None) -> CompiledErratum:
    return {
        "field": erratum.field,
        "documented": erratum.documented,
        "corrected": corrected,
        "note": erratum.note,
        "sources": list(erratum.sources),
    }


def _wheel_url(fw: Framework, row: FrameworkRelease) -> str | None:
    if row.wheel is None:
        return None
    base = row.wheel.base_url or fw.wheel_base_url
    return f"{base}{row.wheel.path}" if base else None


def _release_erratum(fw: Framework, row: FrameworkRelease, erratum: Erratum) -> CompiledErratum:
    """An erratum of a PyTorch or TensorFlow row, with wheel paths made into URLs."""
    out = _erratum(erratum, _corrected_value(row, fw, erratum.field))
    if erratum.field == "wheel" and "://" not in erratum.documented:
        base = (row.wheel.base_url if row.wheel else None) or fw.wheel_base_url or ""
        out["documented"] = base + erratum.documented
    return out


def _corrected_value(row: FrameworkRelease, fw: Framework, field: str) -> str | None:
    if field == "wheel":
        return _wheel_url(fw, row)
    if field == "repository":
        return row.repository or fw.repository
    value = getattr(row, field, None)
    return None if value is None else str(value)


def _framework_release(
    doc: MatrixDocument,
    fw_name: str,
    fw: Framework,
    row: FrameworkRelease,
    support: SupportMemo,
) -> Release:
    region_set, availability_confidence = _availability(fw, row.version)
    notes = list(row.notes)
    notes.extend(e.note for e in row.exceptions)
    return {
        "framework": fw_name,
        "version": str(row.version),
        "smddp": str(row.smddp),
        "python": row.python,
        "cuda": row.cuda,
        "os": row.os,
        "repository": row.repository or fw.repository,
        "tag": row.tag,
        "wheel_url": _wheel_url(fw, row),
        "wheel_partition": fw.wheel_partition if row.wheel is not None else None,
        "smp_tag": row.smp_tag,
        "region_set": region_set,
        "availability_confidence": availability_confidence,
        "base_framework": None,
        "base_version": None,
        "notes": notes,
        "errata": [_release_erratum(fw, row, e) for e in row.errata],
        "sources": list(row.sources),
        "confidence": row.confidence.value,
        "released": None if row.released is None else row.released.isoformat(),
        "requirements": list(fw.requirements),
        "instance_support": _instance_support(doc.instance_types, row.smddp, support),
    }


def _instance_support(
    instance_types: dict[str, InstanceType],
    smddp: Version,
    memo: SupportMemo,
) -> dict[str, InstanceSupport]:
    """Per instance type: [status, note, alternative] for this smddp version.

    ``memo`` holds the answers per smddp version: a matrix has many rows but few
    smddp versions, and specifier matching is the slow part of compiling.
    """
    known = memo.get(smddp)
    if known is not None:
        return known
    out: dict[str, InstanceSupport] = {}
    memo[smddp] = out
    for name, it in instance_types.items():
        for support in it.support:
            if in_specifier(smddp, support.smddp):
                out[name] = [support.status.value, support.note, support.alternative]
                break
        else:
            out[name] = [
                SupportStatus.UNSUPPORTED.value,
                f"the matrix lists no support of {name} for smddp {smddp}",
                None,
            ]
    return out
