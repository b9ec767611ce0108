"""Consistency rules that a single field's type cannot express.

An image URI and a wheel URL are stored as parts (tag, path) next to the
row's framework, Python, CUDA and OS versions; these rules check the parts
against each other, so a pasted value that disagrees with its row is caught.
A row that knowingly breaks a rule names it under ``exceptions`` with a note.

The tag and wheel rules are tables (:data:`DLC_TAG`, :data:`HF_TAG`,
:data:`WHEEL`): each rule names its check, the part of the name it reads, the
row's fact it compares that part with, and its message; :func:`_check_name`
applies a table in one loop, so a new rule is one more line of a table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from compat.matrix.naming import DLC_TAG_RE, HF_TAG_RE, WHEEL_RE, cuda_tag, py_tag
from compat.matrix.schema import (
    Confidence,
    FrameworkRelease,
    HuggingFaceRelease,
    LightningRelease,
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

ERRATA_FIELDS = frozenset(
    {"version", "smddp", "repository", "tag", "wheel", "python", "cuda", "os", "smp_tag"}
)


@dataclass(frozen=True)
class MatrixProblem:
    """A consistency rule the matrix document breaks, at a path into the document.

    ``validate`` turns it into ``file:line: path: message``.
    """

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

    def __init__(self, row: RowBase, path: Path, out: list[MatrixProblem]) -> None:
        self.row = row
        self.path = path
        self.out = out
        self.allowed = {e.check for e in row.exceptions}
        self.used: set[str] = set()
        for i, exc in enumerate(row.exceptions):
            if exc.check not in CHECKS:
                out.append(
                    MatrixProblem(
                        (*path, "exceptions", i, "check"),
                        f"unknown check {exc.check!r}; known checks: {', '.join(sorted(CHECKS))}",
                    )
                )

    def fail(self, name: str, field: str, message: str) -> None:
        """Record that rule ``name`` failed, unless the row lists it as an exception."""
        if name in self.allowed:
            self.used.add(name)
            return
        self.out.append(
            MatrixProblem(
                (*self.path, field),
                f"{message} [check {name}; if this is right, add it to the row's exceptions "
                "with a note]",
            )
        )

    def finish(self) -> None:
        for i, exc in enumerate(self.row.exceptions):
            if exc.check in CHECKS and exc.check not in self.used:
                self.out.append(
                    MatrixProblem(
                        (*self.path, "exceptions", i),
                        f"the row lists an exception for {exc.check!r} but passes that check; "
                        "remove the exception",
                    )
                )


def check_document(doc: MatrixDocument) -> list[MatrixProblem]:
    """Every consistency problem in ``doc``, in file order."""
    return list(_check(doc))


def _check(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    yield from _check_sources(doc)
    for name, region in doc.regions.items():
        if region.partition not in doc.partitions:
            yield MatrixProblem(
                ("regions", name, "partition"),
                f"unknown partition {region.partition!r}; known: {', '.join(doc.partitions)}",
            )
    for name, rset in doc.region_sets.items():
        if rset.only is not None and rset.all_except:
            yield MatrixProblem(
                ("region_sets", name), "give either 'only' or 'all_except', not both"
            )
        for field, listed in (("all_except", rset.all_except), ("only", rset.only or [])):
            for i, listed_region in enumerate(listed):
                if listed_region not in doc.regions:
                    yield MatrixProblem(
                        ("region_sets", name, field, i), _unknown_region(listed_region)
                    )
    for i, smp_region in enumerate(doc.smp.regions):
        if smp_region not in doc.regions:
            yield MatrixProblem(("smp", "regions", i), _unknown_region(smp_region))
    for field in ("on_demand", "spot", "warm_pool"):
        if "{instance_type}" not in getattr(doc.quotas, field):
            yield MatrixProblem(("quotas", field), "the name format must contain {instance_type}")
    yield from _check_quota_codes(doc)
    yield from _check_sdk(doc)
    yield from _check_frameworks(doc)
    for section in ("pytorch", "tensorflow"):
        for i, row in enumerate(getattr(doc, section)):
            yield from _check_release(doc, section, i, row)
    yield from _check_derived(doc)


def _check_quota_codes(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    """Every instance type's on-demand, spot and warm-pool quota is recorded, once."""
    q = doc.quotas
    wanted = {
        getattr(q, kind).format(instance_type=itype)
        for itype in doc.instance_types
        for kind in ("on_demand", "spot", "warm_pool")
    }
    seen: set[str] = set()
    for i, entry in enumerate(q.known_codes):
        if entry.name in seen:
            yield MatrixProblem(("quotas", "known_codes", i, "name"), f"{entry.name!r} twice")
        seen.add(entry.name)
        if entry.code is None and entry.confidence is not Confidence.UNCONFIRMED:
            yield MatrixProblem(
                ("quotas", "known_codes", i, "confidence"),
                "a quota without a code must say confidence: unconfirmed",
            )
    for name in sorted(wanted - seen):
        yield MatrixProblem(
            ("quotas", "known_codes"),
            f"no entry for {name!r}: record its code with a source, or code: null with "
            "confidence: unconfirmed",
        )


def _check_sdk(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    """A known-absent entry names a framework the SDK lists and a version with no row."""
    if doc.sdk is None:
        return
    rows = {
        "pytorch": {row.version for row in doc.pytorch},
        "tensorflow": {row.version for row in doc.tensorflow},
    }
    for i, absent in enumerate(doc.sdk.known_absent):
        path = ("sdk", "known_absent", i)
        if absent.framework not in ("pytorch", "tensorflow", "pytorch-smp"):
            yield MatrixProblem(
                (*path, "framework"),
                f"unknown framework {absent.framework!r}; one of pytorch, tensorflow, pytorch-smp",
            )
        elif absent.version in rows.get(absent.framework, set()):
            yield MatrixProblem(
                (*path, "version"),
                f"{absent.framework} {absent.version} has a row; remove this known_absent entry",
            )


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
    for i, code in enumerate(doc.quotas.known_codes):
        yield ("quotas", "known_codes", i, "sources"), code.sources
    for name, fw in doc.frameworks.items():
        for i, rule in enumerate(fw.availability):
            yield ("frameworks", name, "availability", i, "sources"), rule.sources
        for i, none in enumerate(fw.no_smddp):
            yield ("frameworks", name, "no_smddp", i, "sources"), none.sources
        if fw.alternative_distribution is not None:
            path = ("frameworks", name, "alternative_distribution", "sources")
            yield path, fw.alternative_distribution.sources
    if doc.sdk is not None:
        yield ("sdk", "sources"), doc.sdk.sources
        for i, absent in enumerate(doc.sdk.known_absent):
            yield ("sdk", "known_absent", i, "sources"), absent.sources
    for section in SECTIONS:
        rows: list[RowBase] = getattr(doc, section)
        for i, row in enumerate(rows):
            yield (section, i, "sources"), row.sources
            for j, erratum in enumerate(row.errata):
                yield (section, i, "errata", j, "sources"), erratum.sources


def _check_sources(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    known = doc.sources
    for path, cited in _cited(doc):
        for i, sid in enumerate(cited):
            if sid not in known:
                yield MatrixProblem(
                    (*path, i), f"unknown source {sid!r}; known sources: {', '.join(known)}"
                )


def _check_frameworks(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    expected = set(SECTIONS.values())
    for name in doc.frameworks:
        if name not in expected:
            yield MatrixProblem(
                ("frameworks", name),
                f"unknown framework {name!r}; the file describes {', '.join(sorted(expected))}",
            )
    for name in sorted(expected - set(doc.frameworks)):
        yield MatrixProblem(("frameworks",), f"framework {name!r} is missing")
    seen: dict[str, str] = {}
    for name, fw in doc.frameworks.items():
        for i, alias in enumerate([name, *fw.aliases]):
            key = alias.lower()
            if key in seen and seen[key] != name:
                yield MatrixProblem(
                    ("frameworks", name, "aliases", i - 1) if i else ("frameworks", name),
                    f"alias {alias!r} already names framework {seen[key]!r}",
                )
            seen[key] = name
        if fw.runs_on is not None and fw.runs_on not in doc.frameworks:
            yield MatrixProblem(
                ("frameworks", name, "runs_on"), f"unknown framework {fw.runs_on!r}"
            )
        if fw.runs_on is None and not fw.repository:
            yield MatrixProblem(
                ("frameworks", name), "a framework with its own DLC needs 'repository'"
            )
        for i, rule in enumerate(fw.availability):
            if rule.region_set not in doc.region_sets:
                yield MatrixProblem(
                    ("frameworks", name, "availability", i, "region_set"),
                    f"unknown region set {rule.region_set!r}; known: {', '.join(doc.region_sets)}",
                )
        if fw.wheel_base_url is not None:
            yield from _check_base_url(fw.wheel_base_url, ("frameworks", name, "wheel_base_url"))
        if fw.wheel_partition is not None and fw.wheel_partition not in doc.partitions:
            yield MatrixProblem(
                ("frameworks", name, "wheel_partition"),
                f"unknown partition {fw.wheel_partition!r}; known: {', '.join(doc.partitions)}",
            )


def _check_base_url(url: str, path: Path) -> Iterator[MatrixProblem]:
    if not url.startswith("https://") or not url.endswith("/"):
        yield MatrixProblem(path, f"{url!r} must start with https:// and end with /")


#: One value a row states about itself (its version, Python, CUDA, OS, ...).
Fact = Version | str | None
#: A row's facts by name: each value, and how a tag or wheel name spells it when it
#: agrees (``Version("1.13.1")`` -> ``"1.13.1"``, ``"3.9"`` -> ``"39"``), or None.
Facts = dict[str, tuple[Fact, str | None]]


def _facts(
    *,
    versions: dict[str, Version],
    python: str | None,
    cuda: str | None,
    texts: dict[str, str | None],
) -> Facts:
    """A row's facts for :func:`_check_name`, each with its spelling in a name."""
    facts: Facts = {name: (v, _canonical(v)) for name, v in versions.items()}
    facts["python"] = (python, None if python is None else py_tag(python))
    facts["cuda"] = (cuda, None if cuda is None else cuda_tag(cuda))
    for name, text in texts.items():
        facts[name] = (text, text)
    return facts


def _same_version_as(found: str, expected: Fact) -> bool:
    return isinstance(expected, Version) and _same_version(found, expected)


def _same_py(found: str, expected: Fact) -> bool:
    return isinstance(expected, str) and found == py_tag(expected)


def _same_cuda(found: str, expected: Fact) -> bool:
    return isinstance(expected, str) and found == cuda_tag(expected)


def _same_text(found: str, expected: Fact) -> bool:
    return found == expected


@dataclass(frozen=True, slots=True)
class _Rule:
    """One named check: a part of a tag or wheel name against one of the row's facts.

    ``message`` is a format string with ``{found}`` (the part) and ``{expected}``
    (the fact); it is formatted only when the check fails.
    """

    check: str
    group: str
    fact: str
    same: Callable[[str, Fact], bool]
    message: str


@dataclass(frozen=True, slots=True)
class _Name:
    """A named artifact (tag or wheel path): its pattern, its form, and its rules."""

    field: tuple[str, ...]  # where the value is, below the row
    pattern: re.Pattern[str]
    form: str  # the form, for the message when the value does not match at all
    rules: tuple[_Rule, ...]


_PYTHON_CUDA_OS = (
    _Rule(
        "tag-python",
        "py",
        "python",
        _same_py,
        "the tag's py{found} does not match the row's Python {expected}",
    ),
    _Rule(
        "tag-cuda",
        "cu",
        "cuda",
        _same_cuda,
        "the tag's cu{found} does not match the row's CUDA {expected}",
    ),
    _Rule(
        "tag-os", "os", "os", _same_text, "the tag's {found} does not match the row's OS {expected}"
    ),
)
DLC_TAG = _Name(
    ("tag",),
    DLC_TAG_RE,
    "{version}-gpu-py{XY}-cu{NNN}-{os}[-sagemaker]",
    (
        _Rule(
            "tag-framework-version",
            "version",
            "version",
            _same_version_as,
            "the tag's version {found} is not the row's {expected}",
        ),
        *_PYTHON_CUDA_OS,
    ),
)
HF_TAG = _Name(
    ("tag",),
    HF_TAG_RE,
    "{pytorch}-transformers{version}-gpu-py{XY}-cu{NNN}-{os}",
    (
        _Rule(
            "tag-framework-version",
            "version",
            "version",
            _same_version_as,
            "the tag's transformers version {found} is not the row's {expected}",
        ),
        _Rule(
            "tag-pytorch-version",
            "pytorch",
            "pytorch",
            _same_version_as,
            "the tag's PyTorch version {found} is not the row's {expected}",
        ),
        *_PYTHON_CUDA_OS,
    ),
)
WHEEL = _Name(
    ("wheel", "path"),
    WHEEL_RE,
    "{framework}/{version}/cu{NNN}/{date}/smdistributed_dataparallel-{smddp}-cp{XY}-cp{XY}"
    "-linux_x86_64.whl",
    (
        _Rule(
            "wheel-framework",
            "framework",
            "framework",
            _same_text,
            "the wheel path's framework {found!r} is not {expected!r}",
        ),
        _Rule(
            "wheel-framework-version",
            "version",
            "version",
            _same_version_as,
            "the wheel path's framework version {found} is not the row's {expected}",
        ),
        _Rule(
            "wheel-smddp-version",
            "smddp",
            "smddp",
            _same_version_as,
            "the wheel file's smddp version {found} is not the row's {expected}",
        ),
        _Rule(
            "wheel-cuda",
            "cu",
            "cuda",
            _same_cuda,
            "the wheel path's cu{found} does not match the row's CUDA {expected}",
        ),
        _Rule(
            "wheel-python",
            "cp",
            "python",
            _same_py,
            "the wheel file's cp{found} does not match the row's Python {expected}",
        ),
    ),
)


#: Every rule a row may list under ``exceptions``.
CHECKS = frozenset(rule.check for name in (DLC_TAG, HF_TAG, WHEEL) for rule in name.rules)


def _check_name(checker: _RowChecker, name: _Name, value: str, facts: Facts) -> None:
    """Match ``value`` against ``name``'s pattern and run its rules on the parts.

    A failed rule is reported under the first field of ``name`` (``tag``,
    ``wheel``), where a row's exception for it applies.
    """
    m = name.pattern.match(value)
    if m is None:
        checker.out.append(
            MatrixProblem(
                (*checker.path, *name.field), f"{value!r} does not have the form {name.form}"
            )
        )
        return
    for rule in name.rules:
        found = m[rule.group]
        expected, spelled = facts[rule.fact]
        # Most parts are spelled exactly as the row's fact; only others need the rule.
        if found != spelled and not rule.same(found, expected):
            checker.fail(
                rule.check, name.field[0], rule.message.format(found=found, expected=expected)
            )


def _check_release(
    doc: MatrixDocument, section: str, index: int, row: FrameworkRelease
) -> Iterator[MatrixProblem]:
    path: Path = (section, index)
    fw_name = SECTIONS[section]
    fw = doc.frameworks.get(fw_name)
    out: list[MatrixProblem] = []
    checker = _RowChecker(row, path, out)
    _check_errata(row, path, out)
    facts = _facts(
        versions={"version": row.version, "smddp": row.smddp},
        python=row.python,
        cuda=row.cuda,
        texts={"framework": fw_name, "os": row.os},
    )
    if row.tag is not None:
        _check_name(checker, DLC_TAG, row.tag, facts)
    elif not row.notes:
        out.append(
            MatrixProblem((*path, "tag"), "a row without a tag needs a note saying what to use")
        )
    if row.wheel is not None:
        if row.wheel.base_url is not None:
            out.extend(_check_base_url(row.wheel.base_url, (*path, "wheel", "base_url")))
        elif fw is not None and fw.wheel_base_url is None:
            out.append(
                MatrixProblem((*path, "wheel"), f"no base_url here or in frameworks.{fw_name}")
            )
        _check_name(checker, WHEEL, row.wheel.path, facts)
    checker.finish()
    if fw is not None:
        out.extend(_check_coverage(fw_name, fw, row.version, path))
    yield from out


def _check_errata(row: RowBase, path: Path, out: list[MatrixProblem]) -> None:
    for i, erratum in enumerate(row.errata):
        if erratum.field not in ERRATA_FIELDS:
            out.append(
                MatrixProblem(
                    (*path, "errata", i, "field"),
                    f"unknown field {erratum.field!r}; one of {', '.join(sorted(ERRATA_FIELDS))}",
                )
            )


def _check_coverage(fw_name: str, fw: object, version: Version, path: Path) -> list[MatrixProblem]:
    from compat.matrix.schema import Framework

    assert isinstance(fw, Framework)
    out: list[MatrixProblem] = []
    own_image = fw.runs_on is None or fw.repository is not None
    if own_image and not any(in_specifier(version, rule.versions) for rule in fw.availability):
        out.append(
            MatrixProblem(
                (*path, "version"),
                f"no availability rule of frameworks.{fw_name} covers {version}; add one",
            )
        )
    for rule in fw.no_smddp:
        if in_specifier(version, rule.versions):
            out.append(
                MatrixProblem(
                    (*path, "version"),
                    f"{version} is listed with smddp but frameworks.{fw_name}.no_smddp "
                    f"says {rule.versions} has none",
                )
            )
    return out


def _check_derived(doc: MatrixDocument) -> Iterator[MatrixProblem]:
    pytorch = {row.version: row for row in doc.pytorch}
    for i, lrow in enumerate(doc.pytorch_lightning):
        path: Path = ("pytorch_lightning", i)
        yield from _check_base(pytorch, lrow, path)
        out: list[MatrixProblem] = []
        _check_errata(lrow, path, out)
        yield from out
        fw = doc.frameworks.get("pytorch-lightning")
        if fw is not None:
            for j, version in enumerate(lrow.versions):
                for rule in fw.no_smddp:
                    if in_specifier(version, rule.versions):
                        yield MatrixProblem(
                            (*path, "versions", j), f"{version} is in a no_smddp range"
                        )
    for i, hrow in enumerate(doc.huggingface):
        yield from _check_huggingface(doc, pytorch, i, hrow)


def _check_base(
    pytorch: dict[Version, FrameworkRelease],
    row: LightningRelease | HuggingFaceRelease,
    path: Path,
) -> Iterator[MatrixProblem]:
    """A derived row (Lightning, Hugging Face) runs on a PyTorch row with the same smddp."""
    base = pytorch.get(row.pytorch)
    if base is None:
        yield MatrixProblem((*path, "pytorch"), f"no pytorch row for {row.pytorch}")
    elif base.smddp != row.smddp:
        yield MatrixProblem(
            (*path, "smddp"),
            f"smddp {row.smddp} differs from the PyTorch {base.version} row's {base.smddp}",
        )


def _check_huggingface(
    doc: MatrixDocument,
    pytorch: dict[Version, FrameworkRelease],
    index: int,
    row: HuggingFaceRelease,
) -> Iterator[MatrixProblem]:
    path: Path = ("huggingface", index)
    yield from _check_base(pytorch, row, path)
    out: list[MatrixProblem] = []
    checker = _RowChecker(row, path, out)
    _check_errata(row, path, out)
    facts = _facts(
        versions={"version": row.version, "pytorch": row.pytorch},
        python=row.python,
        cuda=row.cuda,
        texts={"os": row.os},
    )
    _check_name(checker, HF_TAG, row.tag, facts)
    checker.finish()
    fw = doc.frameworks.get("huggingface")
    if fw is not None:
        out.extend(_check_coverage("huggingface", fw, row.version, path))
    yield from out
