"""The web page at GET /: the whole matrix per framework, a region picker and a resolve form.

Rendered on the server from the library's own results, every value escaped.
The region picker works without a round trip: each region option carries its
DLC account and DNS suffix, each row its repository and tag, and
``static/page.js`` rebuilds the URIs the way :func:`compat.resolve` does (the
browser test checks that they agree). No inline script or style, so the
strict Content-Security-Policy holds; no outside resource, so it works offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from compat._version import __version__

if TYPE_CHECKING:
    from compat.catalog import FrameworkInfo, InstanceTypeInfo, RegionInfo
    from compat.results import Resolution
    from compat.service.state import Snapshot


@dataclass(frozen=True)
class Row:
    """One release as the page shows it, with the regions where it is published."""

    res: Resolution
    group: str
    smp_tag: str | None


@dataclass(frozen=True)
class PageModel:
    frameworks: list[FrameworkInfo]
    regions: list[RegionInfo]
    instance_types: list[InstanceTypeInfo]
    rows: list[Row]
    #: region -> availability groups it belongs to
    groups_of_region: dict[str, list[str]]
    #: region -> (framework, version) -> Resolution in that region
    by_region: dict[str, dict[tuple[str, str], Resolution]]
    smp_account: str | None
    smp_repository: str | None


def _split_smp(uri: str) -> tuple[str, str, str]:
    """(account, repository, tag) of an image URI account.dkr.ecr.region.suffix/repo:tag."""
    host, _, path = uri.partition("/")
    repository, _, tag = path.rpartition(":")
    return host.split(".", 1)[0], repository, tag


def build_model(snapshot: Snapshot) -> PageModel:
    """Everything the page shows, from compat.resolve_all and the catalog; once per matrix."""
    if snapshot.page_model:
        model: PageModel = snapshot.page_model[0]
        return model
    from compat.catalog import list_frameworks, list_instance_types, list_regions
    from compat.resolver import resolve_all

    m = snapshot.matrix
    regions = list_regions(matrix=m)
    plain = resolve_all(matrix=m)
    by_region = {
        r.name: {(x.framework, x.framework_version): x for x in resolve_all(None, r.name, matrix=m)}
        for r in regions
    }
    group_ids: dict[frozenset[str], str] = {}
    rows: list[Row] = []
    smp_account = smp_repository = None
    for res in plain:
        key = (res.framework, res.framework_version)
        where = frozenset(name for name, found in by_region.items() if key in found)
        group = group_ids.setdefault(where, f"g{len(group_ids)}")
        smp_tag = None
        for found in by_region.values():
            hit = found.get(key)
            if hit is not None and hit.smp_image_uri is not None:
                smp_account, smp_repository, smp_tag = _split_smp(hit.smp_image_uri)
                break
        rows.append(Row(res, group, smp_tag))
    groups_of_region = {
        r.name: [gid for members, gid in group_ids.items() if r.name in members] for r in regions
    }
    model = PageModel(
        frameworks=list_frameworks(matrix=m),
        regions=regions,
        instance_types=list_instance_types(matrix=m),
        rows=rows,
        groups_of_region=groups_of_region,
        by_region=by_region,
        smp_account=smp_account,
        smp_repository=smp_repository,
    )
    snapshot.page_model[:] = [model]
    return model


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _copyable(value: str | None, cls: str, label: str, *, title: bool = False) -> str:
    if value is None:
        return f'<code class="{cls} none">-</code>'
    full = f' title="{_attr(value)}"' if title else ""
    return (
        f'<code class="{cls}"{full}>{escape(value)}</code>'
        f'<button type="button" class="copy" aria-label="{_attr(label)}">Copy</button>'
    )


def _image_cell(row: Row, region: str | None, model: PageModel) -> str:
    res = row.res
    label = f"Copy image URI of {res.framework} {res.framework_version}"
    if res.image_tag is None:
        return '<td class="image"><code class="image-uri none">no DLC image</code></td>'
    if region is None:
        text = f"{res.repository}:{res.image_tag}"
    else:
        hit = model.by_region[region].get((res.framework, res.framework_version))
        if hit is None:
            return (
                f'<td class="image"><code class="image-uri none">not published in '
                f"{escape(region)}</code></td>"
            )
        text = hit.image_uri or "-"
    return f'<td class="image">{_copyable(text, "image-uri", label)}</td>'


def _smp_cell(row: Row, region: str | None, model: PageModel) -> str:
    res = row.res
    if row.smp_tag is None:
        return '<td class="smp"><code class="smp-uri none">-</code></td>'
    if region is None:
        text: str | None = f"{model.smp_repository}:{row.smp_tag}"
    else:
        hit = model.by_region[region].get((res.framework, res.framework_version))
        text = None if hit is None else hit.smp_image_uri
    if text is None:
        return '<td class="smp"><code class="smp-uri none">-</code></td>'
    label = f"Copy SMP image URI of {res.framework} {res.framework_version}"
    return f'<td class="smp">{_copyable(text, "smp-uri", label)}</td>'


def _row(row: Row, region: str | None, model: PageModel) -> str:
    res = row.res
    base = ""
    if res.base_framework:
        base = (
            f'<span class="base">on {escape(res.base_framework)} '
            f"{escape(res.base_framework_version or '')}</span>"
        )
    env = " / ".join(escape(v) for v in (res.py_version, res.cuda_version, res.os) if v) or "-"
    wheel_label = f"Copy wheel URL of {res.framework} {res.framework_version}"
    notes = "".join(f"<li>{escape(n)}</li>" for n in res.notes)
    corrections = "".join(
        f"<li>AWS documents {escape(c.field)} as <code>{escape(c.documented)}</code>: "
        f"{escape(c.note)}</li>"
        for c in res.corrections
    )
    sources = ", ".join(
        f'<a href="{_attr(s.url)}" rel="noopener noreferrer">{escape(s.id)}</a>'
        if s.url
        else escape(s.id)
        for s in res.sources
    )
    requirements = (
        f'<p class="req">needs {escape(", ".join(res.requirements))}</p>'
        if res.requirements
        else ""
    )
    return (
        f'<tr data-framework="{_attr(res.framework)}" data-version="{_attr(res.framework_version)}"'
        f' data-group="{row.group}" data-repository="{_attr(res.repository or "")}"'
        f' data-tag="{_attr(res.image_tag or "")}" data-smp-tag="{_attr(row.smp_tag or "")}">'
        f'<th scope="row">{escape(res.framework_version)}{base}</th>'
        f"<td>{escape(res.smddp_version)}</td>"
        f"<td>{env}</td>"
        f"{_image_cell(row, region, model)}"
        f"{_smp_cell(row, region, model)}"
        f'<td class="wheel">{_copyable(res.binary_url, "wheel-url", wheel_label, title=True)}</td>'
        f"<td>{escape(', '.join(res.instance_types)) or '-'}</td>"
        f'<td><span class="confidence c-{_attr(res.confidence)}">{escape(res.confidence)}'
        f"</span></td>"
        f'<td class="notes"><details><summary>{_notes_summary(res)}</summary>{requirements}'
        f'<ul>{notes}{corrections}</ul><p class="sources">sources: {sources or "-"}</p>'
        "</details></td>"
        "</tr>"
    )


def _notes_summary(res: Resolution) -> str:
    """The closed notes cell: how many notes, and the sources, so rows stay one line high."""
    count = len(res.notes) + len(res.corrections) + (1 if res.requirements else 0)
    ids = ", ".join(escape(s.id) for s in res.sources) or "-"
    return f"{count} note{'s' if count != 1 else ''}; {ids}"


_HEADERS = (
    "version",
    "smddp",
    "python / CUDA / OS",
    "DLC image",
    "SMP image",
    "wheel",
    "instance types",
    "confidence",
    "notes and sources",
)


def _framework_section(fw: FrameworkInfo, rows: list[Row], region: str | None, m: PageModel) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in _HEADERS)
    body = "".join(_row(r, region, m) for r in rows if r.res.framework == fw.name)
    notes = "".join(f"<li>{escape(n)}</li>" for n in (*fw.notes, *fw.no_smddp))
    aliases = escape(", ".join(fw.aliases))
    runs_on = f"; runs on {escape(fw.runs_on)}" if fw.runs_on else ""
    return (
        f'<section class="framework" id="fw-{_attr(fw.name)}" aria-labelledby="h-{_attr(fw.name)}">'
        f'<h2 id="h-{_attr(fw.name)}">{escape(fw.display_name)}</h2>'
        f'<p class="aliases">name <code>{escape(fw.name)}</code>; aliases {aliases}{runs_on}</p>'
        f'<ul class="fw-notes">{notes}</ul>'
        f'<div class="table-wrap" tabindex="0" role="region" aria-labelledby="c-{_attr(fw.name)}">'
        f'<table><caption id="c-{_attr(fw.name)}">{escape(fw.display_name)} releases with '
        "smddp, newest first</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def _region_options(model: PageModel, region: str | None) -> str:
    out = ['<option value="">none (repository:tag)</option>']
    for r in model.regions:
        selected = " selected" if r.name == region else ""
        out.append(
            f'<option value="{_attr(r.name)}" data-account="{_attr(r.dlc_account)}"'
            f' data-suffix="{_attr(r.dns_suffix)}" data-smp="{"1" if r.smp else "0"}"'
            f' data-groups="{" ".join(model.groups_of_region[r.name])}"{selected}>'
            f"{escape(r.name)} ({escape(r.partition)})</option>"
        )
    return "".join(out)


def _instance_types(model: PageModel) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(i.name)}</th><td>{i.gpus} x {escape(i.gpu)}</td>'
        f"<td>{'yes' if i.efa else 'no'}</td><td><ul>"
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
        '<div class="table-wrap" tabindex="0" role="region" aria-labelledby="c-instance-types">'
        '<table><caption id="c-instance-types">Instance types and their smddp support</caption>'
        "<thead><tr>"
        '<th scope="col">instance type</th><th scope="col">GPUs</th><th scope="col">EFA</th>'
        f'<th scope="col">support by smddp version</th></tr></thead><tbody>{rows}</tbody>'
        "</table></div></section>"
    )


def _eligibility_form(model: PageModel, framework_options: str) -> str:
    """The ``preflight --no-aws`` questions: will this instance type and count work?"""
    types = "".join(
        f'<option value="{_attr(i.name)}">{escape(i.name)}</option>' for i in model.instance_types
    )
    return f"""<form id="eligibility-form" method="get" action="/v1/preflight">
<fieldset><legend>Eligibility (preflight without AWS) in the region above</legend>
<label for="ef-framework">Framework</label>
<select id="ef-framework" name="framework">{framework_options}</select>
<label for="ef-version">Version</label>
<input id="ef-version" name="version" value="latest" maxlength="100" required
 autocomplete="off" spellcheck="false">
<label for="ef-type">Instance type</label>
<select id="ef-type" name="instance_type">{types}</select>
<label for="ef-count">Count</label>
<input id="ef-count" name="instance_count" type="number" min="1" max="10000" value="1" required>
<button type="submit">Check</button>
</fieldset>
</form>"""


def render_page(
    snapshot: Snapshot, region: str | None, *, error: str | None = None, static: bool = False
) -> bytes:
    """The whole page for ``region`` (already validated, or None) as UTF-8 bytes.

    ``static`` renders it for ``export-site``: relative links, answers read from
    the exported files (``data-api="static"``), and nothing that changes between
    two exports of the same matrix (no load time), so the bytes are reproducible.
    """
    model = build_model(snapshot)
    if static:
        root, api, docs, matrix_link = "", "static", "v1/openapi.json", "v1/matrix.json"
        loaded = ""
        resolve_action = "v1/resolve"
    else:
        resolve_action = "/v1/resolve"
        root, api, docs, matrix_link = "/", "live", "/docs", "/v1/matrix"
        loaded = f" loaded {escape(snapshot.loaded_at)}"
    framework_options = "".join(
        f'<option value="{_attr(f.name)}">{escape(f.display_name)}</option>'
        for f in model.frameworks
    )
    nav = "".join(
        f'<li><a href="#fw-{_attr(f.name)}">{escape(f.display_name)}</a></li>'
        for f in model.frameworks
    )
    sections = "".join(_framework_section(f, model.rows, region, model) for f in model.frameworks)
    eligibility = "" if static else _eligibility_form(model, framework_options)
    alert = f'<p class="alert" role="alert">{escape(error)}</p>' if error else ""
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smddp compatibility matrix</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}static/page.css">
<script src="{root}static/page.js" defer></script>
</head>
<body data-api="{api}">
<header>
<h1>SageMaker smddp compatibility matrix</h1>
<p>Every framework release with the SageMaker distributed data parallel library (smddp):
DLC image, wheel, instance types, and where each fact comes from.
<a href="{docs}">API</a> · <a href="{matrix_link}">matrix JSON</a></p>
</header>
<main>
{alert}
<section class="controls" aria-labelledby="h-controls">
<h2 id="h-controls" class="visually-hidden">Region and resolve</h2>
<form id="region-form" method="get" action="{root}">
<label for="region">Region for image URIs</label>
<select id="region" name="region" data-smp-account="{_attr(model.smp_account or "")}"
 data-smp-repository="{_attr(model.smp_repository or "")}">{_region_options(model, region)}</select>
<button type="submit" class="js-hide">Show</button>
</form>
<form id="resolve-form" method="get" action="{resolve_action}">
<label for="rf-framework">Framework</label>
<select id="rf-framework" name="framework">{framework_options}</select>
<label for="rf-version">Version</label>
<input id="rf-version" name="version" value="latest" maxlength="100" required
 autocomplete="off" spellcheck="false" aria-describedby="rf-version-help">
<input type="hidden" id="rf-region" name="region" value="{_attr(region or "")}">
<button type="submit">Resolve</button>
<p id="rf-version-help" class="help">Exact (1.13.1), prefix (1.13), specifier (&gt;=1.12,&lt;2)
or latest.</p>
</form>
<div id="resolve-result" role="status" aria-live="polite"></div>
{eligibility}
</section>
<nav aria-label="Frameworks"><ul>{nav}
<li><a href="#instance-types">Instance types</a></li></ul></nav>
{sections}
{_instance_types(model)}
</main>
<footer><p>smddp-compat {escape(__version__)} · matrix sha256
<code>{escape(snapshot.sha256[:16])}</code>{loaded}</p></footer>
</body>
</html>
"""
    return page.encode("utf-8")
