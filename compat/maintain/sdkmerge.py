"""Merge what the SageMaker SDK adds into the matrix, never overwriting a recorded fact.

Only additions are merged, cited as source ``SDK``: a region the matrix does
not know yet (with the SDK's registry account and the partition its name
implies), and a region the SDK lists for every row that shares a region set.
Everything else that differs is a conflict, reported with both values and left
as the matrix has it: an account that differs, a region the matrix lists and
the SDK does not, a Python version, repository or tag. Regions the SDK lists
for some rows of a region set but not others are conflicts too (the set would
have to be split by hand).

The file is edited as text, line by line, so its comments and layout stay;
the result must validate and hold exactly the planned regions before it is
written (atomically). Otherwise nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compat.errors import MatrixError
from compat.maintain.edits import file_diff, write_edit
from compat.maintain.matrixdiff import _MISSING, _show
from compat.maintain.partitions import partition_of
from compat.maintain.sdkcompare import Comparison, RowDifference

if TYPE_CHECKING:
    from compat.matrix import Matrix
    from compat.matrix.schema import MatrixDocument

_WRAP = 92


@dataclass(frozen=True, slots=True)
class SdkConflict:
    """A difference the merge leaves alone: both values, and why."""

    entry: str
    field: str
    matrix: Matrix
    sdk: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "field": self.field,
            "matrix": None if self.matrix is _MISSING else self.matrix,
            "sdk": None if self.sdk is _MISSING else self.sdk,
            "reason": self.reason,
        }

    def to_text(self) -> str:
        return (
            f"conflict {self.entry}: {self.field}: matrix {_show(self.matrix)}, "
            f"SDK {_show(self.sdk)}: {self.reason}"
        )


@dataclass
class MergePlan:
    """What a merge would change."""

    new_regions: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (partition, acct)
    join: dict[str, list[str]] = field(default_factory=dict)  # region set: regions added to it
    exclude: dict[str, list[str]] = field(default_factory=dict)  # all_except sets: new regions
    conflicts: list[SdkConflict] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.new_regions or self.join)

    def summary(self) -> list[str]:
        out = [
            f"add region {name} (partition {partition}, account {account}, source SDK)"
            for name, (partition, account) in self.new_regions.items()
        ]
        out += [
            f"add {', '.join(regions)} to region set {name} (check that its description still "
            "holds)"
            for name, regions in self.join.items()
        ]
        out += [
            f"keep {', '.join(regions)} out of region set {name} (the SDK data read does not "
            "list it for every row of that set; check that its description still holds)"
            for name, regions in self.exclude.items()
        ]
        return out


@dataclass(frozen=True, slots=True)
class SdkMergeReport:
    """A comparison and what merging it did (or, with dry_run, would do)."""

    comparison: Comparison
    matrix: str
    plan: MergePlan
    diff: str
    written: bool
    dry_run: bool

    @property
    def conflicts(self) -> list[SdkConflict]:
        return self.plan.conflicts

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.comparison.to_dict(),
            "matrix": self.matrix,
            "merged": self.plan.summary(),
            "conflicts": [c.to_dict() for c in self.plan.conflicts],
            "dry_run": self.dry_run,
            "written": self.written,
            "diff": self.diff,
        }

    def to_text(self) -> str:
        out = [self.comparison.to_text()]
        out += [f"merge: {line}" for line in self.plan.summary()]
        out += [c.to_text() for c in self.plan.conflicts]
        if not self.plan.changes:
            out.append("merge: nothing to add")
        elif self.dry_run:
            out.append("dry run: nothing written")
        elif self.written:
            out.append(f"written: {self.matrix}")
        return "\n".join(out)


def plan_merge(doc: MatrixDocument, matrix: Matrix, comparison: Comparison) -> MergePlan:
    """Decide the additions and the conflicts of ``comparison`` (a validated ``doc``)."""
    plan = MergePlan()
    by_set: dict[str, list[RowDifference]] = {}
    compared_sets, uncompared = _set_members(matrix, comparison)
    offered: dict[str, dict[str, str]] = {}  # region -> {row name: account}
    for diff in comparison.differences:
        for change in diff.fields:
            region = change.field.removeprefix("registries.")
            if region == change.field or diff.framework == "smp":
                plan.conflicts.append(_conflict(diff, change.field, change.old, change.new))
                continue
            if change.old is _MISSING:
                offered.setdefault(region, {})[diff.name] = change.new
                if diff.region_set is not None:
                    by_set.setdefault(diff.region_set, []).append(diff)
            else:
                reason = (
                    "the matrix lists the region and the SDK does not; kept (check it and "
                    "remove it by hand if it is gone)"
                    if change.new is _MISSING
                    else "the accounts differ; the matrix keeps its own"
                )
                plan.conflicts.append(_conflict(diff, change.field, change.old, change.new, reason))
    for region, rows in offered.items():
        _plan_region(plan, doc, region, rows, compared_sets, uncompared)
    return plan


def _conflict(
    diff: RowDifference,
    name: str,
    ours: Any,
    theirs: Any,
    reason: str = "the matrix keeps its own value",
) -> SdkConflict:
    return SdkConflict(diff.name, name, ours, theirs, reason)


def _set_members(
    matrix: Matrix, comparison: Comparison
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Region set -> the rows with a DLC image that use it: those compared, and the others."""
    compared: dict[str, list[str]] = {}
    uncompared: dict[str, list[str]] = {}
    for fw in ("pytorch", "tensorflow", "huggingface"):
        for rel in matrix.compiled["releases"][fw]:
            name = f"{fw} {rel['version']}"
            if rel["tag"] is None or not rel["region_set"]:
                continue
            target = uncompared if name in comparison.not_in_sdk else compared
            target.setdefault(rel["region_set"], []).append(name)
    return compared, uncompared


def _plan_region(
    plan: MergePlan,
    doc: Any,
    region: str,
    rows: dict[str, str],
    compared_sets: dict[str, list[str]],
    uncompared: dict[str, list[str]],
) -> None:
    known = region in doc.regions
    accounts = set(rows.values())
    if len(accounts) > 1:
        for row, account in rows.items():
            plan.conflicts.append(
                SdkConflict(
                    row, f"registries.{region}", _MISSING, account,
                    "the SDK gives this region different accounts in different rows; not added",
                )
            )  # fmt: skip
        return
    account = accounts.pop()
    if known and doc.regions[region].dlc_account != account:
        for row in rows:
            plan.conflicts.append(
                SdkConflict(
                    row, f"registries.{region}", doc.regions[region].dlc_account, account,
                    "the SDK's account differs from the matrix's for this region; not added",
                )
            )  # fmt: skip
        return
    joined: list[str] = []
    for set_name, members in compared_sets.items():
        listing = [row for row in members if row in rows]
        if not listing:
            continue
        unseen = uncompared.get(set_name, [])
        if unseen:
            for row in listing:
                plan.conflicts.append(
                    SdkConflict(
                        row, f"registries.{region}", _MISSING, account,
                        f"region set {set_name} also serves {', '.join(unseen)}, which the "
                        f"SDK data read does not have; add {region} by hand if it holds for them",
                    )
                )  # fmt: skip
            continue
        if len(listing) < len(members):
            lacking = [row for row in members if row not in rows]
            for row in listing:
                plan.conflicts.append(
                    SdkConflict(
                        row, f"registries.{region}", _MISSING, account,
                        f"the SDK lists {region} for {', '.join(listing)} but not for "
                        f"{', '.join(lacking)}, which share region set {set_name}; split the "
                        "set by hand",
                    )
                )  # fmt: skip
            continue
        joined.append(set_name)
    if not joined:
        return
    if not known:
        partition = partition_of(region)
        if partition not in doc.partitions:
            plan.conflicts.append(
                SdkConflict(
                    ", ".join(rows), f"registries.{region}", _MISSING, account,
                    f"partition {partition} is not in the matrix; add the region by hand",
                )
            )  # fmt: skip
            return
        plan.new_regions[region] = (partition, account)
        # A new region would join every all_except set; keep it out of those it did not join.
        for set_name, rset in doc.region_sets.items():
            if rset.only is None and set_name not in joined:
                plan.exclude.setdefault(set_name, []).append(region)
    for set_name in joined:
        rset = doc.region_sets[set_name]
        if rset.only is not None or region in rset.all_except:
            plan.join.setdefault(set_name, []).append(region)


def apply_plan(text: str, doc: Any, plan: MergePlan, filename: str) -> str:
    """The matrix text with the plan's regions added; comments and layout kept."""
    from compat.matrix.source import load_yaml

    _raw, lines_map = load_yaml(text.encode("utf-8"), filename)
    lines = text.split("\n")
    edits: list[tuple[int, int, list[str]]] = []  # (first index, end index, replacement)
    names = sorted(doc.regions)
    for region, (partition, account) in sorted(plan.new_regions.items()):
        following = [n for n in names if n > region]
        anchor = following[0] if following else names[-1]
        anchor_line = lines_map.line_of(("regions", anchor))
        if anchor_line is None:
            raise MatrixError(f"{filename}: cannot find region {anchor}; nothing written")
        at = anchor_line - 1 if following else anchor_line
        key = f"{region}:".ljust(17)
        part = f"{partition},".ljust(11)
        entry = f'  {key}{{partition: {part} dlc_account: "{account}", sources: [SDK]}}'
        edits.append((at, at, [entry]))
    for set_name, rset in doc.region_sets.items():
        add = plan.join.get(set_name, [])
        exclude = plan.exclude.get(set_name, [])
        if not add and not exclude:
            continue
        field_name = "only" if rset.only is not None else "all_except"
        line = lines_map.line_of(("region_sets", set_name, field_name))
        header = lines_map.line_of(("region_sets", set_name))
        if header is None or line is None:
            raise MatrixError(f"{filename}: cannot find region set {set_name}; nothing written")
        current = list(rset.only if rset.only is not None else rset.all_except)
        if field_name == "only":
            wanted = current + [r for r in add if r not in current]
        else:
            wanted = [r for r in current if r not in add] + [r for r in exclude if r not in current]
        if line == header:  # no such key yet: a line of its own
            edits.append((header, header, [f"    {field_name}: [{', '.join(wanted)}]"]))
        else:
            edits.append(_flow_list_edit(lines, line - 1, field_name, wanted, filename))
    for first, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[first:end] = replacement
    return "\n".join(lines)


def _flow_list_edit(
    lines: list[str], index: int, key: str, items: list[str], filename: str
) -> tuple[int, int, list[str]]:
    """Replace the flow list ``key: [...]`` that starts on line ``index`` (it may wrap).

    Items only appended keep every line as it was but the last, which grows (or
    wraps); a list that loses an item is written again.
    """
    m = re.match(rf"^(\s*{re.escape(key)}:\s*)\[", lines[index])
    if m is None:
        raise MatrixError(
            f"{filename}:{index + 1}: expected '{key}: [...]' to edit; nothing written",
            hint="write the list as a one-line or wrapped [...] list, or edit it by hand",
        )
    end = index
    while "]" not in lines[end]:
        end += 1
        if end >= len(lines):
            raise MatrixError(f"{filename}:{index + 1}: the list never closes; nothing written")
    indent = " " * (len(m.group(1)) + 1)
    body = " ".join(line.strip() for line in lines[index : end + 1])
    current = [i.strip() for i in body[body.index("[") + 1 : body.index("]")].split(",")]
    current = [i for i in current if i]
    tail = lines[end][lines[end].index("]") + 1 :]
    if items[: len(current)] == current:
        out = lines[index:end]
        head = lines[end][: lines[end].index("]")]
        for item in items[len(current) :]:
            fresh = head.rstrip().endswith("[")
            candidate = head + ("" if fresh else ", ") + item
            if len(candidate) + 1 > _WRAP and not fresh:
                out.append(head + ",")
                head = indent + item
            else:
                head = candidate
        return index, end + 1, [*out, head + "]" + tail]
    prefix = m.group(1) + "["
    pieces = [item + ("," if i < len(items) - 1 else "]") for i, item in enumerate(items)]
    rendered: list[str] = []
    line, fresh = prefix, True
    for piece in pieces or ["]"]:
        if not fresh and len(line) + 1 + len(piece) > _WRAP:
            rendered.append(line)
            line = indent + piece
        else:
            line += piece if fresh else " " + piece
        fresh = False
    rendered.append(line + tail)
    return index, end + 1, rendered


def merge_sdk(
    comparison: Comparison, matrix: Matrix, matrix_path: str, *, dry_run: bool
) -> SdkMergeReport:
    """Plan the merge of ``comparison`` into the file at ``matrix_path``, and write it."""
    from compat.matrix import read_matrix_bytes
    from compat.matrix.validate import parse_document

    data = read_matrix_bytes(matrix_path)
    doc = parse_document(data, matrix_path)
    plan = plan_merge(doc, matrix, comparison)
    text = data.decode("utf-8")
    merged = apply_plan(text, doc, plan, matrix_path) if plan.changes else text
    if merged != text:
        _check_merged(merged, doc, plan, matrix_path)
    diff = file_diff(matrix_path, text, merged)
    written = write_edit(matrix_path, text, merged, dry_run=dry_run)
    return SdkMergeReport(comparison, matrix_path, plan, diff, written, dry_run)


def _check_merged(merged: str, doc: Any, plan: MergePlan, filename: str) -> None:
    """The merged text must validate and hold exactly the planned regions, or nothing is written."""
    from compat.matrix.compiler import compile_document
    from compat.matrix.validate import parse_document

    try:
        new = parse_document(merged.encode("utf-8"), filename)
    except MatrixError as exc:
        raise MatrixError(
            f"the merged matrix would not be valid; nothing was written to {filename}",
            problems=exc.problems or (exc.message,),
            hint="merge the SDK's change by hand",
        ) from None
    before = compile_document(doc, "")["region_sets"]
    after = compile_document(new, "")["region_sets"]
    for name in before:
        expected = set(before[name]) | set(plan.join.get(name, []))
        if doc.region_sets[name].only is None:
            expected |= {r for r in plan.new_regions if r not in plan.exclude.get(name, [])}
        if set(after.get(name, [])) != expected:
            raise MatrixError(
                f"the merged matrix's region set {name} is not what was planned; nothing was "
                f"written to {filename}",
                hint="merge the SDK's change by hand",
            )
    for region, (partition, account) in plan.new_regions.items():
        entry = new.regions.get(region)
        if entry is None or (entry.partition, entry.dlc_account) != (partition, account):
            raise MatrixError(
                f"the merged matrix lacks region {region} as planned; nothing was written to "
                f"{filename}",
                hint="merge the SDK's change by hand",
            )
