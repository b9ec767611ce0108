"""The web page at GET /: every release per framework, a resolve form, eligibility, compare.

Rendered on the server from the library's own results, every value escaped;
the page decides nothing. The releases table and the availability grid are
rendered for one region (the address's ``region``); picking another region
loads the page for it (``/?region=...`` live, ``index-{region}.html`` in the
static copy), so no script ever builds an image URI. The answer panel shows
what ``/v1/resolve`` (or the static copy's stored answer) returns, and
``static/page.js`` only asks, looks up and renders: filters, sorting, tabs
and copy buttons are presentation. No inline script or style, so the strict
Content-Security-Policy holds; no outside resource, so it works offline.
Static files are addressed by a hash of their content (:func:`asset_names`)
so they can be cached for a year while the HTML is revalidated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from compat._version import __version__

if TYPE_CHECKING:
    from compat.catalog import FrameworkInfo, InstanceTypeInfo, RegionInfo
    from compat.results import Resolution
    from compat.service.state import Snapshot

#: The region the eligibility check uses when none is chosen (shown on the page).
DEFAULT_ELIGIBILITY_REGION = "us-east-1"
#: The page's files, by name, with their media types.
STATIC_TYPES = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}

#: Human labels of the answer's fields, in the order the answer panel shows them.
LABELS: tuple[tuple[str, str], ...] = (
    ("image_uri", "DLC image URI"),
    ("smp_image_uri", "SMP image URI"),
    ("binary_url", "smddp wheel URL"),
    ("python_version", "Python"),
    ("cuda_version", "CUDA"),
    ("os", "OS"),
    ("instance_types", "Instance types"),
    ("requirements", "Requirements"),
    ("released", "Released"),
    ("confidence", "Confidence"),
    ("alternatives", "Alternatives"),
    ("notes", "Notes"),
    ("corrections", "Corrections to AWS's page"),
    ("sources", "Sources"),
)


def asset_names(static: dict[str, bytes]) -> dict[str, str]:
    """``page.js`` -> ``page.<hash>.js``: a URL that changes whenever the file does."""
    names = {}
    for name, body in static.items():
        stem, _, ext = name.rpartition(".")
        names[name] = f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}.{ext}"
    return names


@dataclass(frozen=True)
class Row:
    """One release as the page shows it, in the page's region (``res``) and without one."""

    res: Resolution
    #: The release in the page's region, or None where it is not published there.
    here: Resolution | None
    #: repository:tag of its SMP image (the path of the library's SMP image URI), if any.
    smp_ref: str | None = None


@dataclass(frozen=True)
class PageModel:
    frameworks: list[FrameworkInfo]
    regions: list[RegionInfo]
    instance_types: list[InstanceTypeInfo]
    plain: list[Resolution]
    #: region -> (framework, version) -> Resolution in that region
    by_region: dict[str, dict[tuple[str, str], Resolution]]


def build_model(snapshot: Snapshot) -> PageModel:
    """Everything the page shows, from compat.resolve_all and the catalog; once per matrix."""
    if snapshot.page_model:
        model: PageModel = snapshot.page_model[0]
        return model
    from compat.catalog import list_frameworks, list_instance_types, list_regions
    from compat.resolver import resolve_all

    m = snapshot.matrix
    regions = list_regions(matrix=m)
    model = PageModel(
        frameworks=list_frameworks(matrix=m),
        regions=regions,
        instance_types=list_instance_types(matrix=m),
        plain=resolve_all(matrix=m),
        by_region={
            r.name: {
                (x.framework, x.framework_version): x for x in resolve_all(None, r.name, matrix=m)
            }
            for r in regions
        },
    )
    snapshot.page_model[:] = [model]
    return model


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _breakable(text: str) -> str:
    """``text`` escaped, with line-break opportunities after / : and - (tokens stay whole)."""
    out = escape(text)
    for mark in ("/", ":", "-"):
        out = out.replace(mark, mark + "<wbr>")
    return out


def _copy_button(label: str) -> str:
    return f'<button type="button" class="copy" aria-label="{_attr(label)}">Copy</button>'


def _sort_key(version: str | None) -> str:
    """A text that sorts like the version (zero-padded parts); empty sorts first."""
    if not version:
        return ""
    from packaging.version import InvalidVersion, Version

    try:
        parts = Version(version).release
    except InvalidVersion:
        return version
    return ".".join(f"{p:05d}" for p in parts)


def _wheel_parts(plain: list[Resolution]) -> dict[str, str]:
    """framework -> the wheel URL prefix every release shares (shown once, not per row)."""
    out: dict[str, str] = {}
    for res in plain:
        if res.binary_url is None:
            continue
        path = res.binary_url.split("/", 3)[-1]
        known = out.get(res.framework)
        if known is None:
            out[res.framework] = path.rsplit("/", 1)[0] + "/"
            continue
        while known and not path.startswith(known):
            known = known[:-1].rsplit("/", 1)[0] + "/" if "/" in known[:-1] else ""
        out[res.framework] = known
    return out


def _image_cell(row: Row, region: str | None) -> str:
    res = row.res
    label = f"Copy the DLC image URI of {res.framework} {res.framework_version}"
    if region is not None and row.here is None:
        return (
            '<td class="image" data-label="DLC image"><span class="none">not published in '
            f"{escape(region)}</span></td>"
        )
    shown = row.here if region is not None else res
    assert shown is not None
    text = shown.image_uri if region is not None else shown.image_ref
    if text is None:
        return (
            '<td class="image" data-label="DLC image"><span class="none">no DLC image</span></td>'
        )
    return (
        f'<td class="image" data-label="DLC image"><code>{_breakable(text)}</code>'
        f"{_copy_button(label)}</td>"
    )


def _smp_cell(row: Row, region: str | None) -> str:
    res = row.res
    shown = row.here if region is not None else res
    text = None
    if shown is not None:
        text = shown.smp_image_uri if region is not None else row.smp_ref
    if text is None:
        return '<td class="smp" data-label="SMP image"><span class="none">-</span></td>'
    label = f"Copy the SMP image URI of {res.framework} {res.framework_version}"
    return (
        f'<td class="smp" data-label="SMP image"><code>{_breakable(text)}</code>'
        f"{_copy_button(label)}</td>"
    )


def _smp_refs(model: PageModel) -> dict[tuple[str, str], str]:
    """(framework, version) -> repository:tag of its SMP image, from any region's answer."""
    refs: dict[tuple[str, str], str] = {}
    for found in model.by_region.values():
        for key, res in found.items():
            if res.smp_image_uri is not None and key not in refs:
                refs[key] = res.smp_image_uri.split("/", 1)[1]
    return refs


def _list(items: list[str], cls: str) -> str:
    if not items:
        return ""
    return f'<ul class="{cls}">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _sources(res: Resolution) -> str:
    return ", ".join(
        f'<a href="{_attr(s.url)}" rel="noopener noreferrer" title="{_attr(s.title)}">'
        f"{escape(s.id)}</a>"
        if s.url
        else f'<span title="{_attr(s.title)}">{escape(s.id)}</span>'
        for s in res.sources
    )


def _row(row: Row, region: str | None, wheel_prefix: str) -> str:
    res = row.res
    shown = row.here or res
    base = ""
    if res.base_framework:
        base = (
            f'<span class="sub">on {escape(res.base_framework)} '
            f"{escape(res.base_framework_version or '')}</span>"
        )
    released = f'<span class="sub">released {escape(res.released)}</span>' if res.released else ""
    wheel = '<span class="none">no wheel</span>'
    if res.binary_url:
        tail = res.binary_url.split("/", 3)[-1].removeprefix(wheel_prefix)
        wheel = (
            f'<code title="{_attr(res.binary_url)}" data-copy="{_attr(res.binary_url)}">'
            f"{_breakable(tail)}</code>"
            + _copy_button(f"Copy the wheel URL of {res.framework} {res.framework_version}")
        )
    notes = [escape(n) for n in shown.notes]
    notes += [
        f"AWS documents {escape(c.field)} as <code>{escape(c.documented)}</code>: {escape(c.note)}"
        for c in shown.corrections
    ]
    if res.requirements:
        notes.insert(0, "Needs " + escape(", ".join(res.requirements)))
    count = len(notes)
    notes_cell = (
        f"<details><summary>{count} note{'s' if count != 1 else ''}</summary>"
        f"{_list(notes, 'notes')}</details>"
        if notes
        else ""
    )
    types = " ".join(res.instance_types)
    types_list = _list([escape(t) for t in res.instance_types], "types")
    text = " ".join(
        str(v)
        for v in (
            res.framework_version,
            res.smddp_version,
            res.python_version,
            res.cuda_version,
            res.os,
            types,
            res.image_tag,
            res.confidence,
        )
        if v
    ).lower()
    return (
        f'<tr data-framework="{_attr(res.framework)}" data-version="{_attr(res.framework_version)}"'
        f' data-smddp="{_attr(res.smddp_version)}" data-python="{_attr(res.python_version or "")}"'
        f' data-cuda="{_attr(res.cuda_version or "")}" data-types="{_attr(types)}"'
        f' data-text="{_attr(text)}" data-k-version="{_sort_key(res.framework_version)}"'
        f' data-k-smddp="{_sort_key(res.smddp_version)}"'
        f' data-k-python="{_sort_key(res.python_version)}"'
        f' data-k-cuda="{_sort_key(res.cuda_version)}"'
        f' data-k-released="{_attr(res.released or "")}">'
        f'<th scope="row" data-label="Version">{escape(res.framework_version)}{base}{released}</th>'
        f'<td data-label="smddp">{escape(res.smddp_version)}</td>'
        f'<td data-label="Python / CUDA / OS" class="env"><span class="vals"><span>'
        f"{escape(res.python_version or '-')}</span> <span>{escape(res.cuda_version or '-')}"
        f"</span> <span>{escape(res.os or '-')}</span></span></td>"
        f"{_image_cell(row, region)}"
        f"{_smp_cell(row, region)}"
        f'<td class="wheel" data-label="Wheel">{wheel}</td>'
        f'<td data-label="Instance types">{types_list or "-"}</td>'
        f'<td data-label="Confidence"><span class="confidence c-{_attr(res.confidence)}">'
        f"{escape(res.confidence)}</span></td>"
        f'<td class="notes" data-label="Notes and sources">{notes_cell}'
        f'<p class="sources">Sources: {_sources(res) or "-"}</p></td>'
        "</tr>"
    )


_COLUMNS = (
    ("Version", "version"),
    ("smddp", "smddp"),
    ("Python / CUDA / OS", "python cuda"),
    ("DLC image", None),
    ("SMP image", None),
    ("Wheel", None),
    ("Instance types", None),
    ("Confidence", None),
    ("Notes and sources", None),
)


def _head() -> str:
    cells = []
    for title, key in _COLUMNS:
        if key is None:
            cells.append(f'<th scope="col">{title}</th>')
        elif " " in key:
            buttons = " / ".join(
                f'<button type="button" class="sort" data-sort="{k}">{t}'
                '<span class="arrow" aria-hidden="true"></span></button>'
                for k, t in zip(key.split(), title.split(" / "), strict=False)
            )
            cells.append(f'<th scope="col" data-sort="{key}">{buttons} / OS</th>')
        else:
            cells.append(
                f'<th scope="col" data-sort="{key}"><button type="button" class="sort"'
                f' data-sort="{key}">{title}<span class="arrow" aria-hidden="true"></span>'
                "</button></th>"
            )
    return "".join(cells)


def _framework_section(
    fw: FrameworkInfo, rows: list[Row], region: str | None, wheel_prefix: str
) -> str:
    body = "".join(_row(r, region, wheel_prefix) for r in rows if r.res.framework == fw.name)
    notes = "".join(f"<li>{escape(n)}</li>" for n in (*fw.notes, *fw.no_smddp))
    aliases = escape(", ".join(fw.aliases))
    runs_on = f"; runs on {escape(fw.runs_on)}" if fw.runs_on else ""
    wheel = (
        f"; wheel URLs end in the path shown under <code>{_breakable(wheel_prefix)}</code>"
        if wheel_prefix
        else ""
    )
    fid = _attr(fw.name)
    return (
        f'<section class="framework" id="fw-{fid}" aria-labelledby="h-{fid}">'
        f'<h3 id="h-{fid}">{escape(fw.display_name)}</h3>'
        f'<p class="aliases">name <code>{escape(fw.name)}</code>; aliases {aliases}{runs_on}'
        f"{wheel}</p>"
        f'<details class="fw-notes"><summary>About {escape(fw.display_name)}</summary>'
        f"<ul>{notes}</ul></details>"
        f'<table class="releases"><caption id="c-{fid}">{escape(fw.display_name)} releases with '
        f'smddp <span class="shown-count"></span></caption>'
        f"<thead><tr>{_head()}</tr></thead><tbody>{body}</tbody></table>"
        f'<p class="empty" hidden>No {escape(fw.display_name)} release matches the filters.</p>'
        "</section>"
    )


def region_label(r: RegionInfo) -> str:
    return f"{r.display_name} ({r.name})" if r.display_name else r.name


def _region_options(model: PageModel, region: str | None) -> str:
    out = ['<option value="">none (repository:tag)</option>']
    for r in model.regions:
        selected = " selected" if r.name == region else ""
        out.append(f'<option value="{_attr(r.name)}"{selected}>{escape(region_label(r))}</option>')
    return "".join(out)


def _options(values: list[str], everything: str) -> str:
    return f'<option value="">{everything}</option>' + "".join(
        f'<option value="{_attr(v)}">{escape(v)}</option>' for v in values
    )


def _distinct(values: list[str | None]) -> list[str]:
    return sorted({v for v in values if v}, key=_sort_key, reverse=True)


def _filters(model: PageModel) -> str:
    plain = model.plain
    types = sorted({t for r in plain for t in r.instance_types})
    return f"""<form id="filters" class="filters js-only" role="search"
 aria-label="Filter releases">
<div class="field"><label for="f-text">Search</label>
<input id="f-text" type="search" autocomplete="off" spellcheck="false"
 placeholder="2.4, cu121, p4d"></div>
<div class="field"><label for="f-smddp">smddp</label>
<select id="f-smddp" data-filter="smddp">
{_options(_distinct([r.smddp_version for r in plain]), "any")}</select></div>
<div class="field"><label for="f-python">Python</label>
<select id="f-python" data-filter="python">
{_options(_distinct([r.python_version for r in plain]), "any")}</select></div>
<div class="field"><label for="f-cuda">CUDA</label>
<select id="f-cuda" data-filter="cuda">
{_options(_distinct([r.cuda_version for r in plain]), "any")}</select></div>
<div class="field"><label for="f-type">Instance type</label>
<select id="f-type" data-filter="types">{_options(types, "any")}</select></div>
<button type="reset">Clear</button>
<p id="filter-count" class="help" aria-live="polite"></p>
</form>"""


def _grid(model: PageModel) -> str:
    """Release x region: where the DLC image (or only the SMP image) is published."""
    head = "".join(
        f'<th scope="col" class="region" title="{_attr(region_label(r))}">'
        f"<span>{escape(r.name)}</span></th>"
        for r in model.regions
    )
    rows = []
    names = {f.name: f.display_name for f in model.frameworks}
    for res in model.plain:
        key = (res.framework, res.framework_version)
        cells = []
        for r in model.regions:
            hit = model.by_region[r.name].get(key)
            if hit is not None and hit.image_uri is not None:
                cells.append('<td class="g-dlc">DLC</td>')
            elif hit is not None and hit.smp_image_uri is not None:
                cells.append('<td class="g-smp">SMP</td>')
            else:
                cells.append('<td class="g-none">-</td>')
        rows.append(
            f'<tr data-framework="{_attr(res.framework)}"><th scope="row">'
            f"{escape(names[res.framework])} {escape(res.framework_version)}</th>"
            + "".join(cells)
            + "</tr>"
        )
    return (
        '<section id="availability" aria-labelledby="h-availability">'
        '<h2 id="h-availability">Availability by region</h2>'
        '<p class="help">DLC: the framework image is published there; SMP: only the SageMaker '
        "model parallelism image (which carries smddp); -: neither. Region names are in each "
        "column's tooltip and in the region list above.</p>"
        '<div class="grid-wrap" tabindex="0" role="region" aria-labelledby="c-grid">'
        '<table class="grid"><caption id="c-grid">Releases by region</caption>'
        f'<thead><tr><th scope="col">release</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _instance_types(model: PageModel) -> str:
    rows = "".join(
        f'<tr><th scope="row" data-label="Instance type">{escape(i.name)}</th>'
        f'<td data-label="GPUs">{i.gpus} x {escape(i.gpu)}</td>'
        f'<td data-label="EFA">{"yes" if i.efa else "no"}</td><td data-label="Support"><ul>'
        + "".join(
            f"<li>smddp {escape(str(s.get('smddp')))}: {escape(str(s.get('status')))}"
            + (f" ({escape(str(s['note']))})" if s.get("note") else "")
            + "</li>"
            for s in i.support
        )
        + "</ul></td></tr>"
        for i in model.instance_types
    )
    return (
        '<section id="instance-types" aria-labelledby="h-instance-types">'
        '<h2 id="h-instance-types">Instance types</h2>'
        '<table class="types"><caption>Instance types and their smddp support</caption>'
        "<thead><tr>"
        '<th scope="col">Instance type</th><th scope="col">GPUs</th><th scope="col">EFA</th>'
        f'<th scope="col">Support by smddp version</th></tr></thead><tbody>{rows}</tbody>'
        "</table></section>"
    )


def _release_options(model: PageModel) -> str:
    names = {f.name: f.display_name for f in model.frameworks}
    return "".join(
        f'<option value="{_attr(r.framework)}:{_attr(r.framework_version)}">'
        f"{escape(names[r.framework])} {escape(r.framework_version)}</option>"
        for r in model.plain
    )


def _compare(model: PageModel) -> str:
    options = _release_options(model)
    return f"""<section id="compare" class="js-only" aria-labelledby="h-compare">
<h2 id="h-compare">Compare two releases</h2>
<form id="compare-form" class="inline">
<div class="field"><label for="cmp-a">First</label>
<select id="cmp-a" name="a">{options}</select></div>
<div class="field"><label for="cmp-b">Second</label>
<select id="cmp-b" name="b">{options}</select></div>
<button type="submit">Compare</button>
</form>
<div id="compare-result" aria-live="polite"></div>
</section>"""


def _value_html(key: str, value: Any) -> str:
    """One answer field as the no-JavaScript panel shows it (page.js renders the same)."""
    if value is None or value in ([], ""):
        return '<span class="none">-</span>'
    if key == "sources":
        return (
            "<ul>"
            + "".join(
                f'<li><a href="{_attr(s["url"])}" rel="noopener noreferrer">{escape(s["id"])}</a>'
                f" {escape(s['title'])}</li>"
                if s.get("url")
                else f"<li>{escape(s['id'])} {escape(s['title'])}</li>"
                for s in value
            )
            + "</ul>"
        )
    if key == "alternatives":
        return "<ul>" + "".join(f"<li>{escape(a['text'])}</li>" for a in value) + "</ul>"
    if key == "corrections":
        return (
            "<ul>"
            + "".join(
                f"<li>AWS documents {escape(c['field'])} as "
                f"<code>{escape(c['documented'])}</code>: "
                f"{escape(c['note'])}</li>"
                for c in value
            )
            + "</ul>"
        )
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{escape(str(v))}</li>" for v in value) + "</ul>"
    return f"<code>{_breakable(str(value))}</code>"


def render_answer(status: int, body: dict[str, Any]) -> str:
    """The answer panel for a page loaded with a query (the no-JavaScript path)."""
    if status != 200:
        hint = f"<p>Hint: {escape(body['hint'])}</p>" if body.get("hint") else ""
        alternatives = body.get("alternatives") or []
        alt = (
            f"<h4>Alternatives</h4>{_value_html('alternatives', alternatives)}"
            if alternatives
            else ""
        )
        return (
            f'<div class="problem" data-status="{status}"><p role="alert">'
            f"{escape(str(body.get('detail') or body.get('message') or ''))}</p>{hint}{alt}</div>"
        )
    title = (
        f"{escape(body['framework'])} {escape(body['framework_version'])} with smddp "
        f"{escape(body['smddp_version'])}"
        + (f" in {escape(body['region'])}" if body.get("region") else "")
    )
    terms = "".join(
        f'<dt>{label}</dt><dd data-field="{key}">{_value_html(key, body.get(key))}</dd>'
        for key, label in LABELS
    )
    return f'<div class="answer" data-status="200"><h3>{title}</h3><dl>{terms}</dl></div>'


def eligibility_report(snapshot: Snapshot, q: PageQuery) -> tuple[int, dict[str, Any]]:
    """``preflight --no-aws`` for the page's query, as ``/v1/preflight`` answers it."""
    from compat.aws.run import preflight
    from compat.errors import CompatError
    from compat.service.problems import from_error

    try:
        count = int(q.instance_count or "1")
        report = preflight(
            q.framework or "",
            q.version or "latest",
            q.region or DEFAULT_ELIGIBILITY_REGION,
            q.instance_type or "",
            count,
            no_aws=True,
            skip_reason="the page runs no AWS checks",
            matrix=snapshot.matrix,
        )
    except ValueError:
        return 400, {"detail": f"instance count {q.instance_count!r} is not a whole number"}
    except CompatError as exc:
        return from_error(exc)
    return 200, report.to_dict()


def render_report(status: int, body: dict[str, Any]) -> str:
    """The eligibility report (or its problem) for the no-JavaScript path."""
    if status != 200:
        return render_answer(status, body)
    checks = "".join(
        f"<li>{escape(c['status'].upper())} {escape(c['name'])}: {escape(c['message'])}"
        + (f" ({escape(c['remedy'])})" if c.get("remedy") else "")
        + "</li>"
        for c in body.get("checks", [])
    )
    ok = body.get("status") in ("pass", "partial")
    return (
        f'<div class="{"answer" if ok else "problem"}" data-status="200"><h3>'
        f"{escape(str(body.get('instance_count')))} x {escape(str(body.get('instance_type')))} "
        f"in {escape(str(body.get('region')))}: {escape(str(body.get('status')))}</h3>"
        f'<ul id="eligibility-answer">{checks}</ul></div>'
    )


def _eligibility(model: PageModel, instance_type: str | None, count: str | None) -> str:
    """The ``preflight --no-aws`` questions, in the resolve form (framework and version shared)."""
    types = "".join(
        f'<option value="{_attr(i.name)}"{" selected" if i.name == instance_type else ""}>'
        f"{escape(i.name)}</option>"
        for i in model.instance_types
    )
    return f"""<fieldset id="eligibility"><legend>Eligibility (preflight without AWS)</legend>
<div class="field"><label for="ef-type">Instance type</label>
<select id="ef-type" name="instance_type">{types}</select></div>
<div class="field"><label for="ef-count">Count</label>
<input id="ef-count" name="instance_count" type="number" min="1" max="10000"
 value="{_attr(count or "1")}" required></div>
<button type="submit" id="check" name="check" value="1">Check eligibility</button>
<p class="help">In the region above, or {DEFAULT_ELIGIBILITY_REGION} when none is chosen.</p>
</fieldset>"""


@dataclass(frozen=True)
class PageQuery:
    """What the address asks the page: all optional, already length-checked.

    ``framework`` and ``version`` are as given ("" when the address has them empty,
    which the answer panel reports as ``/v1/resolve`` does); None when absent.
    """

    region: str | None = None
    framework: str | None = None
    version: str | None = None
    instance_type: str | None = None
    instance_count: str | None = None
    #: Run the eligibility check (the form's second button).
    check: bool = False


def render_page(
    snapshot: Snapshot,
    query: PageQuery | None = None,
    *,
    error: str | None = None,
    static: bool = False,
    assets: dict[str, str] | None = None,
) -> bytes:
    """The whole page for ``query`` (its region already validated) as UTF-8 bytes.

    ``static`` renders it for ``export-site``: relative links, answers read from
    the exported files (``data-api="static"``), and nothing that changes between
    two exports of the same matrix (no load time), so the bytes are reproducible.
    ``assets`` maps each static file to its versioned name.
    """
    q = query or PageQuery()
    region = q.region
    model = build_model(snapshot)
    names = assets or {}
    if static:
        root, api, docs, matrix_link = "", "static", "v1/openapi.json", "v1/matrix.json"
        loaded, action = "", "index.html"
    else:
        root, api, docs, matrix_link = "/", "live", "/docs", "/v1/matrix"
        loaded, action = f" loaded {escape(snapshot.loaded_at)}", "/"
    framework = q.framework
    if framework:
        from compat.errors import CompatError

        try:  # the library's canonical name, so that the select shows it (torch -> pytorch)
            framework = snapshot.matrix.framework(framework)
        except CompatError:
            framework = None  # the answer panel names the problem
    framework_options = "".join(
        f'<option value="{_attr(f.name)}"{" selected" if f.name == framework else ""}>'
        f"{escape(f.display_name)}</option>"
        for f in model.frameworks
    )
    datalists = "".join(
        f'<datalist id="versions-{_attr(f.name)}"><option value="latest"></option>'
        + "".join(f'<option value="{_attr(v)}"></option>' for v in f.versions)
        + "</datalist>"
        for f in model.frameworks
    )
    first = framework or model.frameworks[0].name
    nav = "".join(
        f'<li><a href="#fw-{_attr(f.name)}">{escape(f.display_name)}</a></li>'
        for f in model.frameworks
    )
    here = model.by_region.get(region or "", {})
    smp = _smp_refs(model)
    rows = [
        Row(
            r,
            here.get((r.framework, r.framework_version)),
            smp.get((r.framework, r.framework_version)),
        )
        for r in model.plain
    ]
    prefixes = _wheel_parts(model.plain)
    sections = "".join(
        _framework_section(f, rows, region, prefixes.get(f.name, "")) for f in model.frameworks
    )
    eligibility = "" if static else _eligibility(model, q.instance_type, q.instance_count)
    alert = f'<p class="alert" role="alert">{escape(error)}</p>' if error else ""
    shown = ""
    version = "latest" if q.version is None else q.version
    if q.framework is not None and not static:
        from compat.service.page_answers import answer_or_problem

        status, body = answer_or_problem(snapshot.matrix, q.framework, version, region)
        shown = render_answer(status, body)
        if q.check:
            shown = render_report(*eligibility_report(snapshot, q))
    region_name = ""
    if region:
        region_name = next(region_label(r) for r in model.regions if r.name == region)
    js = names.get("page.js", "page.js")
    css = names.get("page.css", "page.css")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smddp compatibility matrix{" in " + escape(region) if region else ""}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}static/{css}">
<script src="{root}static/{js}" defer></script>
</head>
<body data-api="{api}" data-region="{_attr(region or "")}"
 data-default-region="{DEFAULT_ELIGIBILITY_REGION}">
<header class="top">
<h1>SageMaker smddp compatibility matrix</h1>
<p>Every framework release with the SageMaker distributed data parallel library (smddp):
DLC image, wheel, instance types, and where each fact comes from.
<a href="{docs}">API</a> · <a href="{matrix_link}">matrix JSON</a></p>
</header>
<main>
{alert}
<section class="controls" aria-labelledby="h-controls">
<h2 id="h-controls">Resolve a release</h2>
<form id="resolve-form" method="get" action="{action}">
<div class="fields">
<div class="field"><label for="rf-framework">Framework</label>
<select id="rf-framework" name="framework">{framework_options}</select></div>
<div class="field"><label for="rf-version">Version</label>
<input id="rf-version" name="version" value="{_attr(version)}" maxlength="100"
 required autocomplete="off" spellcheck="false" list="versions-{_attr(first)}"
 aria-describedby="rf-version-help"></div>
<div class="field"><label for="region">Region</label>
<select id="region" name="region">{_region_options(model, region)}</select></div>
<button type="submit" id="resolve">Resolve</button>
<button type="button" id="copy-link" class="js-only">Copy link</button>
</div>
<p id="rf-version-help" class="help">Exact (1.13.1), prefix (1.13), specifier (&gt;=1.12,&lt;2),
latest, or torch.__version__ (2.2.0+cu121). The tables below show
{escape(region_name) if region_name else "repository:tag (no region)"}.</p>
{eligibility}
</form>
{datalists}
<div id="resolve-result" aria-live="polite" data-labels="{_attr(json.dumps(LABELS))}">{shown}</div>
</section>
<section id="releases" aria-labelledby="h-releases">
<h2 id="h-releases">Releases</h2>
{_filters(model)}
<nav aria-label="Frameworks"><ul>{nav}
<li><a href="#availability">Availability by region</a></li>
<li><a href="#compare">Compare</a></li>
<li><a href="#instance-types">Instance types</a></li></ul></nav>
{sections}
</section>
{_compare(model)}
{_grid(model)}
{_instance_types(model)}
</main>
<footer><p>smddp-compat {escape(__version__)} · matrix sha256
<code>{escape(snapshot.sha256[:16])}</code>{loaded}</p></footer>
</body>
</html>
"""
    return page.encode("utf-8")
