"""The check's output formats: one enum, one renderer each (text, JSON, SARIF, GitHub).

``check`` has formats of its own (SARIF for code scanning, workflow-command
annotations for GitHub) and none of resolve's one-value formats, so it keeps
its own small enum, with the same shape as :mod:`compat.output_format`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from enum import Enum
from typing import Any

from compat._version import __version__
from compat.check.findings import CheckReport, Finding, Location, Severity
from compat.check.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/smddp-compat/smddp-compat"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


class CheckFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"

    def __str__(self) -> str:
        return self.value


def render(report: CheckReport, fmt: CheckFormat | str) -> str:
    """``report`` in format ``fmt``, without a trailing newline."""
    return _RENDERERS[CheckFormat(str(fmt))](report)


def summary(report: CheckReport) -> str:
    """One line for stderr: what was found in how many files."""
    counts = [
        f"{report.count(s)} {s.value}{'s' if report.count(s) != 1 else ''}"
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    ]
    extra = f", {report.suppressed} suppressed" if report.suppressed else ""
    return (
        f"{', '.join(counts)}{extra} in {report.files_checked} "
        f"file{'s' if report.files_checked != 1 else ''} "
        f"({report.launchers} launcher{'s' if report.launchers != 1 else ''}, "
        f"{report.scripts} training script{'s' if report.scripts != 1 else ''})"
    )


def _text(report: CheckReport) -> str:
    lines = []
    for f in report.findings:
        lines.append(f"{f.location}: {f.rule} {f.severity.value}: {_one_line(f.message)}")
        if f.fix:
            lines.append(f"  fix: {_one_line(f.fix)}")
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _json(report: CheckReport) -> str:
    data = report.to_dict()
    data["rules"] = {r.id: r.to_dict() for r in RULES.values()}
    return json.dumps(data, indent=2)


def _uri(path: str) -> str:
    """A path relative to the working directory (SARIF's %SRCROOT%), with slashes."""
    rel = path
    if os.path.isabs(path):
        try:
            candidate = os.path.relpath(path)
        except ValueError:
            candidate = path
        if not candidate.startswith(".."):
            rel = candidate
    rel = rel.replace(os.sep, "/")
    return rel[2:] if rel.startswith("./") else rel


def _sarif_location(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(loc.path), "uriBaseId": "%SRCROOT%"},
    }
    if loc.cell is None:
        physical["region"] = {"startLine": loc.line, "startColumn": loc.column}
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.cell is not None:
        # A cell's line is not a line of the .ipynb file: name the cell, and point at the
        # file's line where the notebook's layout tells it (else at the notebook).
        out["logicalLocations"] = [
            {
                "name": f"cell {loc.cell}",
                "fullyQualifiedName": f"{_uri(loc.path)}:cell {loc.cell}:line {loc.line}",
                "kind": "module",
            }
        ]
        physical["region"] = {"startLine": loc.file_line or 1}
    return out


def _sarif_message(f: Finding) -> str:
    text = _one_line(f.message)
    if f.location.cell is not None:
        text = f"cell {f.location.cell}, line {f.location.line}: {text}"
    if f.fix:
        text += f" Fix: {_one_line(f.fix)}"
    return text


def _sarif(report: CheckReport) -> str:
    rule_ids = list(RULES)
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": f"{r.summary} Source: {r.source}."},
            "helpUri": r.help_uri,
            "help": {"text": f"{r.summary} See {r.help_uri}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
            "properties": {"source": r.source, "tags": ["sagemaker", "smddp"]},
        }
        for r in RULES.values()
    ]
    results = []
    for f in report.findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": _sarif_message(f)},
            "locations": [_sarif_location(f.location)],
            "properties": {"fix": f.fix, "sources": list(f.sources)},
        }
        if f.related:
            result["relatedLocations"] = [
                {"id": i, **_sarif_location(loc), "message": {"text": "launched from here"}}
                for i, loc in enumerate(f.related)
            ]
        results.append(result)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "smddp-compat",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot()}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(doc, indent=2)


def _srcroot() -> str:
    cwd = os.getcwd().replace(os.sep, "/")
    return "file://" + ("" if cwd.startswith("/") else "/") + cwd.rstrip("/") + "/"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: CheckReport) -> str:
    lines = []
    for f in report.findings:
        loc = f.location
        props = [f"file={_escape_property(_uri(loc.path))}"]
        if loc.cell is None:
            props += [f"line={loc.line}", f"col={loc.column}"]
        elif loc.file_line is not None:
            props.append(f"line={loc.file_line}")
        props.append(f"title={_escape_property(f'{f.rule} ' + RULES[f.rule].name)}")
        message = _sarif_message(f)
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


_RENDERERS: dict[CheckFormat, Callable[[CheckReport], str]] = {
    CheckFormat.TEXT: _text,
    CheckFormat.JSON: _json,
    CheckFormat.SARIF: _sarif,
    CheckFormat.GITHUB: _github,
}
