"""``--format text``: what a person reads in a terminal.

A resolution prints as a block of fields, a list of resolutions as a table.
Other results either write their own text (:class:`Textual`), are rows of a
table (:class:`TableRow`), or are records whose scalar fields make a table;
anything else prints as YAML.
"""

from __future__ import annotations

from abc import abstractmethod

from compat.render import Renderer, ResultInterface
from compat.results import Resolution

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


class Textual(ResultInterface):
    """A result that writes its own text form: reports, recipes, explanations."""

    __slots__ = ()
    methods = ("to_text",)

    @abstractmethod
    def to_text(self) -> str:
        """The result as lines for a person."""


class TableRow(ResultInterface):
    """A result shown as one row of a table (a list of them is the table)."""

    __slots__ = ()
    methods = ("text_headers", "text_row")

    @staticmethod
    @abstractmethod
    def text_headers() -> list[str]:
        """The column names, the same for every row of the class."""

    @abstractmethod
    def text_row(self) -> list[object]:
        """The cells of this row, in the order of :meth:`text_headers`."""


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain left-aligned text table; None shows as '-'."""
    cells = [[("-" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def resolution_text(res: Resolution) -> str:
    """One resolution as a heading and one aligned line per field."""
    where = f" in {res.region}" if res.region else ""
    head = f"{res.framework} {res.framework_version} with smddp {res.smddp_version}{where}"
    if res.base_framework:
        head += f" (on {res.base_framework} {res.base_framework_version})"
    py = f"{res.python_version} ({res.py_version})" if res.python_version else None
    fields: list[tuple[str, object]] = [
        ("image", res.image_ref),
        ("smp image", res.smp_image_uri),
        ("wheel", res.binary_url),
        ("python", py),
        ("cuda", res.cuda_version),
        ("os", res.os),
        ("instances", ", ".join(res.instance_types) or None),
    ]
    if res.requirements:
        fields.append(("requirements", ", ".join(res.requirements)))
    fields += [
        ("released", res.released),
        ("confidence", res.confidence),
        ("sources", ", ".join(s.id for s in res.sources)),
    ]
    lines = [head] + [f"  {k:<13}{'-' if v is None else v}" for k, v in fields]
    if res.notes:
        lines.append("notes:")
        lines += [f"  - {n}" for n in res.notes]
    return "\n".join(lines)


def resolutions_table(items: Sequence[Resolution]) -> str:
    """Several resolutions, one row each."""
    return table(
        ["framework", "version", "smddp", "python", "cuda", "image", "wheel"],
        [
            [
                r.framework,
                r.framework_version,
                r.smddp_version,
                r.python_version,
                r.cuda_version,
                r.image_ref,
                r.binary_url,
            ]
            for r in items
        ],
    )


def _records_table(value: list[object]) -> str | None:
    """A table of the scalar fields of a non-empty list of records, else None."""
    from compat.render.json import Record

    records = [v for v in value if isinstance(v, Record)]
    if len(records) != len(value):
        return None
    dicts = [r.to_dict() for r in records]
    headers = [k for k, v in dicts[0].items() if not isinstance(v, list | dict)]
    return table(headers, [[d[h] for h in headers] for d in dicts])


class TextRenderer(Renderer):
    __slots__ = ()

    def render(self, value: object) -> str:
        if isinstance(value, Resolution):
            return resolution_text(value)
        items = value if isinstance(value, list) and value else None
        if items is not None:
            resolutions = [v for v in items if isinstance(v, Resolution)]
            if len(resolutions) == len(items):
                return resolutions_table(resolutions)
        if isinstance(value, Textual):
            return str(value.to_text())
        if items is not None:
            rows = [v for v in items if isinstance(v, TableRow)]
            if len(rows) == len(items):
                return table(rows[0].text_headers(), [r.text_row() for r in rows])
            records = _records_table(items)
            if records is not None:
                return records
        from compat.render.yaml import dumps

        return dumps(value)
