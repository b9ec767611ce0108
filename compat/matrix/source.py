"""Read a YAML matrix file safely, remembering the line of every value.

PyYAML alone is not enough for a data file that maintainers edit by hand: it
keeps the last of two duplicate keys without a word, turns ``1.10`` into the
float 1.1, expands alias bombs, and reports nothing about where a value came
from. This reader builds values straight from the parser's events (libyaml's
when present), refuses hostile input early, keeps every scalar as text
(pydantic does the typing), and records a line number per path so that errors
can say ``file:line``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from compat.errors import MatrixError
from compat.matrix.limits import MAX_BYTES, refuse_size

#: Nesting deeper than this is refused (the schema needs five levels).
MAX_DEPTH = 32
#: YAML nodes (scalars, mappings, lists, aliases) a matrix may hold. The shipped matrix
#: has about 2,500; the budget is counted from the parser's events as they come, so a
#: pathological file (900,000 one-line keys, a flow list of millions of items) is
#: refused after this many events, in bounded time and memory, before it is validated.
MAX_NODES = 100_000
#: Characters one scalar may hold (the longest note in the shipped matrix has ~600).
MAX_SCALAR_CHARS = 65_536
#: Plain scalars that mean "no value", and the tag that says so explicitly.
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NULL_TAG = "tag:yaml.org,2002:null"
#: The pending key of a mapping entry that is refused (and so not kept).
_DISCARD = "\0discard"

Path = tuple[Hashable, ...]


class LineMap:
    """Maps a value's path (keys and list indexes) to its 1-based line.

    Lines are needed only to report problems, so a valid file is parsed once
    without them; ``fill`` parses it again to record them on first use.
    """

    def __init__(self, fill: Callable[[LineMap], None] | None = None) -> None:
        self._lines: dict[Path, int] = {}
        self._fill = fill

    def set(self, path: Path, line: int) -> None:
        self._lines[path] = line

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of the nearest enclosing value that has one."""
        if self._fill is not None:
            fill, self._fill = self._fill, None
            fill(self)
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


def _decode(data: bytes, filename: str) -> str:
    if len(data) > MAX_BYTES:
        raise refuse_size(len(data), filename)
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
    """Parse ``data`` into plain dicts, lists, strings and ``None``, with lines.

    The parse budget is checked first, from the event stream alone, so that a
    pathological file is refused before any value of it is built.
    """
    text = _decode(data, filename)
    check_budget(text, filename)
    value = _build(text, filename, None)

    def fill(lines: LineMap) -> None:
        _build(text, filename, lines)

    return value, LineMap(fill=fill)


_BUDGET_HINT = "check that PATH names the matrix YAML file"


def check_budget(text: str, filename: str) -> None:
    """Refuse ``text`` past the parse budget, counting the parser's events and keeping none.

    Nodes (scalars, mappings, lists, aliases), nesting depth, the length of one
    scalar and the number of documents are bounded, so time and memory stay
    bounded whatever the file holds (within MAX_BYTES). Syntax errors are left to
    the parse that follows, which reports them with their line.
    """
    import yaml
    from yaml import events as ev

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    nodes = depth = documents = 0
    try:
        for event in iter(loader.get_event, None):
            kind = event.__class__
            if kind is ev.ScalarEvent:
                nodes += 1
                if len(event.value) > MAX_SCALAR_CHARS:
                    raise _over(
                        filename,
                        event,
                        f"a value of {len(event.value):,} characters; a matrix value may hold "
                        f"at most {MAX_SCALAR_CHARS:,}",
                    )
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                nodes += 1
                depth += 1
                if depth > MAX_DEPTH:
                    raise _over(filename, event, f"a nesting depth over {MAX_DEPTH} levels")
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                depth -= 1
            elif kind is ev.AliasEvent:
                nodes += 1
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise MatrixError(
                        f"{filename}:{event.start_mark.line + 1}: a matrix file holds one YAML "
                        "document, not several",
                        hint="remove the '---' line and what follows it, or split the file",
                    )
            if nodes > MAX_NODES:
                raise _over(
                    filename,
                    event,
                    f"more than {MAX_NODES:,} YAML values (keys, values, lists and mappings); "
                    "a matrix file holds a few thousand",
                )
    except yaml.YAMLError:
        return  # the parse that follows reports it, with its line
    finally:
        loader.dispose()


def _over(filename: str, event: Any, what: str) -> MatrixError:
    return MatrixError(
        f"{filename}:{event.start_mark.line + 1}: {what}, so this is not a matrix file "
        f"(parse budget: {MAX_NODES:,} values, {MAX_DEPTH} levels, "
        f"{MAX_SCALAR_CHARS:,} characters per value, one document)",
        hint=_BUDGET_HINT,
    )


def _build(text: str, filename: str, lines: LineMap | None) -> dict[str, Any]:
    """One pass over the parser's events; with ``lines``, recording every value's line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    builder = _Builder(filename, lines)
    try:
        # iter(get_event, None) pulls events in C; yaml.parse's generator costs
        # a sixth of the whole parse on a large file.
        builder.feed(iter(loader.get_event, None))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise MatrixError(
            f"{where}: not valid YAML: {exc.problem or exc.context}",
            hint="fix the YAML syntax at that line",
        ) from None
    except yaml.YAMLError as exc:
        raise MatrixError(f"{filename}: not valid YAML: {exc}") from None
    finally:
        loader.dispose()
    if builder.problems:
        if lines is None:
            return _build(text, filename, LineMap())  # again, to say where
        raise MatrixError(
            f"{filename}: {len(builder.problems)} problem(s) in the YAML",
            problems=builder.problems,
        )
    return builder.result()


class _Frame:
    """A mapping or list being built, and its path from the top."""

    __slots__ = ("container", "is_mapping", "path", "pending_key", "pending_line")

    def __init__(self, container: dict[str, Any] | list[Any], path: Path) -> None:
        self.container = container
        self.is_mapping = isinstance(container, dict)
        self.path = path
        self.pending_key: str | None = None  # a mapping's key awaiting its value
        self.pending_line = 0


class _Builder:
    """Builds values straight from parser events: no node tree, one pass.

    Refuses aliases, anchors' reuse, merge keys, non-scalar keys, duplicate
    keys and several documents, and records the line of every value.
    """

    def __init__(self, filename: str, lines: LineMap | None) -> None:
        self.filename = filename
        self.track = lines is not None
        self.lines = lines if lines is not None else LineMap()
        self.problems: list[str] = []
        self._root: Any = None
        self._documents = 0

    def _problem(self, line: int, path: Path, message: str) -> None:
        where = format_path(path)
        prefix = f"{self.filename}:{line}: "
        self.problems.append(prefix + (f"{where}: {message}" if where else message))

    def result(self) -> dict[str, Any]:
        if self._documents == 0 or self._root is None:
            raise MatrixError(
                f"{self.filename}: the file holds no YAML document",
                hint="a matrix file is a YAML mapping; see 'smddp-compat schema' for its shape",
            )
        if not isinstance(self._root, dict):
            kind = "list" if isinstance(self._root, list) else "scalar"
            raise MatrixError(
                f"{self.filename}:{self.lines.line_of(()) or 1}: the top level must be a mapping "
                f"of sections (sources, regions, pytorch, ...), not a {kind}",
                hint="see 'smddp-compat schema' for the file's shape",
            )
        return self._root

    def feed(self, events: Any) -> None:
        from yaml import events as ev

        track = self.track
        stack: list[_Frame] = []
        for event in events:
            kind = event.__class__
            if kind is ev.ScalarEvent:
                line = event.start_mark.line + 1 if track else 0
                if (event.implicit[0] and event.value in _NULLS) or event.tag == _NULL_TAG:
                    value: Any = None
                else:
                    value = event.value
                top = stack[-1] if stack else None
                if top is not None and top.pending_key is None and top.is_mapping:
                    self._key(top, value, line)
                else:
                    self._place(stack, value, line)
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                line = event.start_mark.line + 1 if track else 0
                top = stack[-1] if stack else None
                if top is not None and top.pending_key is None and top.is_mapping:
                    self._problem(line, top.path, "a mapping key must be a plain value")
                    top.pending_key = _DISCARD  # build the key's value, then drop it
                if len(stack) >= MAX_DEPTH:
                    self._problem(
                        line, self._value_path(stack), f"nested more than {MAX_DEPTH} levels deep"
                    )
                    return
                path = self._value_path(stack) if track else ()
                if track:
                    self.lines.set(path, line)
                stack.append(_Frame({} if kind is ev.MappingStartEvent else [], path))
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                frame = stack.pop()
                self._place(stack, frame.container, None)
            elif kind is ev.AliasEvent:
                line = event.start_mark.line + 1
                self._problem(
                    line,
                    self._value_path(stack),
                    "YAML aliases (*name) and merge keys are not allowed in a matrix file",
                )
                self._place(stack, None, line)
            elif kind is ev.DocumentStartEvent:
                self._documents += 1
                if self._documents > 1:
                    line = event.start_mark.line + 1
                    raise MatrixError(
                        f"{self.filename}:{line}: a matrix file holds one YAML document, not "
                        "several",
                        hint="remove the '---' line and what follows it, or split the file",
                    )

    @staticmethod
    def _value_path(stack: list[_Frame]) -> Path:
        if not stack:
            return ()
        top = stack[-1]
        if isinstance(top.container, dict):
            return (*top.path, top.pending_key)
        return (*top.path, len(top.container))

    def _key(self, frame: _Frame, key: Any, line: int) -> None:
        text = "" if key is None else str(key)
        if text == "<<":
            self._problem(line, frame.path, "YAML merge keys (<<) are not allowed")
            text = _DISCARD
        elif text in frame.container:
            first = self.lines.line_of((*frame.path, text))
            self._problem(
                line,
                (*frame.path, text),
                f"duplicate key (first defined on line {first}); remove one of them",
            )
            text = _DISCARD
        frame.pending_key = text
        frame.pending_line = line

    def _place(self, stack: list[_Frame], value: Any, line: int | None) -> None:
        if not stack:
            self._root = value
            if line is not None and self.track:
                self.lines.set((), line)
            return
        top = stack[-1]
        container = top.container
        if not top.is_mapping:
            assert isinstance(container, list)
            if line is not None and self.track:
                self.lines.set((*top.path, len(container)), line)
            container.append(value)
            return
        assert isinstance(container, dict)
        key = top.pending_key
        top.pending_key = None
        if key is None or key == _DISCARD:
            return
        if self.track:
            self.lines.set((*top.path, key), top.pending_line)
        container[key] = value
