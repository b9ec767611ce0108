"""Compare the matrix with the SageMaker SDK's image configs, row by row, field by field.

For every row the matrix has, the SDK entry of the same version is compared on
what both record: the regions and the registry account of each
(``registries.<region>``), the Python version, the repository and the tag the
SDK builds (``{version}-gpu-{py}``, plus its container version where it gives
one; the matrix's longer DLC tag must start with it). Differences are listed
as ``diff`` lists them: ``field: matrix -> SDK``. Rows the SDK lacks and SDK
versions the matrix lacks are listed too, so nothing is compared by eye.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from compat.maintain.matrixdiff import _MISSING, FieldChange, _show
from compat.maintain.sdkdata import SdkData, SdkImage

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.matrix.layout import CompiledMatrix, CompiledRelease, CompiledSdk


@dataclass(frozen=True, slots=True)
class RowDifference:
    """One matrix row whose SDK entry differs, with every differing field."""

    framework: str  # pytorch | tensorflow | huggingface | smp
    version: str  # the matrix row's version (transformers version for huggingface)
    region_set: str | None  # the row's region set, where registries are compared
    sdk_where: str  # file: key path of the SDK entry
    fields: tuple[FieldChange, ...]

    @property
    def name(self) -> str:
        if self.framework == "smp":
            return f"pytorch {self.version} (SMP image)"
        return f"{self.framework} {self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.name,
            "framework": self.framework,
            "version": self.version,
            "sdk": self.sdk_where,
            "fields": [_field_dict(f) for f in self.fields],
        }


def _field_dict(change: FieldChange) -> dict[str, Any]:
    return {
        "field": change.field,
        "matrix": None if change.old is _MISSING else change.old,
        "sdk": None if change.new is _MISSING else change.new,
    }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The result of comparing a matrix with the SDK's files."""

    sdk: str
    files: tuple[str, ...]
    missing_files: tuple[str, ...]
    compared: int
    differences: tuple[RowDifference, ...]
    not_in_sdk: tuple[str, ...]
    not_in_matrix: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    #: Versions the SDK accepts for smdistributed (or SMP images) with neither a row nor a
    #: known_absent entry: what a refresh must add.
    unexplained: tuple[str, ...] = field(default=())
    #: The SDK's smdistributed versions the matrix records as known-absent, with the reason.
    known_absent: tuple[str, ...] = field(default=())
    #: Entries of the SDK's files skipped or values ignored, each naming file and key path.
    warnings: tuple[str, ...] = field(default=())
    #: The SDK release read, such as "sagemaker-core 2.27.0", where known.
    package: str | None = None

    @property
    def differ(self) -> bool:
        return bool(self.differences or self.unexplained)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sdk": self.sdk,
            "package": self.package,
            "files": [os.path.basename(f) for f in self.files],
            "missing_files": list(self.missing_files),
            "compared": self.compared,
            "differ": self.differ,
            "differences": [d.to_dict() for d in self.differences],
            "not_in_sdk": list(self.not_in_sdk),
            "not_in_matrix": list(self.not_in_matrix),
            "unexplained": list(self.unexplained),
            "known_absent": list(self.known_absent),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def to_text(self) -> str:
        package = f" ({self.package})" if self.package else ""
        out = [
            f"compared {self.compared} matrix row(s) with the SageMaker SDK's "
            f"{', '.join(os.path.basename(f) for f in self.files)} in {self.sdk}{package}"
        ]
        if self.missing_files:
            out.append(f"  not found there (not compared): {', '.join(self.missing_files)}")
        for d in self.differences:
            out.append(f"changed  {d.name}  ({d.sdk_where})")
            for f in d.fields:
                out.append(f"  {f.field}: {_show(f.old)} -> {_show(f.new)}")
        if self.not_in_sdk:
            out.append("not in the SDK (nothing to compare): " + ", ".join(self.not_in_sdk))
        if self.not_in_matrix:
            out.append(
                "in the SDK's image configs, not in the matrix (no smdistributed support in "
                "the SDK, or none the matrix lists): " + ", ".join(self.not_in_matrix)
            )
        out += [f"known absent: {a}" for a in self.known_absent]
        out += [
            f"unexplained: {u} (the SDK accepts it for smdistributed; add a row or a "
            "sdk.known_absent entry with its reason and source)"
            for u in self.unexplained
        ]
        out += [f"note: {n}" for n in self.notes]
        out += [f"warning: {w}" for w in self.warnings]
        if self.differences or self.unexplained:
            out.append(
                f"{len(self.differences)} difference(s), {len(self.unexplained)} unexplained "
                "SDK version(s)"
            )
        else:
            out.append(
                "no differences: the matrix agrees with the SDK on every row compared, and "
                "every version the SDK accepts for smdistributed is a row or known-absent"
            )
        return "\n".join(out)


def sdk_tag(image: SdkImage, version: Version, py: str, *, transformers: str | None = None) -> str:
    """The tag the SDK builds for ``image`` (``retrieve`` with processor gpu)."""
    head = f"{version}-transformers{transformers}" if transformers else str(version)
    tag = f"{head}-gpu-{py}"
    return f"{tag}-{image.container_version}" if image.container_version else tag


def _py_for_tag(py: str | None, image: SdkImage) -> str:
    """The Python tag the SDK would build with: the row's where the SDK offers it."""
    if py is not None and (py in image.py_versions or not image.py_versions):
        return py
    return image.py_versions[0] if image.py_versions else "py3"


def _py(python: str | None) -> str | None:
    return None if python is None else "py" + python.replace(".", "")


def _compare(
    ours: dict[str, Any], image: SdkImage, our_tag: str | None, tag: str | None, exact_tag: bool
) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for region in sorted(set(ours["registries"]) | set(image.registries)):
        mine = ours["registries"].get(region, _MISSING)
        theirs = image.registries.get(region, _MISSING)
        if mine != theirs:
            changes.append(FieldChange(f"registries.{region}", mine, theirs))
    py = ours["py_version"]
    if py is not None and py not in image.py_versions:
        changes.append(FieldChange("py_version", py, list(image.py_versions)))
    if ours["repository"] != image.repository:
        changes.append(FieldChange("repository", ours["repository"], image.repository))
    if our_tag is not None and tag is not None:
        same = our_tag == tag if exact_tag else our_tag == tag or our_tag.startswith(tag + "-")
        if not same:
            changes.append(FieldChange("tag", our_tag, tag))
    return tuple(changes)


@dataclass
class _Tally:
    """What a comparison has found so far."""

    differences: list[RowDifference] = field(default_factory=list)
    not_in_sdk: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    compared: int = 0
    seen: dict[str, set[Any]] = field(default_factory=dict)


def compare_with_sdk(matrix: Matrix, sdk: SdkData) -> Comparison:
    """Compare every row of ``matrix`` (a loaded Matrix) with ``sdk``, read-only."""
    tally = _Tally(seen={"pytorch": set(), "tensorflow": set(), "huggingface": set(), "smp": set()})
    for fw in ("pytorch", "tensorflow", "huggingface"):
        if sdk.has(fw):
            for rel in matrix.compiled["releases"][fw]:
                _compare_dlc_row(matrix, sdk, fw, rel, tally)
    if sdk.has("pytorch-smp"):
        for rel in matrix.compiled["releases"]["pytorch"]:
            if rel["smp_tag"] is not None:
                _compare_smp_row(matrix, sdk, rel, tally)
    recorded = matrix.compiled.get("sdk")
    _compare_lists(recorded, sdk, tally)
    unexplained, known_absent = _smdistributed_coverage(matrix.compiled, recorded, sdk)
    return Comparison(
        sdk=sdk.location,
        files=sdk.files,
        missing_files=sdk.missing,
        compared=tally.compared,
        differences=tuple(tally.differences),
        not_in_sdk=tuple(tally.not_in_sdk),
        not_in_matrix=tuple(_not_in_matrix(matrix.compiled, sdk, tally.seen)),
        notes=tuple(tally.notes),
        unexplained=tuple(unexplained),
        known_absent=tuple(known_absent),
        warnings=tuple(sdk.warnings),
        package=sdk.package,
    )


def _compare_lists(recorded: CompiledSdk | None, sdk: SdkData, tally: _Tally) -> None:
    """The matrix's record of the SDK's lists (``sdk``) against the SDK read.

    fw_utils.py's lists must match exactly: ``--format sagemaker`` trusts them. Of
    the image configs' versions, one the matrix records and the SDK lacks is a
    difference (the answer would hand the SDK a version it rejects); one the SDK
    adds is a note (the answer passes image_uri where it need not).
    """
    if recorded is None:
        if sdk.lists is not None:
            tally.notes.append("the matrix has no sdk section: the SDK's lists are not compared")
        return
    if sdk.lists is None:
        # Not an SDK package (no fw_utils.py beside the configs): a few files, not the
        # whole record, so absent versions prove nothing.
        tally.notes.append(
            "no fw_utils.py beside the image configs: the SDK's version lists "
            "(sdk.smdistributed, sdk.torch_distributed, sdk.training_versions) are not compared"
        )
        return
    where = sdk.lists.file
    for fw in sorted(set(recorded["smdistributed"]) | set(sdk.lists.smdistributed)):
        mine = recorded["smdistributed"].get(fw, [])
        theirs = list(sdk.lists.smdistributed.get(fw, ()))
        if mine != theirs:
            tally.differences.append(
                RowDifference(
                    "sdk",
                    f"smdistributed.{fw}",
                    None,
                    where,
                    (FieldChange(f"smdistributed.{fw}", mine, theirs),),
                )
            )
    if recorded["torch_distributed"] != list(sdk.lists.torch_distributed):
        tally.differences.append(
            RowDifference(
                "sdk",
                "torch_distributed",
                None,
                where,
                (
                    FieldChange(
                        "torch_distributed",
                        recorded["torch_distributed"],
                        list(sdk.lists.torch_distributed),
                    ),
                ),
            )
        )
    for fw, versions in recorded["training_versions"].items():
        if fw not in sdk.training_versions:
            continue
        theirs_set = set(sdk.training_versions[fw])
        gone = [v for v in versions if v not in theirs_set]
        added = [v for v in sdk.training_versions[fw] if v not in set(versions)]
        file = f"{fw}.json"
        if gone:
            tally.differences.append(
                RowDifference(
                    "sdk",
                    f"training_versions.{fw}",
                    None,
                    file,
                    (
                        FieldChange(
                            f"training_versions.{fw} (recorded, not in the SDK)", gone, _MISSING
                        ),
                    ),
                )
            )
        if added:
            tally.notes.append(
                f"{file}: the SDK accepts framework_version {', '.join(added)}, which "
                f"sdk.training_versions.{fw} does not record (estimator arguments for it "
                "pass image_uri)"
            )


def _full_versions(texts: list[str] | tuple[str, ...], aliases: dict[str, str]) -> set[Version]:
    """The versions a list of SDK spellings names: "2.3" through the image config's alias."""
    out: set[Version] = set()
    for text in texts:
        try:
            out.add(Version(aliases.get(text, text)))
        except InvalidVersion:
            continue
    return out


def smp_pytorch_versions(sdk: SdkData) -> dict[Version, Version]:
    """PyTorch version -> pytorch-smp.json key, as the SDK resolves it.

    The file's keys are SMP library versions, reached from PyTorch versions through
    its version_aliases; a key no full-version alias leads to, and no alias shadows,
    is reached by its own spelling.
    """
    out: dict[Version, Version] = {}
    shadowed = set(sdk.smp_aliases)
    targets: set[Version] = set()
    for alias, target in sdk.smp_aliases.items():
        if alias.count(".") >= 2:
            try:
                out[Version(alias)] = Version(target)
            except InvalidVersion:
                continue
            targets.add(Version(target))
    for smp_key in sdk.smp:
        if str(smp_key) not in shadowed and smp_key not in targets:
            out.setdefault(smp_key, smp_key)
    return out


def _smdistributed_coverage(
    compiled: CompiledMatrix, recorded: CompiledSdk | None, sdk: SdkData
) -> tuple[list[str], list[str]]:
    """The SDK's smdistributed versions (and SMP images) with no row: unexplained ones,
    and the ones the matrix records as known-absent (with the reason)."""
    absent = {
        (a["framework"], Version(a["version"])): a["reason"]
        for a in (recorded["known_absent"] if recorded else [])
    }
    unexplained: list[str] = []
    known: list[str] = []

    def account(framework: str, version: Version, label: str) -> None:
        reason = absent.get((framework, version))
        if reason is None:
            unexplained.append(label)
        else:
            known.append(f"{label}: {' '.join(reason.split())}")

    if sdk.lists is not None:
        for fw in ("pytorch", "tensorflow"):
            # Short spellings ("2.3") resolve through the framework's own file's aliases.
            if fw not in sdk.lists.smdistributed or not sdk.has(fw):
                continue
            rows = {Version(r["version"]) for r in compiled["releases"][fw]}
            listed = _full_versions(sdk.lists.smdistributed[fw], sdk.aliases.get(fw, {}))
            for version in sorted(listed - rows):
                account(fw, version, f"{fw} {version}")
    if sdk.has("pytorch-smp"):
        ours = {
            Version(str(rel["smp_tag"]).split("-", 1)[0])
            for rel in compiled["releases"]["pytorch"]
            if rel["smp_tag"] is not None
        }
        for pytorch, key in sorted(smp_pytorch_versions(sdk).items()):
            if pytorch not in ours:
                label = f"SMP image for PyTorch {pytorch} (pytorch-smp.json key {key})"
                account("pytorch-smp", pytorch, label)
    return unexplained, known


def _compare_dlc_row(
    matrix: Matrix, sdk: SdkData, fw: str, rel: CompiledRelease, tally: _Tally
) -> None:
    version = Version(rel["version"])
    base_version = rel["base_version"] if fw == "huggingface" else None
    base = None if base_version is None else Version(base_version)
    if base is not None:
        image = sdk.huggingface.get((version, base))
        tally.seen[fw].add((version, base))
    else:
        image = (sdk.pytorch if fw == "pytorch" else sdk.tensorflow).get(version)
        tally.seen[fw].add(version)
    if rel["tag"] is None:
        if image is not None:
            tally.notes.append(
                f"{fw} {version}: the SDK has an image, the matrix none with smddp "
                f"({image.where}); not compared"
            )
        else:
            tally.not_in_sdk.append(f"{fw} {version} (no DLC image)")
        return
    if image is None:
        tally.not_in_sdk.append(f"{fw} {version}")
        return
    tally.compared += 1
    regions = matrix.compiled["regions"]
    py = _py(rel["python"])
    chosen_py = _py_for_tag(py, image)
    set_regions = matrix.region_set(rel["region_set"]) if rel["region_set"] else []
    ours = {
        "registries": {r: regions[r]["account"] for r in set_regions},
        "py_version": py,
        "repository": rel["repository"],
    }
    if base is not None:
        tag = sdk_tag(image, base, chosen_py, transformers=str(version))
    else:
        tag = sdk_tag(image, version, chosen_py)
    exact = base is not None and image.container_version is not None
    fields = _compare(ours, image, rel["tag"], tag, exact)
    if fields:
        tally.differences.append(
            RowDifference(fw, rel["version"], rel["region_set"], image.where, fields)
        )


def _compare_smp_row(matrix: Matrix, sdk: SdkData, rel: CompiledRelease, tally: _Tally) -> None:
    smp = matrix.compiled["smp"]
    smp_tag = rel["smp_tag"]
    assert smp_tag is not None  # the caller compares the rows with an SMP tag
    smp_version = smp_tag.split("-", 1)[0]
    key = Version(sdk.smp_aliases.get(smp_version, smp_version))
    image = sdk.smp.get(key)
    if image is None:
        tally.not_in_sdk.append(f"pytorch {rel['version']} (SMP image {smp_version})")
        return
    tally.seen["smp"].add(key)
    tally.compared += 1
    py = _py(rel["python"])
    ours = {
        "registries": dict.fromkeys(smp["regions"], smp["account"]),
        "py_version": py,
        "repository": smp["repository"],
    }
    tag = f"{smp_version}-gpu-{_py_for_tag(py, image)}"
    fields = _compare(ours, image, rel["smp_tag"], tag, False)
    if fields:
        tally.differences.append(RowDifference("smp", rel["version"], None, image.where, fields))


def _no_smddp(compiled: CompiledMatrix, framework: str, version: Version) -> bool:
    rules = compiled["frameworks"][framework]["no_smddp"]
    return any(version in SpecifierSet(rule["versions"]) for rule in rules)


def _not_in_matrix(compiled: CompiledMatrix, sdk: SdkData, seen: dict[str, set[Any]]) -> list[str]:
    """SDK versions the matrix has no row for, leaving out those with no smddp at all and
    those in the SDK's smdistributed list (accounted for as unexplained or known-absent)."""
    listed: dict[str, set[Version]] = {"pytorch": set(), "tensorflow": set()}
    if sdk.lists is not None:
        for fw in listed:
            texts = sdk.lists.smdistributed.get(fw, ())
            listed[fw] = _full_versions(texts, sdk.aliases.get(fw, {}))
    out: list[str] = []
    for fw, images in (("pytorch", sdk.pytorch), ("tensorflow", sdk.tensorflow)):
        for version in sorted(images):
            if (
                version not in seen[fw]
                and version not in listed[fw]
                and not _no_smddp(compiled, fw, version)
            ):
                out.append(f"{fw} {version}")
    for transformers, base in sorted(sdk.huggingface):
        if (transformers, base) not in seen["huggingface"] and not _no_smddp(
            compiled, "huggingface", transformers
        ):
            out.append(f"huggingface {transformers} (pytorch {base})")
    return out
