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
"""

from __future__ import annotations

import difflib
import functools
import io
import json
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from compat.errors import MatrixError, UsageError
from compat.maintain.docpage import (
    ImageRef,
    LightningRow,
    NotAvailable,
    ReleaseRow,
    SupportPage,
    WheelRef,
)
from compat.matrix.schema import Framework, FrameworkRelease, LightningRelease, MatrixDocument

#: Matrix sections fed by the page, per framework.
RELEASE_SECTIONS = {"pytorch": "pytorch", "tensorflow": "tensorflow"}
_ROW_ORDER = (
    "version",
    "smddp",
    "python",
    "cuda",
    "os",
    "tag",
    "repository",
    "wheel",
    "smp_tag",
    "sources",
    "confidence",
    "notes",
)
_QUOTED = frozenset({"version", "smddp", "python", "cuda", "tag", "smp_tag", "pytorch", "path"})


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


# --- planning: pure comparison of the page with the document ------------------------


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


def plan_merge(page: SupportPage, doc: MatrixDocument, lines: Any, source: str) -> Plan:
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
    lines: Any,
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
        path: tuple[Any, ...] = (section, index, name)
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
    lines: Any,
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


# --- applying: ruamel.yaml tree + text splices ----------------------------------------


def ruamel_yaml() -> Any:
    """A configured round-trip ruamel.yaml, or a clear error when it is not installed."""
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise UsageError(
            "import-doc --merge needs ruamel.yaml to keep the matrix's comments and order",
            hint="pip install 'smddp-compat[maintainer]'",
        ) from None
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda rep, _data: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _tree_value(key: str, value: Any) -> Any:
    """A plain value as ruamel nodes, quoted and styled like the file."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _tree_value(k, v)
        return out
    if isinstance(value, list):
        seq = CommentedSeq([_tree_value(key, v) for v in value])
        if key in ("sources", "versions"):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and key in _QUOTED | {"versions", "base_url"}:
        return DoubleQuotedScalarString(value)
    return value


def _new_tree(section: str, row: dict[str, Any]) -> Any:
    tree = _tree_value(section, row)
    if section == "pytorch_lightning":
        tree.fa.set_flow_style()
    return tree


def _sort_key(section: str, item: Any) -> Version:
    return Version(str(item["pytorch"] if section == "pytorch_lightning" else item["version"]))


@dataclass
class _Splicer:
    """Line-based edits of the original text, applied bottom-up."""

    lines: list[str]
    edits: list[tuple[int, int, int, str]] = field(default_factory=list)  # line, col, end, text

    def insert_after(self, line: int, text: str) -> None:
        self.edits.append((line, 1 << 30, 0, text))

    def replace(self, line: int, col: int, end: int, text: str) -> None:
        self.edits.append((line, col, end, text))

    def apply(self) -> str:
        lines = list(self.lines)
        for line, col, end, text in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            if col == 1 << 30:
                lines[line + 1 : line + 1] = text.splitlines(keepends=True)
            else:
                old = lines[line]
                lines[line] = old[:col] + text + old[end:]
        return "".join(lines)


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _content_before(lines: list[str], line: int) -> int:
    """The last line before ``line`` that holds YAML content (not blank, not a comment)."""
    i = line - 1
    while i >= 0 and not _is_content(lines[i]):
        i -= 1
    return i


def _dump_item(yaml: Any, tree: Any) -> str:
    """One list item as the file writes it: ``  - key: value`` (the sequence offset is 2)."""
    out = io.StringIO()
    yaml.dump([tree], out)
    return out.getvalue()


def _flow_span(line_text: str, col: int) -> int | None:
    """The end (exclusive) of the one-line flow list starting at ``col``."""
    if col >= len(line_text) or line_text[col] != "[":
        return None
    end = line_text.find("]", col)
    return None if end < 0 else end + 1


def _render_flow(items: list[str], quoted: bool) -> str:
    return "[" + ", ".join(json.dumps(i) if quoted else i for i in items) + "]"


def _splice_list(
    splicer: _Splicer, original: Any, section: str, index: int, key: str, rendered: str
) -> bool:
    """Replace a one-line flow list in the text; False when it is not one."""
    line, col = original[section][index].lc.value(key)
    if not original[section][index][key].fa.flow_style():
        return False
    end = _flow_span(splicer.lines[line], col)
    if end is None:
        return False
    splicer.replace(line, col, end, rendered)
    return True


def _insert_rows(
    yaml: Any, splicer: _Splicer, tree: Any, original: Any, new_rows: list[tuple[str, Any]]
) -> bool:
    """Insert new rows newest first, in the tree and in the text; False if the text can't."""
    groups: dict[tuple[str, int], list[Any]] = {}
    for section, row in new_rows:
        item = _new_tree(section, row)
        version = _sort_key(section, item)
        seq = tree[section]
        seq.insert(
            next((i for i, old in enumerate(seq) if _sort_key(section, old) < version), len(seq)),
            item,
        )
        old_seq = original[section]
        old_at = next(
            (i for i, old in enumerate(old_seq) if _sort_key(section, old) < version),
            len(old_seq),
        )
        groups.setdefault((section, old_at), []).append(item)
    keys = list(original)
    for (section, old_at), items in groups.items():
        old_seq = original[section]
        if not old_seq:
            return False
        items.sort(key=functools.partial(_sort_key, section), reverse=True)
        blank = "\n" if section != "pytorch_lightning" else ""
        blocks = [_dump_item(yaml, item) for item in items]
        if old_at < len(old_seq):
            anchor = old_seq.lc.item(old_at)[0]
        else:
            following = keys.index(section) + 1
            anchor = len(splicer.lines)
            if following < len(keys):
                anchor = original.lc.key(keys[following])[0]
        after = _content_before(splicer.lines, anchor)
        if old_at == 0:
            splicer.insert_after(after, "".join(b + blank for b in blocks))
        else:
            splicer.insert_after(after, "".join(blank + b for b in blocks))
    return True


def _loads_to(yaml: Any, text: str, tree: Any) -> bool:
    """Whether ``text`` loads back to exactly ``tree`` (the splice did what the tree did)."""
    from ruamel.yaml.error import YAMLError

    try:
        return bool(yaml.load(text) == tree)
    except YAMLError:
        return False


def apply_plan(text: str, plan: Plan, source: str) -> tuple[str, list[str]]:
    """The merged file text, and notices about how it was produced."""
    yaml = ruamel_yaml()  # first: a clear error when ruamel.yaml is missing
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    tree = yaml.load(text)
    original = yaml.load(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    splicer = _Splicer(lines)
    spliced = True
    for section, index in plan.add_source:
        sources = tree[section][index]["sources"]
        sources.append(source)
        rendered = _render_flow([str(s) for s in sources], quoted=False)
        spliced &= _splice_list(splicer, original, section, index, "sources", rendered)
    for index, versions in plan.lightning_versions:
        tree["pytorch_lightning"][index]["versions"][:] = [
            DoubleQuotedScalarString(v) for v in versions
        ]
        rendered = _render_flow(versions, quoted=True)
        spliced &= _splice_list(splicer, original, "pytorch_lightning", index, "versions", rendered)
    spliced &= _insert_rows(yaml, splicer, tree, original, plan.new_rows)
    merged = splicer.apply()
    if spliced and _loads_to(yaml, merged, tree):
        return merged, []
    out = io.StringIO()
    yaml.dump(tree, out)
    return out.getvalue(), [
        "the file was re-emitted by ruamel.yaml (a list it had to change is not a one-line "
        "flow list): comments and order are kept, but alignment spaces may change"
    ]


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
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            merged.splitlines(keepends=True),
            fromfile=f"a/{matrix_path}",
            tofile=f"b/{matrix_path}",
        )
    )
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
    written = False
    if diff and not dry_run:
        from compat.matrix.atomic import write_text_atomic

        write_text_atomic(matrix_path, merged)
        written = True
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
