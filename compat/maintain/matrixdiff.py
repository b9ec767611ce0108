"""Compare two matrix files entry by entry, for review in a pull request.

A line diff of data/matrix.yaml mixes moved comments with changed facts. This
compares the validated documents instead: entries are matched by their natural
keys (a framework release by its version, a region by its name, a Lightning
row by its PyTorch version, ...) and each changed entry lists its changed
fields, so that a reviewer sees "pytorch 2.0.1: wheel.path: old -> new".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from compat.matrix.schema import MatrixDocument

#: Sections that are lists, and how an entry of each is named.
_LIST_KEYS: dict[str, str] = {
    "pytorch": "version",
    "tensorflow": "version",
    "huggingface": "version",
    "pytorch_lightning": "pytorch",
}


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One entry added, removed or changed (with its changed fields)."""

    section: str
    key: str
    change: str  # added | removed | changed
    fields: tuple[FieldChange, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.section} {self.key}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "key": self.key,
            "change": self.change,
            "fields": [f.to_dict() for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class MatrixDiff:
    old: str
    new: str
    changes: tuple[EntryChange, ...]

    @property
    def differ(self) -> bool:
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        counts = dict.fromkeys(("added", "removed", "changed"), 0)
        for c in self.changes:
            counts[c.change] += 1
        return {
            "old": self.old,
            "new": self.new,
            "differ": self.differ,
            **counts,
            "changes": [c.to_dict() for c in self.changes],
        }

    def to_text(self) -> str:
        if not self.changes:
            return f"{self.old} and {self.new} hold the same entries"
        out: list[str] = []
        for c in self.changes:
            out.append(f"{c.change:<8} {c.name}")
            for f in c.fields:
                out.append(f"  {f.field}: {_show(f.old)} -> {_show(f.new)}")
        return "\n".join(out)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False)


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


_MISSING: Any = _Missing()


def _entries(doc: MatrixDocument) -> dict[tuple[str, str], Any]:
    """Every entry of ``doc`` as JSON-ready data, by (section, natural key)."""
    dumped = doc.model_dump(mode="json", exclude_defaults=False)
    out: dict[tuple[str, str], Any] = {}
    for section, value in dumped.items():
        if section in _LIST_KEYS:
            key_field = _LIST_KEYS[section]
            for item in value:
                key = str(item[key_field])
                while (section, key) in out:  # a version listed twice stays visible
                    key += "'"
                out[(section, key)] = item
        elif isinstance(value, dict) and section not in ("smp", "quotas"):
            for name, item in value.items():
                out[(section, str(name))] = item
        else:
            out[(section, "")] = value
    return out


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def _field_changes(old: Any, new: Any) -> tuple[FieldChange, ...]:
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(old, "", a)
    _flatten(new, "", b)
    names = list(a) + [k for k in b if k not in a]
    return tuple(
        FieldChange(name or "(value)", a.get(name, _MISSING), b.get(name, _MISSING))
        for name in names
        if a.get(name, _MISSING) != b.get(name, _MISSING)
    )


def diff_documents(
    old: MatrixDocument, new: MatrixDocument, *, old_name: str = "old", new_name: str = "new"
) -> MatrixDiff:
    """Entries added, removed and changed from ``old`` to ``new``, in file order."""
    before = _entries(old)
    after = _entries(new)
    changes: list[EntryChange] = []
    for key, value in before.items():
        if key not in after:
            changes.append(EntryChange(*key, "removed"))
        else:
            fields = _field_changes(value, after[key])
            if fields:
                changes.append(EntryChange(*key, "changed", fields))
    changes.extend(EntryChange(*key, "added") for key in after if key not in before)
    return MatrixDiff(old_name, new_name, tuple(changes))


def diff_files(old_path: str, new_path: str) -> MatrixDiff:
    """Validate both files (MatrixError, exit 7, when either is invalid) and compare them."""
    from compat.matrix import read_matrix_bytes
    from compat.matrix.validate import parse_document

    old = parse_document(read_matrix_bytes(old_path), old_path)
    new = parse_document(read_matrix_bytes(new_path), new_path)
    return diff_documents(old, new, old_name=old_path, new_name=new_path)
