"""Smells in a matrix file that the schema accepts but a reviewer should see.

``validate`` says whether a file can be used; ``lint`` points at entries that
are probably wrong or under-explained: an inference image in a training row,
a wheel that does not match its row, a tag that lost its ``-sagemaker``
suffix, a region named somewhere without an account or partition, a version
listed twice, an unconfirmed fact. Each finding has a severity and the
file:line of the entry. Errors always fail; ``strict`` makes warnings fail too
(the project's CI runs ``lint --strict`` on the shipped matrix).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from compat.maintain.partitions import partition_of
from compat.matrix.naming import WHEEL_RE, py_tag
from compat.matrix.schema import Confidence, FrameworkRelease, MatrixDocument

if TYPE_CHECKING:
    from compat.matrix.source import LineMap

Path = tuple[Hashable, ...]
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class LintFinding:
    """Something ``lint`` reports about a valid matrix: likely wrong, or worth a look."""

    severity: str  # error | warning | info
    code: str
    file: str
    line: int | None
    path: str
    message: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
        }

    def to_text(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.where}: {self.severity}: {where}{self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class LintReport:
    path: str
    strict: bool
    findings: tuple[LintFinding, ...]

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def failed(self) -> bool:
        return self.count("error") > 0 or (self.strict and self.count("warning") > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "strict": self.strict,
            "failed": self.failed,
            **{f"{s}s": self.count(s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
        }

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(s)} {s}(s)" for s in SEVERITIES)
        verdict = "fails" if self.failed else "passes"
        mode = " --strict" if self.strict else ""
        return f"{self.path}: {counts}; lint{mode} {verdict}"

    def to_text(self) -> str:
        return "\n".join([*(f.to_text() for f in self.findings), self.summary()])


class _Linter:
    def __init__(self, doc: MatrixDocument, lines: LineMap, filename: str) -> None:
        self.doc = doc
        self.lines = lines
        self.filename = filename
        self.findings: list[LintFinding] = []

    def add(self, severity: str, code: str, path: Path, message: str) -> None:
        from compat.matrix.source import format_path

        self.findings.append(
            LintFinding(
                severity, code, self.filename, self.lines.line_of(path), format_path(path), message
            )
        )

    def run(self) -> list[LintFinding]:
        for section in ("pytorch", "tensorflow"):
            rows: list[FrameworkRelease] = getattr(self.doc, section)
            self.sagemaker_suffix(section, rows)
            for i, row in enumerate(rows):
                self.release(section, i, row)
        self.duplicates()
        self.regions()
        self.unconfirmed()
        order = {s: n for n, s in enumerate(SEVERITIES)}
        self.findings.sort(key=lambda f: (f.line or 0, order[f.severity]))
        return self.findings

    def release(self, section: str, i: int, row: FrameworkRelease) -> None:
        fw = self.doc.frameworks.get(section)
        repository = row.repository or (fw.repository if fw else None)
        if repository and "inference" in repository:
            where: Path = (section, i, "repository") if row.repository else (section, i)
            self.add(
                "warning",
                "inference-repository",
                where,
                f"training row {row.version} uses the inference repository {repository!r}; "
                "smddp ships in the training images",
            )
        if row.wheel is None:
            return
        m = WHEEL_RE.match(row.wheel.path)
        path: Path = (section, i, "wheel", "path")
        if m is None:
            self.add("warning", "wheel-form", path, "the wheel path is not in the usual form")
            return
        accepted = {e.check for e in row.exceptions}
        if str(row.smddp) != m["smddp"] and "wheel-smddp-version" not in accepted:
            self.add(
                "warning",
                "wheel-smddp",
                path,
                f"the wheel is smddp {m['smddp']} but the row says {row.smddp}, and no "
                "exception explains it",
            )
        if (
            row.python is not None
            and m["cp"] != py_tag(row.python)
            and ("wheel-python" not in accepted)
        ):
            self.add(
                "warning",
                "wheel-python",
                path,
                f"the wheel is cp{m['cp']} but the row says Python {row.python}, and no "
                "exception explains it",
            )

    def sagemaker_suffix(self, section: str, rows: list[FrameworkRelease]) -> None:
        with_suffix = [r.version for r in rows if r.tag and r.tag.endswith("-sagemaker")]
        if not with_suffix:
            return
        first = min(with_suffix)
        for i, row in enumerate(rows):
            if row.tag and not row.tag.endswith("-sagemaker") and row.version >= first:
                self.add(
                    "warning",
                    "tag-sagemaker",
                    (section, i, "tag"),
                    f"{row.tag!r} has no '-sagemaker' suffix although {section} tags have it "
                    f"from {first} on",
                )

    def duplicates(self) -> None:
        for section in ("pytorch", "tensorflow", "huggingface"):
            seen: dict[Version, int] = {}
            for i, row in enumerate(getattr(self.doc, section)):
                if row.version in seen:
                    self.add(
                        "error",
                        "duplicate-version",
                        (section, i, "version"),
                        f"version {row.version} is listed twice (first as {section}"
                        f"[{seen[row.version]}])",
                    )
                else:
                    seen[row.version] = i
        seen_l: dict[Version, int] = {}
        seen_base: dict[Version, int] = {}
        for i, lrow in enumerate(self.doc.pytorch_lightning):
            if lrow.pytorch in seen_base:
                self.add(
                    "error",
                    "duplicate-version",
                    ("pytorch_lightning", i, "pytorch"),
                    f"PyTorch {lrow.pytorch} has two Lightning rows",
                )
            seen_base.setdefault(lrow.pytorch, i)
            for j, version in enumerate(lrow.versions):
                if version in seen_l:
                    self.add(
                        "error",
                        "duplicate-version",
                        ("pytorch_lightning", i, "versions", j),
                        f"Lightning {version} is listed twice",
                    )
                seen_l.setdefault(version, i)

    def regions(self) -> None:
        doc = self.doc
        for name, region in doc.regions.items():
            if region.partition not in doc.partitions:
                self.add(
                    "error",
                    "region-partition",
                    ("regions", name, "partition"),
                    f"region {name} is in partition {region.partition!r}, which has no entry "
                    "under partitions (no DNS suffix)",
                )
            elif partition_of(name) != region.partition:
                self.add(
                    "warning",
                    "region-partition",
                    ("regions", name, "partition"),
                    f"region {name} is put in partition {region.partition!r}, but its name "
                    f"implies {partition_of(name)!r}",
                )
        named: list[tuple[Path, str]] = [
            (("smp", "regions", i), r) for i, r in enumerate(doc.smp.regions)
        ]
        for set_name, rset in doc.region_sets.items():
            named += [
                (("region_sets", set_name, "all_except", i), r)
                for i, r in enumerate(rset.all_except)
            ]
            named += [
                (("region_sets", set_name, "only", i), r) for i, r in enumerate(rset.only or [])
            ]
        for path, region_name in named:
            if region_name not in doc.regions:
                self.add(
                    "warning",
                    "region-unknown",
                    path,
                    f"region {region_name} has no entry under regions, so no account or partition",
                )

    def unconfirmed(self) -> None:
        for section in ("pytorch", "tensorflow", "pytorch_lightning", "huggingface"):
            for i, row in enumerate(getattr(self.doc, section)):
                if row.confidence is not Confidence.UNCONFIRMED:
                    continue
                label = getattr(row, "version", None) or getattr(row, "pytorch", "")
                if row.notes:
                    self.add(
                        "info",
                        "unconfirmed",
                        (section, i, "confidence"),
                        f"{section} {label} is unconfirmed; its notes tell users what to check",
                    )
                else:
                    self.add(
                        "warning",
                        "unconfirmed",
                        (section, i, "confidence"),
                        f"{section} {label} is unconfirmed and has no note saying what is "
                        "unconfirmed and what to check",
                    )
        for name, fw in self.doc.frameworks.items():
            for i, rule in enumerate(fw.availability):
                if rule.confidence is Confidence.UNCONFIRMED:
                    self.add(
                        "warning",
                        "unconfirmed",
                        ("frameworks", name, "availability", i, "confidence"),
                        f"the region availability of {name} {rule.versions} is unconfirmed",
                    )


def lint_document(doc: MatrixDocument, lines: LineMap, filename: str) -> list[LintFinding]:
    """Every smell in ``doc``; ``lines`` is the LineMap of its file."""
    return _Linter(doc, lines, filename).run()


def lint_file(path: str, *, strict: bool = False) -> LintReport:
    """Lint the matrix file at ``path``.

    The file must satisfy the schema (MatrixError otherwise, exit 7); the
    consistency checks are ``validate``'s job, and lint reports its own smells.
    """
    from pydantic import ValidationError

    from compat.matrix import read_matrix_bytes
    from compat.matrix.source import load_yaml
    from compat.matrix.validate import parse_document

    data = read_matrix_bytes(path)
    raw, lines = load_yaml(data, path)
    try:
        doc = MatrixDocument.model_validate(raw)
    except ValidationError:
        parse_document(data, path)  # raises MatrixError with every problem and its line
        raise  # pragma: no cover - parse_document always raises here
    return LintReport(path, strict, tuple(lint_document(doc, lines, path)))
