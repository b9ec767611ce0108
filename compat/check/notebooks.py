"""Jupyter notebooks: their code cells as Python, IPython magics neutralised, lines kept.

Read as nbformat JSON (v4, and v3's worksheets) with :mod:`json` only: nbformat
itself is not needed to read a notebook's cells. A magic line (``%pip``,
``!ls``, ``x = !cmd``, ``pip install`` typed bare, ``obj?``) becomes ``pass``
with the same indentation, so every other line keeps its number. A cell magic
(``%%bash``) makes its cell non-Python, except ``%%time``, ``%%capture`` and
such, whose body is Python, and ``%%writefile x.py``, whose body is a script.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass

#: Cell magics whose body is Python run in the kernel.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python", "python3"})
_LINE_MAGIC = re.compile(r"^(\s*)(?:[%!]|(?:pip|conda|mamba)\s+(?:install|uninstall)\b)")
_ASSIGN_MAGIC = re.compile(r"^(\s*)[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")
_HELP = re.compile(r"^(\s*)[\w.]+\?{1,2}\s*$")
_WRITEFILE = re.compile(r"^%%(?:writefile|file)\s+(?:-a\s+)?(\S+)\s*$")


class NotebookError(ValueError):
    """The file is not a notebook that can be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A code cell as Python: 1-based ``index`` among all cells, and its neutralised text."""

    index: int
    source: str
    #: Lines dropped from the top (a %%writefile line), added back to line numbers.
    line_offset: int = 0
    #: For a %%writefile cell: the file it writes (its body is a training script).
    writes: str | None = None
    #: A cell in another language (%%bash): not Python, skipped without a finding.
    foreign: bool = False
    #: The .ipynb file's line of each source line, where known (see :func:`file_lines`).
    file_lines: tuple[int, ...] = ()


def read_cells(text: str) -> list[Cell]:
    """The code cells of a notebook's JSON text, in order."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not valid notebook JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise NotebookError("not a notebook: the JSON document is not an object")
    cells = doc.get("cells")
    if cells is None and isinstance(doc.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in doc["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no 'cells' list")
    language = _language(doc)
    layout = file_lines(text, len(cells))
    out: list[Cell] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        where: tuple[int, ...] = ()
        if isinstance(source, list):
            if layout is not None and len(layout[number - 1]) == len(source):
                where = tuple(layout[number - 1])
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        parsed = neutralise(number, source, foreign=language not in ("python", ""))
        out.append(dataclasses.replace(parsed, file_lines=where) if where else parsed)
    return out


_SOURCE_KEY = re.compile(r'^\s*"(?:source|input)":\s*\[(.*)$')


def file_lines(text: str, cell_count: int) -> list[list[int]] | None:
    """Per cell (every cell, in order), the file line of each of its source lines.

    Jupyter writes a cell's source as a JSON list with one string per line, each on a
    line of its own. Where the file is laid out so, a finding in cell 7, line 12 can
    point at the file's own line; where it is not (a one-line file, a different
    writer), None, and the check points at the notebook as a whole.
    """
    lines = text.split("\n")
    starts = [n for n, line in enumerate(lines) if _SOURCE_KEY.match(line)]
    if len(starts) != cell_count:
        return None
    out: list[list[int]] = []
    for start in starts:
        numbers: list[int] = []
        match = _SOURCE_KEY.match(lines[start])
        if match is not None and match.group(1).strip():  # "source": [] or a one-line list
            out.append(numbers)
            continue
        n = start + 1
        while n < len(lines) and not lines[n].strip().startswith("]"):
            numbers.append(n + 1)  # 1-based
            n += 1
        out.append(numbers)
    return out


def _language(doc: dict[str, object]) -> str:
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return ""
    info = meta.get("language_info") or meta.get("kernelspec")
    if isinstance(info, dict):
        lang = info.get("name") or info.get("language")
        if isinstance(lang, str):
            return "python" if lang.lower().startswith(("python", "ipython")) else lang.lower()
    return ""


def neutralise(index: int, source: str, *, foreign: bool = False) -> Cell:
    """The cell's text with magics made harmless and line numbers kept."""
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        written = _WRITEFILE.match(first)
        if written:
            target = written.group(1)
            body = "\n".join(lines[1:])
            return Cell(index, body, 1, target, foreign or not target.endswith(".py"))
        magic = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if magic not in PYTHON_CELL_MAGICS:
            return Cell(index, "", foreign=True)
        lines = ["pass", *lines[1:]]
    out = []
    continued = False
    for line in lines:
        if continued:  # a magic continued with a backslash
            continued = line.rstrip().endswith("\\")
            out.append("")
            continue
        match = _LINE_MAGIC.match(line) or _ASSIGN_MAGIC.match(line) or _HELP.match(line)
        if match:
            out.append(f"{match.group(1)}pass")
            continued = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return Cell(index, "\n".join(out), foreign=foreign)
