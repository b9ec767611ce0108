"""A merge's edit of the matrix file: the diff it shows, and the atomic write.

``merge-page`` and ``import-sdk --merge`` both edit the file as text, validate
the result, then show this diff and write it (unless ``--dry-run``).
"""

from __future__ import annotations


def file_diff(path: str, before: str, after: str) -> str:
    """The unified diff of the file, as git shows it (``a/path``, ``b/path``); empty if same."""
    import difflib

    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


def write_edit(path: str, before: str, after: str, *, dry_run: bool) -> bool:
    """Write ``after`` over ``path`` atomically where it changes the file and this is not a
    dry run; whether it was written."""
    if after == before or dry_run:
        return False
    from compat.matrix.atomic import write_text_atomic

    write_text_atomic(path, after)
    return True
