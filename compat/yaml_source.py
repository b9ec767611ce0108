"""Read a YAML matrix file safely, remembering the line of every value.

PyYAML alone is not enough for a data file that maintainers edit by hand: it
keeps the last of two duplicate keys without a word, turns ``1.10`` into the
float 1.1, expands alias bombs, and reports nothing about where a value came
from. This reader composes the node tree (with libyaml when present), refuses
hostile input early, keeps every scalar as text (pydantic does the typing), and
records a line number per path so that errors can say ``file:line``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NoReturn

from compat.errors import MatrixError

#: A matrix file larger than this is refused before it is parsed.
MAX_BYTES = 16 * 1024 * 1024
#: Nesting deeper than this is refused (the schema needs five levels).
MAX_DEPTH = 32
#: The tag YAML's resolver gives a plain ``null``, ``~`` or empty value.
_NULL_TAG = "tag:yaml.org,2002:null"

Path = tuple[Hashable, ...]


class LineMap:
    """Maps a value's path (keys and list indexes) to its 1-based line."""

    def __init__(self) -> None:
        self._lines: dict[Path, int] = {}

    def set(self, path: Path, line: int) -> None:
        self._lines[path] = line

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of the nearest enclosing value that has one."""
        for end in range(len(path), -1, -1):
            line = self._lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def format_path(path: Path) -> str:
    """``('pytorch', 4, 'smddp')`` -> ``pytorch[4].smddp``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def refuse_size(size: int, filename: str) -> NoReturn:
    """Raise the error for a file too large to be a matrix."""
    raise MatrixError(
        f"{filename}: the file is {size / 1048576:.1f} MiB; a matrix file may be at "
        f"most {MAX_BYTES // 1048576} MiB",
        hint="check that PATH names the matrix YAML file and not another file",
    )


def _decode(data: bytes, filename: str) -> str:
    if len(data) > MAX_BYTES:
        refuse_size(len(data), filename)
    if not data.strip():
        raise MatrixError(
            f"{filename}: the file is empty",
            hint="a matrix file is a YAML mapping; see 'smddp-compat schema' for its shape",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise MatrixError(
            f"{filename}:{line}: the file holds binary data (a NUL byte), not YAML text",
            hint="check that PATH names the matrix YAML file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise MatrixError(
            f"{filename}:{line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start})",
            hint="save the file as UTF-8",
        ) from None


def load_yaml(data: bytes, filename: str) -> tuple[dict[str, Any], LineMap]:
    """Parse ``data`` into plain dicts, lists, strings and ``None``, with lines."""
    import yaml

    text = _decode(data, filename)
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise MatrixError(
            f"{where}: not valid YAML: {exc.problem or exc.context}",
            hint="fix the YAML syntax at that line",
        ) from None
    except yaml.YAMLError as exc:
        raise MatrixError(f"{filename}: not valid YAML: {exc}") from None
    except RecursionError:
        raise MatrixError(f"{filename}: the YAML is nested too deeply") from None
    if root is None:
        raise MatrixError(f"{filename}: the file holds no YAML document")
    if not isinstance(root, yaml.MappingNode):
        raise MatrixError(
            f"{filename}:{root.start_mark.line + 1}: the top level must be a mapping of "
            f"sections (sources, regions, pytorch, ...), not a {_kind(root)}",
            hint="see 'smddp-compat schema' for the file's shape",
        )
    lines = LineMap()
    builder = _Builder(filename, lines, yaml)
    value = builder.build(root, ())
    if builder.problems:
        raise MatrixError(
            f"{filename}: {len(builder.problems)} problem(s) in the YAML",
            problems=builder.problems,
        )
    assert isinstance(value, dict)
    return value, lines


def _kind(node: Any) -> str:
    name = type(node).__name__
    return {"ScalarNode": "scalar", "SequenceNode": "list", "MappingNode": "mapping"}.get(
        name, name
    )


class _Builder:
    """Turns composed nodes into Python values, refusing aliases and duplicates."""

    def __init__(self, filename: str, lines: LineMap, yaml: Any) -> None:
        self.filename = filename
        self.lines = lines
        self.yaml = yaml
        self.seen: set[int] = set()
        self.problems: list[str] = []

    def _problem(self, node: Any, path: Path, message: str) -> None:
        where = format_path(path)
        prefix = f"{self.filename}:{node.start_mark.line + 1}: "
        self.problems.append(prefix + (f"{where}: {message}" if where else message))

    def build(self, node: Any, path: Path, depth: int = 0) -> Any:
        self.lines.set(path, node.start_mark.line + 1)
        if id(node) in self.seen:
            self._problem(
                node, path, "YAML aliases (*name) and merge keys are not allowed in a matrix file"
            )
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self._problem(node, path, f"nested more than {MAX_DEPTH} levels deep")
            return None
        yaml = self.yaml
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _NULL_TAG:
                return None
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "a mapping key must be a plain value")
                continue
            key = key_node.value
            if key == "<<":
                self._problem(key_node, path, "YAML merge keys (<<) are not allowed")
                continue
            if key in result:
                first = self.lines.line_of((*path, key))
                self._problem(
                    key_node,
                    (*path, key),
                    f"duplicate key (first defined on line {first}); remove one of them",
                )
                continue
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result
