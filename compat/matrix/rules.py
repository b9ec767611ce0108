"""Consistency rules that a single field's type cannot express.

An image URI and a wheel URL are stored as parts (tag, path) next to the
row's framework, Python, CUDA and OS versions; these rules check the parts
against each other, so a pasted value that disagrees with its row is caught.
A row that knowingly breaks a rule names it under ``exceptions`` with a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from compat.matrix.naming import DLC_TAG_RE, HF_TAG_RE, WHEEL_RE, cuda_tag, py_tag
from compat.matrix.schema import (
    FrameworkRelease,
    HuggingFaceRelease,
    MatrixDocument,
    RowBase,
)
from compat.matrix.versions import in_specifier

Path = tuple[Hashable, ...]

#: The framework sections of the file and the framework each one describes.
SECTIONS: dict[str, str] = {
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "pytorch_lightning": "pytorch-lightning",
    "huggingface": "huggingface",
}

#: Every rule a row may list under ``exceptions``.
CHECKS = frozenset(
    {
        "tag-framework-version",
        "tag-python",
        "tag-cuda",
        "tag-os",
        "tag-pytorch-version",
        "wheel-framework",
        "wheel-framework-version",
        "wheel-cuda",
        "wheel-smddp-version",
        "wheel-python",
    }
)
ERRATA_FIELDS = frozenset(
    {"version", "smddp", "repository", "tag", "wheel", "python", "cuda", "os", "smp_tag"}
)


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


_CANONICAL: dict[Version, str] = {}


def _canonical(version: Version) -> str:
    """``str(version)``, remembered: one row's version is compared several times."""
    text = _CANONICAL.get(version)
    if text is None:
        if len(_CANONICAL) > 65536:
            _CANONICAL.clear()
        text = _CANONICAL[version] = str(version)
    return text


def _same_version(text: str, version: Version) -> bool:
    # Most rows write their versions canonically; compare text before parsing.
    if text == _canonical(version):
        return True
    try:
        return Version(text) == version
    except InvalidVersion:
        return False


class _RowChecker:
    """Runs the named rules on one row, honouring and auditing its exceptions."""

    def __init__(self, row: RowBase, path: Path, out: list[Problem]) -> None:
        self.row = row
        self.path = path
        self.out = out
        self.allowed = {e.check for e in row.exceptions}
        self.used: set[str] = set()
        for i, exc in enumerate(row.exceptions):
            if exc.check not in CHECKS:
                out.append(
                    Problem(
                        (*path, "exceptions", i, "check"),
                        f"unknown check {exc.check!r}; known checks: {', '.join(sorted(CHECKS))}",
                    )
                )

    def rule(self, name: str, ok: bool, field: str, message: Callable[[], str]) -> None:
        """Record a failed check; ``message`` is built only then (a large matrix has
        tens of thousands of passing checks)."""
        if ok:
            return
        if name in self.allowed:
            self.used.add(name)
            return
        self.out.append(
            Problem(
                (*self.path, field),
                f"{message()} [check {name}; if this is right, add it to the row's exceptions "
                "with a note]",
            )
        )

    def finish(self) -> None:
        for i, exc in enumerate(self.row.exceptions):
            if exc.check in CHECKS and exc.check not in self.used:
                self.out.append(
                    Problem(
                        (*self.path, "exceptions", i),
                        f"the row lists an exception for {exc.check!r} but passes that check; "
                        "remove the exception",
                    )
                )


def check_document(doc: MatrixDocument) -> list[Problem]:
    """Every consistency problem in ``doc``, in file order."""
    return list(_check(doc))


def _check(doc: MatrixDocument) -> Iterator[Problem]:
    yield from _check_sources(doc)
    for name, region in doc.regions.items():
        if region.partition not in doc.partitions:
            yield Problem(
                ("regions", name, "partition"),
                f"unknown partition {region.partition!r}; known: {', '.join(doc.partitions)}",
            )
    for name, rset in doc.region_sets.items():
        if rset.only is not None and rset.all_except:
            yield Problem(("region_sets", name), "give either 'only' or 'all_except', not both")
        for field, listed in (("all_except", rset.all_except), ("only", rset.only or [])):
            for i, listed_region in enumerate(listed):
                if listed_region not in doc.regions:
                    yield Problem(("region_sets", name, field, i), _unknown_region(listed_region))
    for i, smp_region in enumerate(doc.smp.regions):
        if smp_region not in doc.regions:
            yield Problem(("smp", "regions", i), _unknown_region(smp_region))
    for field in ("on_demand", "spot", "warm_pool"):
        if "{instance_type}" not in getattr(doc.quotas, field):
            yield Problem(("quotas", field), "the name format must contain {instance_type}")
    yield from _check_frameworks(doc)
    for section in ("pytorch", "tensorflow"):
        for i, row in enumerate(getattr(doc, section)):
            yield from _check_release(doc, section, i, row)
    yield from _check_derived(doc)


def _unknown_region(region: str) -> str:
    return f"unknown region {region!r}; add it under 'regions' first"


def _cited(doc: MatrixDocument) -> Iterator[tuple[Path, list[str]]]:
    """Every ``sources`` list in the document, with its path."""
    for name, partition in doc.partitions.items():
        yield ("partitions", name, "sources"), partition.sources
    for name, region in doc.regions.items():
        yield ("regions", name, "sources"), region.sources
    yield ("smp", "sources"), doc.smp.sources
    for name, itype in doc.instance_types.items():
        for i, support in enumerate(itype.support):
            yield ("instance_types", name, "support", i, "sources"), support.sources
    yield ("quotas", "sources"), doc.quotas.sources
    for i, quota in enumerate(doc.quotas.account_wide):
        yield ("quotas", "account_wide", i, "sources"), quota.sources
    for name, fw in doc.frameworks.items():
        for i, rule in enumerate(fw.availability):
            yield ("frameworks", name, "availability", i, "sources"), rule.sources
        for i, none in enumerate(fw.no_smddp):
            yield ("frameworks", name, "no_smddp", i, "sources"), none.sources
        if fw.alternative_distribution is not None:
            path = ("frameworks", name, "alternative_distribution", "sources")
            yield path, fw.alternative_distribution.sources
    for section in SECTIONS:
        rows: list[RowBase] = getattr(doc, section)
        for i, row in enumerate(rows):
            yield (section, i, "sources"), row.sources
            for j, erratum in enumerate(row.errata):
                yield (section, i, "errata", j, "sources"), erratum.sources


def _check_sources(doc: MatrixDocument) -> Iterator[Problem]:
    known = doc.sources
    for path, cited in _cited(doc):
        for i, sid in enumerate(cited):
            if sid not in known:
                yield Problem(
                    (*path, i), f"unknown source {sid!r}; known sources: {', '.join(known)}"
                )


def _check_frameworks(doc: MatrixDocument) -> Iterator[Problem]:
    expected = set(SECTIONS.values())
    for name in doc.frameworks:
        if name not in expected:
            yield Problem(
                ("frameworks", name),
                f"unknown framework {name!r}; the file describes {', '.join(sorted(expected))}",
            )
    for name in sorted(expected - set(doc.frameworks)):
        yield Problem(("frameworks",), f"framework {name!r} is missing")
    seen: dict[str, str] = {}
    for name, fw in doc.frameworks.items():
        for i, alias in enumerate([name, *fw.aliases]):
            key = alias.lower()
            if key in seen and seen[key] != name:
                yield Problem(
                    ("frameworks", name, "aliases", i - 1) if i else ("frameworks", name),
                    f"alias {alias!r} already names framework {seen[key]!r}",
                )
            seen[key] = name
        if fw.runs_on is not None and fw.runs_on not in doc.frameworks:
            yield Problem(("frameworks", name, "runs_on"), f"unknown framework {fw.runs_on!r}")
        if fw.runs_on is None and not fw.repository:
            yield Problem(("frameworks", name), "a framework with its own DLC needs 'repository'")
        for i, rule in enumerate(fw.availability):
            if rule.region_set not in doc.region_sets:
                yield Problem(
                    ("frameworks", name, "availability", i, "region_set"),
                    f"unknown region set {rule.region_set!r}; known: {', '.join(doc.region_sets)}",
                )
        if fw.wheel_base_url is not None:
            yield from _check_base_url(fw.wheel_base_url, ("frameworks", name, "wheel_base_url"))
        if fw.wheel_partition is not None and fw.wheel_partition not in doc.partitions:
            yield Problem(
                ("frameworks", name, "wheel_partition"),
                f"unknown partition {fw.wheel_partition!r}; known: {', '.join(doc.partitions)}",
            )


def _check_base_url(url: str, path: Path) -> Iterator[Problem]:
    if not url.startswith("https://") or not url.endswith("/"):
        yield Problem(path, f"{url!r} must start with https:// and end with /")


def _check_release(
    doc: MatrixDocument, section: str, index: int, row: FrameworkRelease
) -> Iterator[Problem]:
    path: Path = (section, index)
    fw_name = SECTIONS[section]
    fw = doc.frameworks.get(fw_name)
    out: list[Problem] = []
    checker = _RowChecker(row, path, out)
    _check_errata(row, path, out)
    if row.tag is None:
        if not row.notes:
            out.append(
                Problem((*path, "tag"), "a row without a tag needs a note saying what to use")
            )
    else:
        tag_m = DLC_TAG_RE.match(row.tag)
        if tag_m is None:
            out.append(
                Problem(
                    (*path, "tag"),
                    f"{row.tag!r} does not have the form "
                    "{version}-gpu-py{XY}-cu{NNN}-{os}[-sagemaker]",
                )
            )
        else:
            checker.rule(
                "tag-framework-version",
                _same_version(tag_m["version"], row.version),
                "tag",
                lambda: f"the tag's version {tag_m['version']} is not the row's {row.version}",
            )
            _part_rules(checker, "tag", tag_m, row.python, row.cuda, row.os)
    if row.wheel is not None:
        if row.wheel.base_url is not None:
            out.extend(_check_base_url(row.wheel.base_url, (*path, "wheel", "base_url")))
        elif fw is not None and fw.wheel_base_url is None:
            out.append(Problem((*path, "wheel"), f"no base_url here or in frameworks.{fw_name}"))
        wheel_m = WHEEL_RE.match(row.wheel.path)
        if wheel_m is None:
            out.append(
                Problem(
                    (*path, "wheel", "path"),
                    f"{row.wheel.path!r} does not have the form {{framework}}/{{version}}/"
                    "cu{NNN}/{date}/smdistributed_dataparallel-{smddp}-cp{XY}-cp{XY}"
                    "-linux_x86_64.whl",
                )
            )
        else:
            checker.rule(
                "wheel-framework",
                wheel_m["framework"] == fw_name,
                "wheel",
                lambda: f"the wheel path's framework {wheel_m['framework']!r} is not {fw_name!r}",
            )
            checker.rule(
                "wheel-framework-version",
                _same_version(wheel_m["version"], row.version),
                "wheel",
                lambda: (
                    f"the wheel path's framework version {wheel_m['version']} is not the "
                    f"row's {row.version}"
                ),
            )
            checker.rule(
                "wheel-smddp-version",
                _same_version(wheel_m["smddp"], row.smddp),
                "wheel",
                lambda: (
                    f"the wheel file's smddp version {wheel_m['smddp']} is not the "
                    f"row's {row.smddp}"
                ),
            )
            checker.rule(
                "wheel-cuda",
                row.cuda is not None and wheel_m["cu"] == cuda_tag(row.cuda),
                "wheel",
                lambda: (
                    f"the wheel path's cu{wheel_m['cu']} does not match the row's CUDA {row.cuda}"
                ),
            )
            checker.rule(
                "wheel-python",
                row.python is not None and wheel_m["cp"] == py_tag(row.python),
                "wheel",
                lambda: (
                    f"the wheel file's cp{wheel_m['cp']} does not match the row's "
                    f"Python {row.python}"
                ),
            )
    checker.finish()
    if fw is not None:
        out.extend(_check_coverage(fw_name, fw, row.version, path))
    yield from out


def _part_rules(
    checker: _RowChecker,
    field: str,
    m: re.Match[str],
    python: str | None,
    cuda: str | None,
    os_name: str | None,
) -> None:
    checker.rule(
        "tag-python",
        python is not None and m["py"] == py_tag(python),
        field,
        lambda: f"the tag's py{m['py']} does not match the row's Python {python}",
    )
    checker.rule(
        "tag-cuda",
        cuda is not None and m["cu"] == cuda_tag(cuda),
        field,
        lambda: f"the tag's cu{m['cu']} does not match the row's CUDA {cuda}",
    )
    checker.rule(
        "tag-os",
        os_name is not None and m["os"] == os_name,
        field,
        lambda: f"the tag's {m['os']} does not match the row's OS {os_name}",
    )


def _check_errata(row: RowBase, path: Path, out: list[Problem]) -> None:
    for i, erratum in enumerate(row.errata):
        if erratum.field not in ERRATA_FIELDS:
            out.append(
                Problem(
                    (*path, "errata", i, "field"),
                    f"unknown field {erratum.field!r}; one of {', '.join(sorted(ERRATA_FIELDS))}",
                )
            )


def _check_coverage(fw_name: str, fw: object, version: Version, path: Path) -> list[Problem]:
    from compat.matrix.schema import Framework

    assert isinstance(fw, Framework)
    out: list[Problem] = []
    own_image = fw.runs_on is None or fw.repository is not None
    if own_image and not any(in_specifier(version, rule.versions) for rule in fw.availability):
        out.append(
            Problem(
                (*path, "version"),
                f"no availability rule of frameworks.{fw_name} covers {version}; add one",
            )
        )
    for rule in fw.no_smddp:
        if in_specifier(version, rule.versions):
            out.append(
                Problem(
                    (*path, "version"),
                    f"{version} is listed with smddp but frameworks.{fw_name}.no_smddp "
                    f"says {rule.versions} has none",
                )
            )
    return out


def _check_derived(doc: MatrixDocument) -> Iterator[Problem]:
    pytorch = {row.version: row for row in doc.pytorch}
    for i, lrow in enumerate(doc.pytorch_lightning):
        base = pytorch.get(lrow.pytorch)
        path: Path = ("pytorch_lightning", i)
        if base is None:
            yield Problem((*path, "pytorch"), f"no pytorch row for {lrow.pytorch}")
        elif base.smddp != lrow.smddp:
            yield Problem(
                (*path, "smddp"),
                f"smddp {lrow.smddp} differs from the PyTorch {base.version} row's {base.smddp}",
            )
        out: list[Problem] = []
        _check_errata(lrow, path, out)
        yield from out
        fw = doc.frameworks.get("pytorch-lightning")
        if fw is not None:
            for j, version in enumerate(lrow.versions):
                for rule in fw.no_smddp:
                    if in_specifier(version, rule.versions):
                        yield Problem((*path, "versions", j), f"{version} is in a no_smddp range")
    for i, hrow in enumerate(doc.huggingface):
        yield from _check_huggingface(doc, pytorch, i, hrow)


def _check_huggingface(
    doc: MatrixDocument,
    pytorch: dict[Version, FrameworkRelease],
    index: int,
    row: HuggingFaceRelease,
) -> Iterator[Problem]:
    path: Path = ("huggingface", index)
    base = pytorch.get(row.pytorch)
    if base is None:
        yield Problem((*path, "pytorch"), f"no pytorch row for {row.pytorch}")
    elif base.smddp != row.smddp:
        yield Problem(
            (*path, "smddp"),
            f"smddp {row.smddp} differs from the PyTorch {base.version} row's {base.smddp}",
        )
    out: list[Problem] = []
    checker = _RowChecker(row, path, out)
    _check_errata(row, path, out)
    m = HF_TAG_RE.match(row.tag)
    if m is None:
        out.append(
            Problem(
                (*path, "tag"),
                f"{row.tag!r} does not have the form "
                "{pytorch}-transformers{version}-gpu-py{XY}-cu{NNN}-{os}",
            )
        )
    else:
        checker.rule(
            "tag-framework-version",
            _same_version(m["version"], row.version),
            "tag",
            lambda: f"the tag's transformers version {m['version']} is not the row's {row.version}",
        )
        checker.rule(
            "tag-pytorch-version",
            _same_version(m["pytorch"], row.pytorch),
            "tag",
            lambda: f"the tag's PyTorch version {m['pytorch']} is not the row's {row.pytorch}",
        )
        _part_rules(checker, "tag", m, row.python, row.cuda, row.os)
    checker.finish()
    fw = doc.frameworks.get("huggingface")
    if fw is not None:
        out.extend(_check_coverage("huggingface", fw, row.version, path))
    yield from out
