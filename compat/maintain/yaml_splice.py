"""Splicing edits into a YAML file's text so that its comments, order and alignment stay.

An edit is made twice: on the ruamel.yaml round-trip tree, which knows what the
file means and where each node is (line and column), and as a line-based splice
of the original text at those positions. The caller then checks that the
spliced text loads back to exactly the edited tree (:func:`loads_to`); when it
does not, the tree is re-emitted instead. ruamel.yaml is imported on use
(:func:`ruamel_yaml`), with a clear error when the ``maintainer`` extra is not
installed.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass, field
from typing import Any

from packaging.version import Version

from compat.errors import UsageError

#: Keys whose string values the file writes in double quotes (versions look like numbers).
_QUOTED = frozenset({"version", "smddp", "python", "cuda", "tag", "smp_tag", "pytorch", "path"})


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
class Splicer:
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


def render_flow(items: list[str], quoted: bool) -> str:
    return "[" + ", ".join(json.dumps(i) if quoted else i for i in items) + "]"


def splice_list(
    splicer: Splicer, original: Any, section: str, index: int, key: str, rendered: str
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


def insert_rows(
    yaml: Any, splicer: Splicer, tree: Any, original: Any, new_rows: list[tuple[str, Any]]
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


def loads_to(yaml: Any, text: str, tree: Any) -> bool:
    """Whether ``text`` loads back to exactly ``tree`` (the splice did what the tree did)."""
    from ruamel.yaml.error import YAMLError

    try:
        return bool(yaml.load(text) == tree)
    except YAMLError:
        return False
