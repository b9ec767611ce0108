"""The rules of ``check``: id, name, default severity, what it means and where the fact is from.

Rules hold no versions: every value a rule compares comes from the matrix
(see :mod:`compat.check.facts`). Ids are stable: users select, ignore and
suppress them (``# smddp-compat: ignore[SMDDP003]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from compat.check.findings import Severity

#: Where the rules are documented; SARIF's helpUri and the text output point here.
HELP_BASE = "https://github.com/smddp-compat/smddp-compat#check-rules"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    #: Where the facts this rule checks come from.
    source: str

    @property
    def help_uri(self) -> str:
        return f"{HELP_BASE}-{self.id.lower()}"

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity.value,
            "summary": self.summary,
            "source": self.source,
            "help_uri": self.help_uri,
        }


_MATRIX = "the matrix (data/matrix.yaml)"

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "SMDDP001",
            "no-smddp-for-version",
            Severity.ERROR,
            "smddp is requested for a framework version that has no smddp release.",
            f"{_MATRIX}: release rows and frameworks.*.no_smddp",
        ),
        Rule(
            "SMDDP002",
            "py-version-mismatch",
            Severity.ERROR,
            "py_version is not the Python of the release's image.",
            f"{_MATRIX}: the release row's python",
        ),
        Rule(
            "SMDDP003",
            "unsupported-instance-type",
            Severity.ERROR,
            "smddp does not run on this instance type for the release's smddp version "
            "(without a release: in any release of the framework).",
            f"{_MATRIX}: instance_types.*.support",
        ),
        Rule(
            "SMDDP004",
            "single-instance",
            Severity.WARNING,
            "smddp on one instance: it pays off across nodes only.",
            f"{_MATRIX}: eligibility (instance_count)",
        ),
        Rule(
            "SMDDP005",
            "image-uri-mismatch",
            Severity.ERROR,
            "image_uri is a DLC image of another framework version, Python, partition or "
            "region, or of a repository without smddp.",
            f"{_MATRIX}: regions, partitions, frameworks.*.repository and release tags",
        ),
        Rule(
            "SMDDP006",
            "sdk-rejects-version",
            Severity.ERROR,
            "The SageMaker SDK rejects smdistributed for this framework version unless "
            "image_uri is given.",
            f"{_MATRIX}: the release notes on the SDK's smdistributed check (fw_utils.py)",
        ),
        Rule(
            "SMDDP007",
            "deprecated-smddp-api",
            Severity.WARNING,
            "The training script uses an smddp API that AWS deprecated.",
            f"{_MATRIX}: frameworks.pytorch.notes (AWSSUP-2023)",
        ),
        Rule(
            "SMDDP008",
            "smddp-backend-unavailable",
            Severity.ERROR,
            'The script selects backend="smddp", but its launcher or image cannot provide it.',
            f"{_MATRIX}: release rows, no_smddp and instance_types",
        ),
        Rule(
            "SMDDP009",
            "huggingface-no-image",
            Severity.ERROR,
            "No Hugging Face image pairs this transformers_version with this pytorch_version.",
            f"{_MATRIX}: huggingface rows",
        ),
        Rule(
            "SMDDP010",
            "unknown-value",
            Severity.INFO,
            "A launcher argument cannot be known without running the code; it was not checked.",
            "static analysis",
        ),
        Rule(
            "SMDDP011",
            "not-python",
            Severity.INFO,
            "A file or notebook cell is not valid Python (or not a valid notebook); skipped.",
            "static analysis",
        ),
        Rule(
            "SMDDP012",
            "unknown-framework-version",
            Severity.ERROR,
            "The framework version is not one the matrix knows for smddp.",
            f"{_MATRIX}: release rows",
        ),
    )
}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
