"""Merge a parsed revision of AWS's page into the matrix file, for review.

The rule is that nothing is lost: rows that are new are added, a page value
that differs from ours is reported as a conflict with both values and both
sources (never written over ours), a page value that AWS is already known to
get wrong (an ``errata`` entry) is reported as such, and a row the page no
longer lists stays. The file keeps its comments, order and alignment: the
edit is made on the ruamel.yaml round-trip tree and spliced into the original
text at the lines ruamel reports, then checked to load back to exactly that
tree. The result must validate before it is written (atomically); otherwise
the old file stays as it was.

The work is in three modules: ``merge_plan`` (the pure comparison, deciding
every edit), ``merge_apply`` (the edits on the file's text) and ``yaml_splice``
(round-trip YAML and text splices); this one runs them and reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compat.errors import MatrixError
from compat.maintain.docpage import SupportPage
from compat.maintain.edits import file_diff, write_edit
from compat.maintain.merge_apply import apply_plan
from compat.maintain.merge_plan import Conflict, plan_merge


@dataclass(frozen=True, slots=True)
class MergeReport:
    """What a merge found and did; ``diff`` is the unified diff of the file."""

    matrix: str
    page: str
    source: str
    added: tuple[str, ...]
    confirmed: tuple[str, ...]
    sources_added: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    known_errata: tuple[str, ...]
    notices: tuple[str, ...]
    diff: str
    written: bool
    dry_run: bool

    @property
    def changed(self) -> bool:
        return bool(self.diff)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matrix": self.matrix,
            "page": self.page,
            "source": self.source,
            "added": list(self.added),
            "confirmed": list(self.confirmed),
            "sources_added": list(self.sources_added),
            "conflicts": [c.to_dict() for c in self.conflicts],
            "known_errata": list(self.known_errata),
            "notices": list(self.notices),
            "diff": self.diff,
            "written": self.written,
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        """The review summary (for stderr); the diff itself goes to stdout."""
        lines = [f"merged {self.page} into {self.matrix} as source {self.source}"]
        lines.append(f"  added: {', '.join(self.added) or 'nothing'}")
        lines.append(f"  confirmed: {len(self.confirmed)} entries")
        if self.sources_added:
            lines.append(f"  source {self.source} added to: {', '.join(self.sources_added)}")
        for item in self.known_errata:
            lines.append(f"  known erratum: {item}")
        lines.append(f"  conflicts: {len(self.conflicts)}")
        for c in self.conflicts:
            where = f"{self.matrix}:{c.line}" if c.line else self.matrix
            lines.append(f"    {c.entry}: {c.field} ({where})")
            lines.append(f"      matrix: {c.ours!r}  [{', '.join(c.our_sources)}]")
            lines.append(f"      page:   {c.theirs!r}  [{c.their_source}]")
        for notice in self.notices:
            lines.append(f"  note: {notice}")
        if self.dry_run:
            lines.append("  dry run: nothing written")
        elif self.written:
            lines.append(f"  wrote {self.matrix}")
        elif not self.diff:
            lines.append("  no change")
        return "\n".join(lines)

    def to_text(self) -> str:
        return self.diff.rstrip("\n") if self.diff else self.summary()


def merge_page(
    page: SupportPage,
    matrix_path: str,
    *,
    source: str = "AWSSUP",
    dry_run: bool = False,
) -> MergeReport:
    """Merge ``page`` into the matrix file at ``matrix_path`` (see the module docstring).

    Raises MatrixError when the matrix is invalid before the merge or would be
    after it (the file is then left as it was), UsageError for an unknown source.
    """
    from compat.matrix import read_matrix_bytes
    from compat.matrix.source import load_yaml
    from compat.matrix.validate import parse_document

    data = read_matrix_bytes(matrix_path)
    doc = parse_document(data, matrix_path)
    _raw, lines = load_yaml(data, matrix_path)
    plan = plan_merge(page, doc, lines, source)
    text = data.decode("utf-8")
    changed = bool(plan.new_rows or plan.add_source or plan.lightning_versions)
    merged, notices = apply_plan(text, plan, source) if changed else (text, [])
    diff = file_diff(matrix_path, text, merged)
    if diff:
        try:
            parse_document(merged.encode("utf-8"), matrix_path)
        except MatrixError as exc:
            raise MatrixError(
                f"the merged matrix would be invalid, so {matrix_path} is unchanged: "
                f"{len(exc.problems)} problem(s)",
                problems=exc.problems,
                hint="add what the new rows need by hand (an availability rule, notes), "
                "or merge with --dry-run to see the change",
            ) from None
    written = write_edit(matrix_path, text, merged, dry_run=dry_run)
    return MergeReport(
        matrix=matrix_path,
        page=page.filename,
        source=source,
        added=tuple(plan.added),
        confirmed=tuple(plan.confirmed),
        sources_added=tuple(plan.sources_added),
        conflicts=tuple(plan.conflicts),
        known_errata=tuple(plan.known_errata),
        notices=tuple(plan.notices + notices),
        diff=diff,
        written=written,
        dry_run=dry_run,
    )
