"""Which files check reads: .gitignore semantics, default excludes and --exclude."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat.check.discovery import compile_pattern, discover


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "matches"),
    [
        ("*.py", "a/b/c.py", False, True),
        ("/top.py", "top.py", False, True),
        ("/top.py", "sub/top.py", False, False),
        ("build/", "x/build", True, True),
        ("build/", "x/build", False, False),  # directories only
        ("docs/**/*.ipynb", "docs/a/b/n.ipynb", False, True),
        ("docs/**/*.ipynb", "other/docs/n.ipynb", False, False),
        ("**/tmp", "a/tmp", True, True),
        ("a?.py", "ab.py", False, True),
        ("[ab].py", "c.py", False, False),
        ("# comment", "x", False, False),
    ],
)
def test_patterns(pattern: str, path: str, is_dir: bool, matches: bool) -> None:
    compiled = compile_pattern(pattern)
    if compiled is None:
        assert not matches
        return
    if compiled.dir_only and not is_dir:
        assert not matches
        return
    assert bool(compiled.regex.match(path)) is matches


def test_walk_honours_nested_gitignore_negation_and_defaults(tmp_path: Path) -> None:
    for rel in [
        "a.py",
        "n.ipynb",
        "notes.txt",
        "gen/x.py",
        "gen/keep.py",
        "sub/local.py",
        "sub/other.py",
        ".venv/lib/site.py",
        "node_modules/m.py",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / ".gitignore").write_text("gen/*\n!gen/keep.py\n")
    (tmp_path / "sub" / ".gitignore").write_text("/local.py\n")
    found = {Path(p).relative_to(tmp_path).as_posix() for p in discover([str(tmp_path)])}
    assert found == {"a.py", "n.ipynb", "gen/keep.py", "sub/other.py"}
    excluded = discover([str(tmp_path)], ["*.ipynb", "sub/"])
    assert {Path(p).relative_to(tmp_path).as_posix() for p in excluded} == {"a.py", "gen/keep.py"}
    everything = discover([str(tmp_path)], use_gitignore=False)
    assert len(everything) == 6  # still without .venv and node_modules
