"""Typed findings of ``check`` and the report over them.

Every face (text, JSON, SARIF, GitHub annotations, the library) renders these
same objects; ``to_dict`` keys are the documented JSON keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from compat.exit_codes import ExitCode


class Severity(str, Enum):
    """How bad a finding is: an error fails the check, a warning fails it with --strict."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file, a 1-based line and column, and a notebook cell.

    ``cell`` is the 1-based index of a notebook cell (counting every cell, as
    Jupyter numbers them on screen); ``line`` is then the line within that cell.
    """

    path: str
    line: int = 1
    column: int = 1
    cell: int | None = None
    #: For a notebook cell: the line of the .ipynb file that holds this source line, where the
    #: file stores one source line per JSON line (as Jupyter writes it); for SARIF and GitHub.
    file_line: int | None = None

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.path}:cell {self.cell}:line {self.line}:{self.column}"
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "cell": self.cell,
            "file_line": self.file_line,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or one thing that could not be checked) in the user's code."""

    rule: str
    severity: Severity
    message: str
    location: Location
    fix: str | None = None
    #: The matrix sources the fact comes from, as ``ID: title (url)``.
    sources: tuple[str, ...] = ()
    #: Other places this finding is about (the launcher of a script, and so on).
    related: tuple[Location, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
            "location": self.location.to_dict(),
            "related": [r.to_dict() for r in self.related],
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The findings of one check run, sorted by file and position, and what was read."""

    findings: tuple[Finding, ...]
    files_checked: int
    launchers: int = 0
    scripts: int = 0
    strict: bool = False
    suppressed: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def exit_code(self) -> ExitCode:
        """1 when an error was found (or, with ``strict``, a warning); 0 otherwise."""
        failing = {Severity.ERROR, Severity.WARNING} if self.strict else {Severity.ERROR}
        if any(f.severity in failing for f in self.findings):
            return ExitCode.UNEXPECTED  # 1: "findings", as ruff and flake8 exit
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "files_checked": self.files_checked,
            "launchers": self.launchers,
            "scripts": self.scripts,
            "summary": {s.value: self.count(s) for s in Severity},
            "suppressed": self.suppressed,
            "strict": self.strict,
            "exit_code": int(self.exit_code),
            "findings": [f.to_dict() for f in self.findings],
        }
