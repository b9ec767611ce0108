"""Which files ``check`` reads: Python files and notebooks under the given paths.

Directories are walked with ``.gitignore``-style excludes: the ``.gitignore``
files found on the way (each applies below its own directory), the default
excludes (version control, virtual environments, caches) and ``--exclude``
patterns. A file named on the command line is always read, as ruff does.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass

#: Never walked into: they hold other people's code or nothing to check.
DEFAULT_EXCLUDES = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".ipynb_checkpoints",
    "site-packages",
    "build",
    "dist",
    ".eggs",
)
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One gitignore line, compiled: anchored to ``base`` or matching at any depth."""

    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    base: str  # the directory of the .gitignore ('' for --exclude)


def compile_pattern(line: str, base: str = "") -> Pattern | None:
    """A gitignore pattern line, or None for blank lines and comments."""
    text = line.rstrip("\n").rstrip()
    if not text or text.startswith("#"):
        return None
    negate = text.startswith("!")
    if negate:
        text = text[1:]
    text = text.replace("\\#", "#").replace("\\!", "!")
    dir_only = text.endswith("/")
    text = text.rstrip("/")
    if not text:
        return None
    anchored = "/" in text
    text = text.lstrip("/")
    parts = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif text.startswith("/**", i) and i + 3 == len(text):
            parts.append("/.*")
            i += 3
        elif text.startswith("**", i):
            parts.append(".*")
            i += 2
        elif text[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif text[i] == "?":
            parts.append("[^/]")
            i += 1
        elif text[i] == "[":
            end = text.find("]", i + 1)
            if end == -1:
                parts.append(re.escape(text[i]))
                i += 1
            else:
                parts.append(fnmatch.translate(text[i : end + 1])[4:-3])
                i = end + 1
        else:
            parts.append(re.escape(text[i]))
            i += 1
    body = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    return Pattern(re.compile(f"^{prefix}{body}$"), negate, dir_only, base)


class Excludes:
    """Decides, for a path relative to the walk's root, whether it is excluded."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns

    def with_file(self, directory: str, rel_dir: str) -> Excludes:
        """These excludes plus those of ``directory/.gitignore`` (if any)."""
        path = os.path.join(directory, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
        except OSError:
            return self
        added = [p for p in (compile_pattern(line, rel_dir) for line in lines) if p is not None]
        return Excludes(self.patterns + added) if added else self

    def excluded(self, rel: str, is_dir: bool) -> bool:
        result = False
        for p in self.patterns:
            if p.dir_only and not is_dir:
                continue
            sub = rel
            if p.base:
                if not rel.startswith(p.base + "/"):
                    continue
                sub = rel[len(p.base) + 1 :]
            if p.regex.match(sub):
                result = not p.negate
        return result


def discover(
    paths: list[str], exclude: list[str] | tuple[str, ...] = (), *, use_gitignore: bool = True
) -> list[str]:
    """The Python files and notebooks to check, in a stable order, without duplicates."""
    cli = [p for p in (compile_pattern(e) for e in exclude) if p is not None]
    defaults = [p for p in (compile_pattern(e + "/") for e in DEFAULT_EXCLUDES) if p is not None]
    out: list[str] = []
    seen: set[str] = set()
    for root in paths:
        if os.path.isfile(root):
            key = os.path.realpath(root)
            if key not in seen:
                seen.add(key)
                out.append(os.path.normpath(root))
            continue
        base = Excludes(defaults + cli)
        for found in _walk(root, "", base, use_gitignore):
            key = os.path.realpath(found)
            if key not in seen:
                seen.add(key)
                out.append(os.path.normpath(found))
    return out


def _walk(directory: str, rel: str, excludes: Excludes, use_gitignore: bool) -> list[str]:
    if use_gitignore:
        excludes = excludes.with_file(directory, rel)
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []
    files: list[str] = []
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if excludes.excluded(child_rel, is_dir):
            continue
        if is_dir:
            files.extend(_walk(entry.path, child_rel, excludes, use_gitignore))
        elif entry.name.endswith(SUFFIXES) and entry.is_file():
            files.append(entry.path)
    return files
