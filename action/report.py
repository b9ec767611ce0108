"""Turn smddp-compat's JSON into the GitHub Action's outputs, job summary and annotations.

The composite action (``action.yml``) runs ``smddp-compat ... --format json`` and
then this script, so that every output comes from the JSON the tool printed and
never from parsing its text. It uses the standard library only and exits with the
tool's exit code, so the step fails exactly when the tool did.

Environment (set by ``action.yml``):
    SMDDP_ACTION_COMMAND  ``resolve`` or ``preflight``
    SMDDP_ACTION_CODE     the tool's exit code
    SMDDP_ACTION_DIR      a folder with ``answer.json`` (stdout), ``stderr.txt`` and, for
                          preflight, ``resolve.json`` (the image and wheel of the release)
    SMDDP_ACTION_SKIP_REASON  why the action ran preflight without AWS, if it did
    GITHUB_OUTPUT, GITHUB_STEP_SUMMARY  the runner's files
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Action output name -> key in ``resolve --format json``.
RESOLVE_OUTPUTS = {
    "image-uri": "image_uri",
    "smp-image-uri": "smp_image_uri",
    "binary-url": "binary_url",
    "smddp-version": "smddp_version",
    "python-version": "python_version",
    "cuda-version": "cuda_version",
}


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or None when the tool printed none (a usage error)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def text(value: object) -> str:
    """An output value: JSON null is the empty string, lists are comma-separated."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def escape_data(message: str) -> str:
    """Escape a workflow command's message (GitHub's rules for ``::error::DATA``)."""
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command's property value (``title=...``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, title: str, message: str, hint: str | None) -> str:
    """One ``::error``/``::warning`` line: the message, then the hint on its own line."""
    body = message if not hint else f"{message}\nhint: {hint}"
    return f"::{level} title={escape_property(title)}::{escape_data(body)}"


def cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks as <br>, null as a dash."""
    shown = text(value) or "-"
    return shown.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    """A Markdown table."""
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append ``name<<delimiter`` blocks, safe for any value, to $GITHUB_OUTPUT."""
    delimiter = f"smddp_{uuid.uuid4().hex}"
    with open(path, "a", encoding="utf-8") as handle:
        for name, value in outputs.items():
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def resolve_outputs(answer: Mapping[str, Any] | None) -> dict[str, str]:
    """The image, wheel and version outputs from a resolve answer (empty when there is none)."""
    return {name: text((answer or {}).get(key)) for name, key in RESOLVE_OUTPUTS.items()}


def summarize_resolve(
    code: int, answer: dict[str, Any] | None, stderr: str
) -> tuple[str, list[str], list[str]]:
    """status, summary lines and annotations for ``resolve``."""
    if code == 0 and answer is not None and "error" not in answer:
        where = answer.get("region") or "no region"
        head = (
            f"### smddp-compat resolve: {answer.get('framework')} "
            f"{answer.get('framework_version')} in {where}"
        )
        rows = [
            ("image", answer.get("image_uri")),
            ("smp image", answer.get("smp_image_uri")),
            ("wheel", answer.get("binary_url")),
            ("smddp", answer.get("smddp_version")),
            ("python", answer.get("python_version")),
            ("cuda", answer.get("cuda_version")),
            ("instance types", answer.get("instance_types")),
            ("confidence", answer.get("confidence")),
        ]
        notes = [f"- {note}" for note in answer.get("notes") or []]
        lines = [head, "", *table(("field", "value"), rows)]
        if notes:
            lines += ["", "Notes:", "", *notes]
        return "ok", lines, []
    return "error", *failure("resolve", code, answer, stderr)


def failure(
    command: str, code: int, answer: dict[str, Any] | None, stderr: str
) -> tuple[list[str], list[str]]:
    """Summary and annotation for a failure the tool reported as an error object, or as text."""
    title = f"smddp-compat {command} (exit {code})"
    if answer is not None and "error" in answer:
        message, hint = text(answer.get("message")), text(answer.get("hint")) or None
        rows = [(answer.get("error"), message, hint)]
    else:
        # No JSON (a usage error from the option parser): show what the tool said.
        message = stderr.strip() or f"smddp-compat {command} exited {code} without a message"
        hint = None
        rows = [("error", message, None)]
    lines = [f"### {title}", "", *table(("error", "message", "hint"), rows)]
    return lines, [annotation("error", title, message, hint)]


def same_release(
    report: dict[str, Any] | None, answer: dict[str, Any] | None
) -> dict[str, Any] | None:
    """resolve's answer, when the preflight report's resolve check passed for that release.

    A preflight that printed no report, or whose resolve check failed, sets no image or
    version outputs: they would answer a question the step did not get to.
    """
    if report is None or answer is None:
        return None
    checks = {c.get("name"): c.get("status") for c in report.get("checks") or []}
    if checks.get("resolve") != "pass":
        return None
    keys = ("framework_version", "smddp_version")
    return answer if all(report.get(k) == answer.get(k) for k in keys) else None


def summarize_preflight(
    code: int, report: dict[str, Any] | None, stderr: str
) -> tuple[str, list[str], list[str]]:
    """status, summary lines and annotations for ``preflight``."""
    if report is None or "checks" not in report:
        return "error", *failure("preflight", code, report, stderr)
    status = text(report.get("status"))
    head = (
        f"### smddp-compat preflight: {status.upper()} (exit {code}): "
        f"{report.get('framework')} {report.get('framework_version') or report.get('version')} "
        f"in {report.get('region')}, "
        f"{report.get('instance_count')} x {report.get('instance_type')}"
    )
    checks = report["checks"]
    rows = [(c.get("name"), c.get("status"), c.get("message"), c.get("remedy")) for c in checks]
    lines = [head, "", *table(("check", "status", "message", "remedy"), rows)]
    notes = []
    for check in checks:
        if check.get("status") in ("fail", "error"):
            title = f"smddp-compat preflight: {check.get('name')} (exit {check.get('exit_code')})"
            notes.append(
                annotation("error", title, text(check.get("message")), check.get("remedy"))
            )
    not_checked = [c.get("name") for c in checks if c.get("status") == "skipped"]
    if not_checked and status not in ("fail", "error"):
        level = "error" if code else "warning"
        message = f"not checked: {', '.join(map(text, not_checked))} (status {status})"
        hint = os.environ.get("SMDDP_ACTION_SKIP_REASON") or None
        notes.append(annotation(level, f"smddp-compat preflight (exit {code})", message, hint))
    return status, lines, notes


def main() -> int:
    """Write outputs, summary and annotations; return the tool's exit code."""
    command = os.environ["SMDDP_ACTION_COMMAND"]
    code = int(os.environ["SMDDP_ACTION_CODE"])
    folder = Path(os.environ["SMDDP_ACTION_DIR"])
    answer = read_json(folder / "answer.json")
    try:
        stderr = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        stderr = ""
    if command == "preflight":
        status, lines, notes = summarize_preflight(code, answer, stderr)
        outputs = resolve_outputs(same_release(answer, read_json(folder / "resolve.json")))
    else:
        status, lines, notes = summarize_resolve(code, answer, stderr)
        outputs = resolve_outputs(answer if status == "ok" else None)
    outputs |= {"status": status, "exit-code": str(code)}
    if "GITHUB_OUTPUT" in os.environ:
        write_outputs(os.environ["GITHUB_OUTPUT"], outputs)
    if "GITHUB_STEP_SUMMARY" in os.environ:
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n\n")
    for line in notes:
        print(line, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
