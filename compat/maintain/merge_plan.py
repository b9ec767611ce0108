"""Planning a merge: the pure comparison of a parsed page with the matrix document.

Nothing here touches the file: :func:`plan_merge` decides every edit (new rows,
sources to add, Lightning versions to add) and everything to report (conflicts,
known errata, notices) as a :class:`Plan`, which ``merge_apply`` then carries
out. Keeping the decision pure is what lets the tests check that nothing is lost
without going through YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from compat.errors import UsageError
from compat.maintain.docpage import (
    ImageRef,
    LightningRow,
    NotAvailable,
    ReleaseRow,
    SupportPage,
    WheelRef,
)
from compat.matrix.schema import Framework, FrameworkRelease, LightningRelease, MatrixDocument

if TYPE_CHECKING:
    from compat.matrix.source import LineMap, Path

#: Matrix sections fed by the page, per framework.
RELEASE_SECTIONS = {"pytorch": "pytorch", "tensorflow": "tensorflow"}


@dataclass(frozen=True, slots=True)
class Conflict:
    """A page value that differs from the matrix's; the matrix keeps its own."""

    entry: str
    field: str
    ours: str | None
    theirs: str | None
    our_sources: tuple[str, ...]
    their_source: str
    line: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "field": self.field,
            "matrix": self.ours,
            "page": self.theirs,
            "matrix_sources": list(self.our_sources),
            "page_source": self.their_source,
            "line": self.line,
        }


@dataclass
class Plan:
    """The edits a merge makes, and what it reports."""

    new_rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    add_source: list[tuple[str, int]] = field(default_factory=list)
    lightning_versions: list[tuple[int, list[str]]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    sources_added: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    known_errata: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _ours(row: FrameworkRelease, fw: Framework) -> dict[str, str | None]:
    return {
        "smddp": str(row.smddp),
        "python": row.python,
        "cuda": row.cuda,
        "os": row.os,
        "repository": row.repository or fw.repository,
        "tag": row.tag,
        "wheel": row.wheel.path if row.wheel else None,
        "wheel_base_url": (row.wheel.base_url or fw.wheel_base_url) if row.wheel else None,
        "smp_tag": row.smp_tag,
    }


def _same(field_name: str, ours: str | None, theirs: str | None) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    if field_name in ("smddp", "version"):
        try:
            return Version(ours.lstrip("vV")) == Version(theirs.lstrip("vV"))
        except InvalidVersion:
            return ours == theirs
    return ours == theirs


def _known_erratum(
    row: FrameworkRelease, fw: Framework, field_name: str, theirs: str | None
) -> bool:
    """Whether the page's value is one AWS is already recorded as getting wrong."""
    if theirs is None:
        return False
    wanted = "wheel" if field_name == "wheel_base_url" else field_name
    for erratum in row.errata:
        if erratum.field != wanted:
            continue
        documented = erratum.documented
        if field_name == "wheel":
            if documented == theirs or documented.endswith("/" + theirs):
                return True
        elif field_name == "wheel_base_url":
            if "://" in documented and documented.startswith(theirs):
                return True
        elif _same(field_name, documented, theirs):
            return True
    return False


def _version_match(
    rows: list[FrameworkRelease], version: Version, label: str
) -> tuple[int, bool] | None:
    """The index of the row for ``version``, and whether it matched by a version erratum.

    A page label that a row records, as written, as AWS's wrong label for it
    (the 2.4.1 row's "v2.3.1") means that row, even where a row of the labelled
    version exists too (PyTorch 2.3.1, carried by the SMP image).
    """
    for i, row in enumerate(rows):
        for erratum in row.errata:
            if erratum.field == "version" and erratum.documented.strip().lower() == label.lower():
                return i, True
    for i, row in enumerate(rows):
        if row.version == version:
            return i, False
    for i, row in enumerate(rows):
        for erratum in row.errata:
            if erratum.field == "version" and _same("version", erratum.documented, str(version)):
                return i, True
    return None


def plan_merge(page: SupportPage, doc: MatrixDocument, lines: LineMap, source: str) -> Plan:
    """Compare ``page`` with ``doc`` and decide every edit; ``lines`` is a LineMap."""
    if source not in doc.sources:
        raise UsageError(
            f"unknown source {source!r}: the matrix's sources are {', '.join(doc.sources)}",
            hint="pass --source with one of them, or add the page revision under 'sources' first",
        )
    plan = Plan()
    seen: set[tuple[str, Version]] = set()
    for prow in page.releases:
        key = (prow.framework, prow.version)
        if key in seen:
            plan.notices.append(
                f"{page.filename}:{prow.line}: {prow.framework} {prow.version} is listed twice "
                "on the page; only its first row was merged"
            )
            continue
        seen.add(key)
        _plan_release(plan, page, doc, lines, source, prow)
    for lrow in page.lightning:
        _plan_lightning(plan, page, doc, lines, source, lrow)
    for it in page.instance_types:
        if it.name not in doc.instance_types:
            plan.notices.append(
                f"{page.filename}:{it.line}: instance type {it.name} is on the page but not in "
                "the matrix; add it under instance_types by hand (gpus, gpu, efa, support)"
            )
    for table in page.unrecognised:
        plan.notices.append(
            f"{page.filename}:{table.line}: table under heading {table.heading!r} "
            f"(columns: {', '.join(table.columns)}) was not recognised and was skipped"
        )
    listed = {(r.framework, r.version) for r in page.releases}
    page_frameworks = {r.framework for r in page.releases}
    for framework, section in RELEASE_SECTIONS.items():
        if framework not in page_frameworks:
            continue
        for i, row in enumerate(getattr(doc, section)):
            if source in row.sources and (framework, row.version) not in listed:
                by_erratum = any(e.field == "version" for e in row.errata)
                if not by_erratum:
                    plan.notices.append(
                        f"{framework} {row.version} cites {source} but is not on the page; "
                        f"kept as it is (line {lines.line_of((section, i))})"
                    )
    return plan


def _plan_release(
    plan: Plan,
    page: SupportPage,
    doc: MatrixDocument,
    lines: LineMap,
    source: str,
    prow: ReleaseRow,
) -> None:
    section = RELEASE_SECTIONS[prow.framework]
    fw = doc.frameworks[prow.framework]
    rows: list[FrameworkRelease] = getattr(doc, section)
    where = f"{source}, {page.filename}:{prow.line}"
    entry = f"{prow.framework} {prow.version}"
    found = _version_match(rows, prow.version, prow.label)
    theirs = prow.facts()
    if found is None:
        plan.new_rows.append((section, _new_row(prow, fw, source, theirs)))
        plan.added.append(entry)
        return
    index, by_erratum = found
    row = rows[index]
    entry = f"{prow.framework} {row.version}"
    if by_erratum:
        plan.known_errata.append(
            f"{entry}: the page labels it {prow.label!r}, as recorded in the row's errata"
        )
    ours = _ours(row, fw)
    conflicts = 0
    for name, value in theirs.items():
        if name == "wheel_base_url" and ours["wheel"] is None:
            continue
        if _same(name, ours[name], value):
            continue
        if _known_erratum(row, fw, name, value):
            plan.known_errata.append(
                f"{entry}: the page's {name} {value!r} is recorded in the row's errata"
            )
            continue
        conflicts += 1
        path: Path = (section, index, name)
        if name in ("wheel", "wheel_base_url"):
            path = (section, index, "wheel")
        plan.conflicts.append(
            Conflict(entry, name, ours[name], value, tuple(row.sources), where, lines.line_of(path))
        )
    if conflicts == 0:
        plan.confirmed.append(entry)
        if source not in row.sources:
            plan.add_source.append((section, index))
            plan.sources_added.append(entry)


def _new_row(
    prow: ReleaseRow, fw: Framework, source: str, facts: dict[str, str | None]
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "version": str(prow.version),
        "smddp": str(prow.smddp),
        "python": facts.get("python"),
        "cuda": facts.get("cuda"),
        "os": facts.get("os"),
        "tag": facts.get("tag"),
    }
    repository = facts.get("repository")
    if repository is not None and repository != fw.repository:
        row["repository"] = repository
    if isinstance(prow.wheel, WheelRef):
        wheel: dict[str, str] = {}
        if prow.wheel.base_url != fw.wheel_base_url:
            wheel["base_url"] = prow.wheel.base_url
        wheel["path"] = prow.wheel.path
        row["wheel"] = wheel
    if isinstance(prow.smp_image, ImageRef):
        row["smp_tag"] = prow.smp_image.tag
    row["sources"] = [source]
    row["confidence"] = "documented"
    if row["tag"] is None:
        if isinstance(prow.image, NotAvailable):
            use = []
            if isinstance(prow.smp_image, ImageRef):
                use.append(f"the SMP image ({prow.smp_image.repository}:{prow.smp_image.tag})")
            if isinstance(prow.wheel, WheelRef):
                use.append("the wheel in your own container")
            instead = f": use {' or '.join(use)}" if use else ""
            row["notes"] = [
                f"No framework DLC carries this build ({source} says {prow.image.text!r}){instead}."
            ]
        else:
            row["notes"] = [
                f"{source} names the version pairing only and gives no image: find the DLC "
                "tag before relying on this row."
            ]
    return row


def _plan_lightning(
    plan: Plan,
    page: SupportPage,
    doc: MatrixDocument,
    lines: LineMap,
    source: str,
    lrow: LightningRow,
) -> None:
    where = f"{source}, {page.filename}:{lrow.line}"
    entry = f"pytorch-lightning on pytorch {lrow.pytorch}"
    conflicts = 0
    base = next((r for r in doc.pytorch if r.version == lrow.pytorch), None)
    if base is not None:
        fw = doc.frameworks["pytorch"]
        ours = _ours(base, fw)
        base_index = doc.pytorch.index(base)
        checks: list[tuple[str, str | None, str | None]] = []
        if isinstance(lrow.image, ImageRef):
            checks.append(("tag", ours["tag"], lrow.image.tag))
        if isinstance(lrow.wheel, WheelRef):
            checks.append(("wheel", ours["wheel"], lrow.wheel.path))
        for name, mine, theirs in checks:
            if not _same(name, mine, theirs) and not _known_erratum(base, fw, name, theirs):
                conflicts += 1
                plan.conflicts.append(
                    Conflict(
                        entry,
                        f"pytorch row's {name}",
                        mine,
                        theirs,
                        tuple(base.sources),
                        where,
                        lines.line_of(("pytorch", base_index, name)),
                    )
                )
    rows: list[LightningRelease] = doc.pytorch_lightning
    index = next((i for i, r in enumerate(rows) if r.pytorch == lrow.pytorch), None)
    if index is None:
        plan.new_rows.append(
            (
                "pytorch_lightning",
                {
                    "versions": [str(v) for v in lrow.versions],
                    "pytorch": str(lrow.pytorch),
                    "smddp": str(lrow.smddp),
                    "sources": [source],
                    "confidence": "documented",
                },
            )
        )
        plan.added.append(entry)
        return
    row = rows[index]
    if row.smddp != lrow.smddp:
        conflicts += 1
        plan.conflicts.append(
            Conflict(
                entry,
                "smddp",
                str(row.smddp),
                str(lrow.smddp),
                tuple(row.sources),
                where,
                lines.line_of(("pytorch_lightning", index, "smddp")),
            )
        )
    merged = list(row.versions)
    new = [v for v in lrow.versions if v not in merged]
    for version in new:
        position = next((i for i, v in enumerate(merged) if v < version), len(merged))
        merged.insert(position, version)
    if new:
        plan.lightning_versions.append((index, [str(v) for v in merged]))
        plan.added.append(f"{entry}: Lightning {', '.join(map(str, new))}")
    if conflicts == 0:
        plan.confirmed.append(entry)
        if source not in row.sources:
            plan.add_source.append(("pytorch_lightning", index))
            plan.sources_added.append(entry)
