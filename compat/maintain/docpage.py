"""Parse AWS's smddp support page (Markdown) into typed rows.

The page "Supported Frameworks, AWS Regions, and Instances Types" of the
SageMaker developer guide is the documented source of most of the matrix, and
it changes. It is found in two forms: the 2023 form (backslash escapes such as
``\\.`` and ``\\_``, ``*<region>*`` in italics, ``v``-prefixed versions,
``smdistributed-dataparallel==v1.7.0``) and the current form (backticked URIs
with the region outside the backticks, ``<br>`` lists of several versions in
one cell, "Not available" cells, an SMP image column, a TensorFlow table
without URIs). Both are read into the same rows, in the matrix's own terms
(repository and tag, wheel base URL and path), so that a merge can compare
them field by field. Tables that are not understood are reported by heading,
never guessed at; malformed tables are errors with the line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from compat.errors import PageError
from compat.matrix.naming import DLC_TAG_RE, WHEEL_RE, cuda_of_tag, python_of_tag

#: Framework names as the page writes them (lower case) -> matrix framework.
PAGE_FRAMEWORKS: dict[str, str] = {"pytorch": "pytorch", "tensorflow": "tensorflow"}
KNOWN_NAMES = "PyTorch, TensorFlow, PyTorch Lightning"

IMAGE_RE = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\."
    r"(?P<region><[^<>\s]+>|\{[^{}\s]+\}|[a-z]{2,4}(?:-[a-z]+)+-[0-9])\."
    r"(?P<suffix>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/"
    r"(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*):"
    r"(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$"
)
SMP_TAG_RE = re.compile(r"^(?P<version>[0-9][^-]*)-gpu-py(?P<py>[0-9]+)-cu(?P<cu>[0-9]+)")
SMDDP_RE = re.compile(
    r"^(?:smdistributed[-_]dataparallel\s*==\s*)?[vV]?(?P<version>[0-9][0-9A-Za-z.+!-]*)$"
)
NOT_AVAILABLE_RE = re.compile(
    r"^(?:(?:currently\s+)?not\s+available\.?|n/a|[-\u2013\u2014])$", re.I
)
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
_BR_RE = re.compile(r"<br\s*/?>", re.I)
_ANCHOR_RE = re.compile(r"</?a\b[^>]*>", re.I)
_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_ESCAPABLE = set("\\`*_{}[]()#+-.!|<>~\"'")
_LIST_SPLIT_RE = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class NotAvailable:
    """A cell that says there is no such artifact ("Not available")."""

    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"not_available": self.text}


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image URI from the page, split as the matrix stores it."""

    account: str
    region: str | None  # None where the page writes a placeholder such as <region>
    dns_suffix: str
    repository: str
    tag: str

    def _tag_match(self) -> re.Match[str] | None:
        return DLC_TAG_RE.match(self.tag) or SMP_TAG_RE.match(self.tag)

    @property
    def python(self) -> str | None:
        m = self._tag_match()
        return None if m is None else python_of_tag(m["py"])

    @property
    def cuda(self) -> str | None:
        m = self._tag_match()
        return None if m is None else cuda_of_tag(m["cu"])

    @property
    def os(self) -> str | None:
        m = DLC_TAG_RE.match(self.tag)
        return None if m is None else m["os"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "dns_suffix": self.dns_suffix,
            "repository": self.repository,
            "tag": self.tag,
        }


@dataclass(frozen=True, slots=True)
class WheelRef:
    """A wheel URL from the page, split into base URL and path like the matrix."""

    base_url: str
    path: str

    @property
    def url(self) -> str:
        return self.base_url + self.path

    @property
    def smddp(self) -> str:
        m = WHEEL_RE.match(self.path)
        assert m is not None  # checked when parsed
        return m["smddp"]

    @property
    def python(self) -> str:
        m = WHEEL_RE.match(self.path)
        assert m is not None
        return python_of_tag(m["cp"])

    @property
    def cuda(self) -> str:
        m = WHEEL_RE.match(self.path)
        assert m is not None
        return cuda_of_tag(m["cu"])

    def to_dict(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "path": self.path, "url": self.url}


#: A URI cell: a reference, "Not available", or None where the table has no such column.
ImageCell = ImageRef | NotAvailable | None
WheelCell = WheelRef | NotAvailable | None


def _cell_dict(cell: ImageRef | WheelRef | NotAvailable | None) -> dict[str, Any] | None:
    return None if cell is None else cell.to_dict()


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """One framework version of a PyTorch or TensorFlow table."""

    framework: str
    version: Version
    label: str  # the version as the page writes it, such as "v1.13.1"
    smddp: Version
    image: ImageCell
    smp_image: ImageCell
    wheel: WheelCell
    line: int

    def facts(self) -> dict[str, str | None]:
        """What the row states, in the matrix's field names; unstated fields are absent.

        ``wheel`` is the wheel path and ``wheel_base_url`` its base; a
        "Not available" cell states None.
        """
        out: dict[str, str | None] = {"smddp": str(self.smddp)}
        if isinstance(self.wheel, WheelRef):
            out["python"] = self.wheel.python
            out["cuda"] = self.wheel.cuda
            out["wheel"] = self.wheel.path
            out["wheel_base_url"] = self.wheel.base_url
        elif isinstance(self.wheel, NotAvailable):
            out["wheel"] = None
        if isinstance(self.image, ImageRef):
            out["repository"] = self.image.repository
            out["tag"] = self.image.tag
            for name in ("python", "cuda", "os"):
                value = getattr(self.image, name)
                if value is not None:
                    out[name] = value
        elif isinstance(self.image, NotAvailable):
            out["tag"] = None
        if isinstance(self.smp_image, ImageRef):
            out["smp_tag"] = self.smp_image.tag
            if "python" not in out and self.smp_image.python is not None:
                out["python"] = self.smp_image.python
            if "cuda" not in out and self.smp_image.cuda is not None:
                out["cuda"] = self.smp_image.cuda
        elif isinstance(self.smp_image, NotAvailable):
            out["smp_tag"] = None
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "version": str(self.version),
            "label": self.label,
            "smddp": str(self.smddp),
            "image": _cell_dict(self.image),
            "smp_image": _cell_dict(self.smp_image),
            "wheel": _cell_dict(self.wheel),
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class LightningRow:
    """PyTorch Lightning versions that run on one PyTorch version's image."""

    versions: tuple[Version, ...]
    pytorch: Version
    smddp: Version
    image: ImageCell
    wheel: WheelCell
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "versions": [str(v) for v in self.versions],
            "pytorch": str(self.pytorch),
            "smddp": str(self.smddp),
            "image": _cell_dict(self.image),
            "wheel": _cell_dict(self.wheel),
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class InstanceTypeRow:
    name: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line}


@dataclass(frozen=True, slots=True)
class UnrecognisedTable:
    """A table the parser did not understand, reported rather than guessed at."""

    heading: str
    line: int
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "line": self.line, "columns": list(self.columns)}


@dataclass(frozen=True, slots=True)
class SupportPage:
    """Everything read from one revision of the page."""

    filename: str
    releases: tuple[ReleaseRow, ...]
    lightning: tuple[LightningRow, ...]
    instance_types: tuple[InstanceTypeRow, ...]
    unrecognised: tuple[UnrecognisedTable, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.filename,
            "releases": [r.to_dict() for r in self.releases],
            "lightning": [r.to_dict() for r in self.lightning],
            "instance_types": [r.to_dict() for r in self.instance_types],
            "unrecognised_tables": [t.to_dict() for t in self.unrecognised],
        }

    def to_text(self) -> str:
        from compat.render.text import table

        def image(cell: ImageCell) -> str | None:
            if isinstance(cell, ImageRef):
                return f"{cell.repository}:{cell.tag}"
            return None if cell is None else "not available"

        def wheel(cell: WheelCell) -> str | None:
            if isinstance(cell, WheelRef):
                return cell.path
            return None if cell is None else "not available"

        parts = [
            table(
                ["line", "framework", "version", "smddp", "image", "smp image", "wheel"],
                [
                    [
                        r.line,
                        r.framework,
                        r.version,
                        r.smddp,
                        image(r.image),
                        image(r.smp_image),
                        wheel(r.wheel),
                    ]
                    for r in self.releases
                ],
            )
        ]
        if self.lightning:
            parts.append(
                table(
                    ["line", "lightning", "pytorch", "smddp", "image"],
                    [
                        [
                            r.line,
                            ", ".join(map(str, r.versions)),
                            r.pytorch,
                            r.smddp,
                            image(r.image),
                        ]
                        for r in self.lightning
                    ],
                )
            )
        if self.instance_types:
            names = ", ".join(r.name for r in self.instance_types)
            parts.append(f"instance types: {names}")
        for t in self.unrecognised:
            parts.append(f"line {t.line}: table under {t.heading!r} not recognised; skipped")
        return "\n\n".join(parts)


# --- Markdown, cell by cell ---------------------------------------------------


def clean_cell(raw: str) -> str:
    """Markdown cell text as plain text: escapes undone, emphasis and code marks dropped.

    ``<br>`` becomes a newline so that lists in one cell stay apart.
    """
    text = _BR_RE.sub("\n", raw)
    text = _ANCHOR_RE.sub("", text)
    text = _LINK_RE.sub(lambda m: m[1] or m[2], text)
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append(text[i + 1])
            i += 2
            continue
        if char not in "*`":
            out.append(char)
        i += 1
    lines = (" ".join(part.split()) for part in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


def split_row(line: str) -> list[str]:
    """The raw cells of a table row, split on unescaped pipes."""
    cells: list[str] = []
    current: list[str] = []
    text = line.strip()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    cells.append("".join(current))
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        cells = cells[:-1]
    return cells


def column_kind(header: str) -> str:
    """What a column holds, from its header text (already cleaned)."""
    h = header.lower()
    if "lightning" in h and "version" in h:
        return "lightning"
    if re.search(r"\bsmp\b", h) or "model parallel" in h:
        return "smp_image"
    if "binary" in h or "wheel" in h or re.search(r"\burls?\b", h):
        return "wheel"
    if "image" in h or re.search(r"\buris?\b", h):
        return "image"
    if "version" in h and any(
        w in h for w in ("library", "smddp", "smdistributed", "dataparallel")
    ):
        return "smddp"
    if "instance type" in h:
        return "instance_type"
    if re.match(r"^.+?\s+versions?$", h):
        return "framework_version"
    return "other"


class _Parser:
    def __init__(self, text: str, filename: str) -> None:
        self.lines = text.splitlines()
        self.filename = filename
        self.heading = ""
        self.heading_line = 0
        self.releases: list[ReleaseRow] = []
        self.lightning: list[LightningRow] = []
        self.instance_types: list[InstanceTypeRow] = []
        self.unrecognised: list[UnrecognisedTable] = []

    def error(self, line: int, message: str, hint: str | None = None) -> PageError:
        return PageError(
            f"{self.filename}:{line}: {message}",
            hint=hint or "fix the page at that line, or report a new page form as a bug",
        )

    def parse(self) -> SupportPage:
        i = 0
        fenced = False
        while i < len(self.lines):
            line = self.lines[i]
            stripped = line.strip()
            if stripped.startswith(("```", "~~~")):
                fenced = not fenced
                i += 1
                continue
            if fenced:
                i += 1
                continue
            heading = _HEADING_RE.match(stripped)
            if heading is not None:
                self.heading = clean_cell(heading[2]).replace("\n", " ")
                self.heading_line = i + 1
                i += 1
                continue
            if stripped.startswith("|"):
                start = i
                while i < len(self.lines) and self.lines[i].strip().startswith("|"):
                    i += 1
                self.table(start, self.lines[start:i])
                continue
            i += 1
        return SupportPage(
            self.filename,
            tuple(self.releases),
            tuple(self.lightning),
            tuple(self.instance_types),
            tuple(self.unrecognised),
        )

    def table(self, start: int, block: list[str]) -> None:
        header = [clean_cell(c).replace("\n", " ") for c in split_row(block[0])]
        separator = [c.strip() for c in split_row(block[1])] if len(block) > 1 else []
        if not separator or not all(_SEPARATOR_CELL_RE.match(c) for c in separator):
            raise self.error(
                start + 2 if len(block) > 1 else start + 1,
                "a table header must be followed by a separator row such as | --- | --- |",
            )
        if len(separator) != len(header):
            raise self.error(
                start + 2,
                f"the separator row has {len(separator)} cells; the header has {len(header)}",
            )
        rows: list[tuple[int, list[str]]] = []
        for offset, raw in enumerate(block[2:]):
            line_no = start + 3 + offset
            cells = split_row(raw)
            if len(cells) != len(header):
                raise self.error(
                    line_no,
                    f"the row has {len(cells)} cells; the table's header "
                    f"(line {start + 1}) has {len(header)}",
                    hint="add the missing cells (AWS writes 'Not available' for none)",
                )
            rows.append((line_no, [clean_cell(c) for c in cells]))
        kinds = [column_kind(h) for h in header]
        self.classify(start + 1, header, kinds, rows)

    def classify(
        self, line: int, header: list[str], kinds: list[str], rows: list[tuple[int, list[str]]]
    ) -> None:
        if "lightning" in kinds:
            for need in ("framework_version", "smddp"):
                if need not in kinds:
                    raise self.error(line, f"the Lightning table has no {need} column")
            for line_no, cells in rows:
                self.lightning_row(line_no, dict(zip(kinds, cells, strict=True)))
            return
        if "smddp" in kinds:
            framework = self.framework_of(line, header, kinds)
            for line_no, cells in rows:
                self.release_rows(framework, line_no, dict(zip(kinds, cells, strict=True)))
            return
        if kinds == ["instance_type"]:
            for line_no, cells in rows:
                self.instance_types.append(InstanceTypeRow(cells[0], line_no))
            return
        self.unrecognised.append(
            UnrecognisedTable(self.heading or "(no heading)", line, tuple(header))
        )

    def framework_of(self, line: int, header: list[str], kinds: list[str]) -> str:
        if "framework_version" in kinds:
            name = header[kinds.index("framework_version")].lower()
            name = re.sub(r"\s+versions?$", "", name).strip()
            if name in PAGE_FRAMEWORKS:
                return PAGE_FRAMEWORKS[name]
            where = self.heading_line or line
            raise self.error(
                where,
                f"unknown framework {name!r} (table under heading {self.heading!r}, "
                f"line {line}); the page's frameworks are {KNOWN_NAMES}",
                hint="if AWS added a framework, add it to the matrix schema first",
            )
        heading = self.heading.lower()
        if heading in PAGE_FRAMEWORKS:
            return PAGE_FRAMEWORKS[heading]
        raise self.error(
            self.heading_line or line,
            f"unknown framework heading {self.heading!r} for the smddp table at line {line}; "
            f"the page's frameworks are {KNOWN_NAMES}",
        )

    # --- values ---------------------------------------------------------------

    def versions(self, line: int, text: str, what: str) -> list[tuple[Version, str]]:
        items = [t for t in _LIST_SPLIT_RE.split(text) if t]
        if not items:
            raise self.error(line, f"the {what} cell is empty")
        return [(self.version(line, item, what), item) for item in items]

    def version(self, line: int, text: str, what: str) -> Version:
        body = text[1:] if text[:1] in "vV" else text
        try:
            return Version(body)
        except InvalidVersion:
            raise self.error(line, f"{text!r} is not a {what} (such as v1.13.1)") from None

    def smddp(self, line: int, text: str) -> Version:
        items = [t for t in text.split("\n") if t]
        if len(items) != 1:
            raise self.error(line, f"expected one smddp version, got {text!r}")
        m = SMDDP_RE.match(items[0].replace(" ", ""))
        if m is None:
            raise self.error(
                line,
                f"{items[0]!r} is not an smddp version (such as "
                "smdistributed-dataparallel==v1.7.0)",
            )
        return self.version(line, m["version"], "smddp version")

    def image(self, line: int, text: str | None) -> ImageCell:
        if text is None:
            return None
        if NOT_AVAILABLE_RE.match(text):
            return NotAvailable(text)
        if not text:
            raise self.error(line, "empty image cell; AWS writes 'Not available' instead")
        m = IMAGE_RE.match(text)
        if m is None:
            raise self.error(
                line,
                f"broken image URI {text!r}: expected "
                "{account}.dkr.ecr.<region>.{dns_suffix}/{repository}:{tag}",
            )
        region = m["region"]
        return ImageRef(
            account=m["account"],
            region=None if region[0] in "<{" else region,
            dns_suffix=m["suffix"],
            repository=m["repository"],
            tag=m["tag"],
        )

    def wheel(self, line: int, text: str | None) -> WheelCell:
        if text is None:
            return None
        if NOT_AVAILABLE_RE.match(text):
            return NotAvailable(text)
        if not text:
            raise self.error(line, "empty wheel cell; AWS writes 'Not available' instead")
        form = (
            "https://{host}/.../{framework}/{version}/cu{NNN}/{date}/"
            "smdistributed_dataparallel-{smddp}-cp{XY}-cp{XY}-linux_x86_64.whl"
        )
        parts = urlsplit(text) if " " not in text and "\n" not in text else None
        if parts is None or parts.scheme != "https" or not parts.netloc or parts.query:
            raise self.error(line, f"broken wheel URL {text!r}: expected {form}")
        segments = parts.path.split("/")
        path = "/".join(segments[-5:])
        if len(segments) < 6 or not WHEEL_RE.match(path):
            raise self.error(line, f"broken wheel URL {text!r}: expected {form}")
        base = f"{parts.scheme}://{parts.netloc}{'/'.join(segments[:-5])}/"
        return WheelRef(base_url=base, path=path)

    def release_rows(self, framework: str, line: int, cells: dict[str, str]) -> None:
        version_text = cells.get("framework_version")
        if version_text is None:
            raise self.error(line, "the table has no framework version column")
        smddp = self.smddp(line, cells["smddp"])
        image = self.image(line, cells.get("image"))
        smp_image = self.image(line, cells.get("smp_image"))
        wheel = self.wheel(line, cells.get("wheel"))
        for version, label in self.versions(line, version_text, f"{framework} version"):
            self.releases.append(
                ReleaseRow(framework, version, label, smddp, image, smp_image, wheel, line)
            )

    def lightning_row(self, line: int, cells: dict[str, str]) -> None:
        versions = self.versions(line, cells["lightning"], "Lightning version")
        pytorch = self.versions(line, cells["framework_version"], "PyTorch version")
        if len(pytorch) != 1:
            raise self.error(line, "expected one PyTorch version per Lightning row")
        self.lightning.append(
            LightningRow(
                versions=tuple(v for v, _ in versions),
                pytorch=pytorch[0][0],
                smddp=self.smddp(line, cells["smddp"]),
                image=self.image(line, cells.get("image")),
                wheel=self.wheel(line, cells.get("wheel")),
                line=line,
            )
        )


def parse_page(text: str, filename: str = "<page>") -> SupportPage:
    """Every smddp table of the page ``text``; raises PageError on malformed Markdown."""
    return _Parser(text, filename).parse()


def read_page(path: str) -> SupportPage:
    """Read and parse the page at ``path``."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(8 * 1024 * 1024 + 1)
    except OSError as exc:
        raise PageError(
            f"{path}: cannot be read: {exc.strerror}", hint="pass the path of a Markdown file"
        ) from None
    if len(data) > 8 * 1024 * 1024:
        raise PageError(f"{path}: larger than 8 MiB; not a documentation page")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PageError(f"{path}:{line}: not UTF-8 text", hint="save the page as UTF-8") from None
    return parse_page(text, path)
