"""Merging a page into the matrix: new rows added, conflicts reported, nothing lost."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from compat.errors import MatrixError, UsageError
from compat.maintain.docpage import (
    ImageRef,
    NotAvailable,
    ReleaseRow,
    SupportPage,
    WheelRef,
    parse_page,
)
from compat.maintain.matrixdiff import diff_documents
from compat.maintain.merge import merge_page
from compat.matrix.validate import parse_document

from ..conftest import REPO, SEED_PAGE, Invoke, needs_shared
from .pages import CURRENT_PAGE

SHIPPED = REPO / "data" / "matrix.yaml"


@pytest.fixture
def matrix(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.yaml"
    path.write_bytes(SHIPPED.read_bytes())
    return path


def _line_after(path: Path, start: str, needle: str) -> int:
    """The 1-based line of the first ``needle`` after the line ``start`` in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = lines.index(start)
    return next(i for i, line in enumerate(lines[first:], first + 1) if needle in line)


def _lines_kept(old: str, new: str) -> bool:
    """Every line of ``old`` is in ``new``, in order (comments and alignment kept)."""
    it = iter(new.splitlines())
    return all(any(line == other for other in it) for line in old.splitlines())


def test_the_seed_page_confirms_the_shipped_matrix(matrix: Path) -> None:
    needs_shared(SEED_PAGE)
    page = parse_page(SEED_PAGE.read_text(encoding="utf-8"), "seed.txt")
    report = merge_page(page, str(matrix), source="AWSSUP-2023")
    assert report.conflicts == ()
    assert report.added == ()
    assert len(report.confirmed) == 17  # 9 PyTorch, 7 TensorFlow, 1 Lightning row
    assert report.known_errata == (
        "tensorflow 2.5.1: the page's repository 'tensorflow-inference' is recorded in the "
        "row's errata",
    )
    assert report.diff == ""
    assert not report.written
    assert matrix.read_bytes() == SHIPPED.read_bytes()


def test_merge_adds_new_rows_reports_conflicts_and_keeps_the_file(matrix: Path) -> None:
    before = matrix.read_text(encoding="utf-8")
    page = parse_page(CURRENT_PAGE, "page.md")
    report = merge_page(page, str(matrix))
    assert report.written
    assert report.added == (
        "pytorch 2.2.1",
        "tensorflow 2.10.0",
        "pytorch-lightning on pytorch 2.3.0: Lightning 2.2.6",
    )
    assert [c.to_dict() for c in report.conflicts] == [
        {
            "entry": "pytorch 2.4.0",
            "field": "wheel_base_url",
            "matrix": "https://smdataparallel.s3.us-east-1.amazonaws.com/binary/",
            "page": "https://smdataparallel.s3.amazonaws.com/binary/",
            "matrix_sources": ["DLC", "SDK"],
            "page_source": "AWSSUP, page.md:10",
            "line": _line_after(SHIPPED, '  - version: "2.4.0"', "wheel:"),
        }
    ]
    assert any("labels it 'v2.3.1'" in e for e in report.known_errata)
    assert any(e.startswith("pytorch 2.0.1: the page's wheel") for e in report.known_errata)
    after = matrix.read_text(encoding="utf-8")
    # Every original line stays (comments, alignment) but the one Lightning row that grew.
    removed = [
        line for line in report.diff.splitlines() if line.startswith("-") and line[1:2] != "-"
    ]
    assert removed == [
        '-  - {versions: ["2.2.5"], pytorch: "2.3.0", smddp: "2.3.0", sources: [AWSSUP], '
        "confidence: documented}"
    ]
    assert _lines_kept(before.replace('["2.2.5"]', '["2.2.6", "2.2.5"]'), after)
    doc = parse_document(after.encode(), str(matrix))
    versions = [str(r.version) for r in doc.pytorch]
    assert versions.index("2.2.1") == versions.index("2.3.0") + 1  # newest first
    new = doc.pytorch[versions.index("2.2.1")]
    assert (new.tag, new.smp_tag, new.python, new.cuda, new.os) == (
        "2.2.1-gpu-py310-cu121-ubuntu20.04-sagemaker",
        "2.2.1-gpu-py310-cu121",
        "3.10",
        "12.1",
        "ubuntu20.04",
    )
    assert new.wheel is not None
    assert new.wheel.base_url is None
    assert new.sources == ["AWSSUP"]
    tf = {str(r.version): r for r in doc.tensorflow}
    assert tf["2.10.0"].tag is None
    assert tf["2.10.0"].notes
    assert [str(v) for v in doc.pytorch_lightning[0].versions] == ["2.2.6", "2.2.5"]
    # The existing 2.4.0 row kept its own wheel base.
    row = next(r for r in doc.pytorch if str(r.version) == "2.4.0")
    assert row.wheel is not None
    assert row.wheel.base_url == "https://smdataparallel.s3.us-east-1.amazonaws.com/binary/"
    assert report.diff.startswith(f"--- a/{matrix}\n+++ b/{matrix}\n")
    assert '+  - version: "2.2.1"\n' in report.diff


def test_dry_run_writes_nothing(matrix: Path) -> None:
    page = parse_page(CURRENT_PAGE, "page.md")
    report = merge_page(page, str(matrix), dry_run=True)
    assert report.diff
    assert not report.written
    assert matrix.read_bytes() == SHIPPED.read_bytes()


def _release(framework: str, version: str, smddp: str, tag: str | None) -> ReleaseRow:
    repo = f"{framework}-training"
    image = (
        ImageRef("763104351884", None, "amazonaws.com", repo, tag)
        if tag
        else NotAvailable("Not available")
    )
    return ReleaseRow(framework, Version(version), version, Version(smddp), image, None, None, 7)


def test_a_merge_that_would_be_invalid_leaves_the_file(matrix: Path) -> None:
    # PyTorch 2.7.0 has no smddp (frameworks.pytorch.no_smddp): validation refuses the row.
    page = SupportPage("p.md", (_release("pytorch", "2.7.0", "2.6.0", None),), (), (), ())
    with pytest.raises(MatrixError) as info:
        merge_page(page, str(matrix))
    assert "would be invalid" in info.value.message
    assert any("no_smddp" in p for p in info.value.problems)
    assert matrix.read_bytes() == SHIPPED.read_bytes()


def test_unknown_source_is_a_usage_error(matrix: Path) -> None:
    page = SupportPage("p.md", (), (), (), ())
    with pytest.raises(UsageError) as info:
        merge_page(page, str(matrix), source="AWSDOC")
    assert "unknown source 'AWSDOC'" in info.value.message


def test_missing_ruamel_says_what_to_install(
    matrix: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Invoke, tmp_path: Path
) -> None:
    for name in [m for m in sys.modules if m.startswith("ruamel")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ruamel", None)
    monkeypatch.setitem(sys.modules, "ruamel.yaml", None)
    page = tmp_path / "page.md"
    page.write_text(CURRENT_PAGE, encoding="utf-8")
    result = run_cli("import-doc", str(page), "--merge", str(matrix))
    assert result.exit_code == 2
    assert "pip install 'smddp-compat[maintainer]'" in result.stderr
    assert matrix.read_bytes() == SHIPPED.read_bytes()


def test_import_doc_cli_merge(run_cli: Invoke, matrix: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(CURRENT_PAGE, encoding="utf-8")
    dry = run_cli("import-doc", str(page), "--merge", str(matrix), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.startswith(f"--- a/{matrix}\n")
    assert "conflicts: 1" in dry.stderr
    assert (
        "matrix: 'https://smdataparallel.s3.us-east-1.amazonaws.com/binary/'  [DLC, SDK]"
        in dry.stderr
    )
    assert "dry run: nothing written" in dry.stderr
    assert matrix.read_bytes() == SHIPPED.read_bytes()
    done = run_cli("import-doc", str(page), "--merge", str(matrix), "--format", "json")
    assert done.exit_code == 0
    data = json.loads(done.stdout)
    assert data["written"] is True
    assert len(data["conflicts"]) == 1
    again = run_cli("import-doc", str(page), "--merge", str(matrix), "--format", "json")
    assert json.loads(again.stdout)["diff"] == ""  # merging twice changes nothing more


# --- property: a merge never loses an existing entry ----------------------------------

_DOC = parse_document(SHIPPED.read_bytes(), str(SHIPPED))
#: Versions the shipped matrix lacks and would accept (availability covers them, no
#: no_smddp range holds them): a page that adds them merges. An invalid addition is
#: refused instead, which test_a_merge_that_would_be_invalid_leaves_the_file covers.
_NEW_VERSIONS = {
    "pytorch": ["2.2.1", "2.1.1", "1.13.0", "1.10.1"],
    "tensorflow": ["2.10.0", "2.9.0", "2.6.0"],
}


def _page_row(framework: str, row: object) -> ReleaseRow:
    from compat.matrix.schema import FrameworkRelease

    assert isinstance(row, FrameworkRelease)
    fw = _DOC.frameworks[framework]
    repo = row.repository or fw.repository or ""
    image = (
        ImageRef("763104351884", None, "amazonaws.com", repo, row.tag)
        if row.tag
        else NotAvailable("Not available")
    )
    wheel = None
    if row.wheel is not None:
        wheel = WheelRef(row.wheel.base_url or fw.wheel_base_url or "", row.wheel.path)
    return ReleaseRow(framework, row.version, str(row.version), row.smddp, image, None, wheel, 1)


def _new_page_row(framework: str, version: str) -> ReleaseRow:
    """A page row for a new ``version``, consistent with itself: the tag and the wheel
    path of the closest older row that follows every rule, with the version replaced."""
    wanted = Version(version)
    template = max(
        (
            r
            for r in getattr(_DOC, framework)
            if r.version < wanted and r.tag and not r.exceptions and not r.errata
        ),
        key=lambda r: r.version,
    )
    row = _page_row(framework, template)
    old = str(template.version)
    fields = {**_fields(row), "version": wanted, "label": version}
    if isinstance(row.image, ImageRef):
        assert row.image.tag.startswith(old + "-")
        fields["image"] = ImageRef(
            **{**_fields(row.image), "tag": version + row.image.tag[len(old) :]}
        )
    if isinstance(row.wheel, WheelRef):
        parts = row.wheel.path.split("/")
        assert parts[1] == old
        fields["wheel"] = WheelRef(row.wheel.base_url, "/".join([parts[0], version, *parts[2:]]))
    return ReleaseRow(**fields)


@st.composite
def edited_pages(draw: st.DrawFn) -> SupportPage:
    """The shipped rows, each kept, dropped or contradicted, plus new valid rows."""
    rows: list[ReleaseRow] = []
    for framework in ("pytorch", "tensorflow"):
        for row in getattr(_DOC, framework):
            action = draw(st.sampled_from(["keep", "drop", "smddp", "tag", "wheel", "na"]))
            base = _page_row(framework, row)
            if action == "drop":
                continue
            if action == "smddp":
                base = ReleaseRow(**{**_fields(base), "smddp": Version("9.9.9")})
            elif action == "tag" and isinstance(base.image, ImageRef):
                image = ImageRef(**{**_fields(base.image), "tag": base.image.tag + "-x"})
                base = ReleaseRow(**{**_fields(base), "image": image})
            elif action == "wheel" and isinstance(base.wheel, WheelRef):
                wheel = WheelRef(base.wheel.base_url, base.wheel.path.replace("/20", "/19", 1))
                base = ReleaseRow(**{**_fields(base), "wheel": wheel})
            elif action == "na":
                base = ReleaseRow(**{**_fields(base), "image": NotAvailable("Not available")})
            rows.append(base)
        for version in draw(st.lists(st.sampled_from(_NEW_VERSIONS[framework]), max_size=2)):
            rows.append(_new_page_row(framework, version))
    return SupportPage("random.md", tuple(rows), (), (), ())


def _fields(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def _merge_loses_nothing(page: SupportPage) -> tuple[int, int]:
    """Merge ``page`` into a copy of the shipped matrix and check that every entry is
    still there, unchanged but for a confirming source; (rows added, sources added)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "matrix.yaml"
        path.write_bytes(SHIPPED.read_bytes())
        report = merge_page(page, str(path))  # valid pages only: a refusal fails the test
        after = parse_document(path.read_bytes(), str(path))
    changes = diff_documents(_DOC, after).changes
    for change in changes:
        # Only additions: new rows, or a confirming source appended to a row's sources.
        assert change.change in ("added", "changed"), change
        for field in change.fields:
            assert field.field == "sources", change
            assert field.new[: len(field.old)] == field.old, change
            assert field.new[len(field.old) :] == ["AWSSUP"], change
    assert len([c for c in changes if c.change == "added"]) == len(report.added)
    assert len([c for c in changes if c.change == "changed"]) == len(report.sources_added)
    return len(report.added), len(report.sources_added)


def test_a_merge_never_loses_an_existing_entry() -> None:
    merged: list[tuple[int, int]] = []

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(page=edited_pages())
    def merge_loses_nothing(page: SupportPage) -> None:
        merged.append(_merge_loses_nothing(page))

    merge_loses_nothing()
    # The property ran on merges that did something: not only on refusals or no-ops.
    assert len(merged) >= 10
    assert sum(1 for added, _ in merged if added) >= 3
    assert sum(1 for _, sources in merged if sources) >= 3
