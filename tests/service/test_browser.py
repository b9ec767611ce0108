"""The web page in real headless Chromium (Debian's package) driven by Playwright.

Where Chromium (a system package) is missing they fail in CI (``CI=true``) and
skip elsewhere (tests/service/chromium.py); Playwright is in the test extra, so
a broken install fails at import instead of skipping.
Screenshots at 390, 768 and
1280 px (light and dark) are saved to test-artifacts/ for a person to look at;
axe-core (from npm: ``npm ci --prefix tests/service/browser``) checks the
page's accessibility and fails on serious or critical violations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from packaging.version import Version

import compat
from compat.service.export import export_site
from compat.service.page import LABELS

from ..conftest import REPO, missing_tool
from .chromium import launch_chromium
from .page_reader import ANSWER_FIELDS, expected, shown
from .support import running_server, static_server

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 768, 1280)
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as found:
        ARTIFACTS.mkdir(exist_ok=True)
        yield found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_server([], tmp_path_factory.mktemp("browser") / "server.log") as found:
        yield found


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _api(server: Any, **params: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(server.url + "/v1/resolve", params=params, timeout=10)
    return response.status_code, response.json()


def _page_url(base: str, framework: str, version: str, region: str | None) -> str:
    query = {"framework": framework, "version": version}
    if region is not None:
        query["region"] = region
    return base + "?" + urlencode(query)


def test_labels_are_the_readers_fields() -> None:
    assert tuple(k for k, _ in LABELS) == ANSWER_FIELDS


def _queries() -> list[tuple[str, str, str | None]]:
    """At least 100 questions a user would ask: aliases, cases, spellings, regions, errors."""
    from compat.matrix import matrix_or_default

    m = matrix_or_default(None)
    out: list[tuple[str, str, str | None]] = []
    spellings = {
        "pytorch": ["pt", "torch", "PyTorch", "TORCH", "pytorch"],
        "tensorflow": ["tf", "TensorFlow", "tensorflow"],
        "pytorch-lightning": ["lightning", "pl", "PyTorch-Lightning"],
        "huggingface": ["hf", "transformers", "HuggingFace"],
    }
    regions = [None, "us-west-2", "US-WEST-2", "cn-north-1", "us-isof-east-1", "ap-east-1"]
    for framework, names in spellings.items():
        releases = m.compiled["releases"][framework]
        versions = [str(releases[i]["version"]) for _, i in m.versions_newest_first(framework)]
        asked = ["latest", versions[0], f"v{versions[-1]}", versions[len(versions) // 2]]
        asked.append(".".join(versions[0].split(".")[:2]))
        cuda = releases[m.versions_newest_first(framework)[0][1]]["cuda"]
        if cuda:
            asked.append(f"{versions[0]}+cu{cuda.replace('.', '')}")
        for n, version in enumerate(asked):
            for k, region in enumerate(regions):
                if (n + k) % 3 != 0:
                    out.append((names[(n + k) % len(names)], version, region))
    out += [
        ("pytorch", "2.2.0+cu121", "us-west-2"),
        ("pt", "2.3", "cn-north-1"),
        ("pt", "2.3", "us-west-2"),
        ("pytorch", "2.3.1", "ap-east-1"),
        ("pytorch", "2.6.0", "us-west-2"),  # no smddp: alternatives
        ("pytorch", "2.5.0", None),
        ("pytorch", "0.1.0", None),
        ("tensorflow", "2.8.3", "us-west-2"),
        ("nosuchframework", "latest", None),
        ("pytorch", "latest", "mars-1"),
        ("pytorch", "1.13.1", "US-EAST-1"),
    ]
    return out


QUERIES = _queries()
#: Spellings only the live API answers (the static copy names them in its problem).
LIVE_ONLY = [
    ("pytorch", ">=1.12,<2", "us-west-2"),
    ("pt", "LATEST", None),
    ("pytorch", "not a version", None),
]


def test_the_live_page_shows_exactly_what_v1_resolve_returns(browser: Any, server: Any) -> None:
    assert len(QUERIES) + len(LIVE_ONLY) >= 100
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _watch(page)
    statuses = set()
    for framework, version, region in [*QUERIES, *LIVE_ONLY]:
        params = {"framework": framework, "version": version}
        if region is not None:
            params["region"] = region
        status, body = _api(server, **params)
        statuses.add(status)
        page.goto(_page_url(server.url + "/", framework, version, region), wait_until="commit")
        assert shown(page) == expected(status, body), (framework, version, region)
        if status == 200:
            # The select shows the canonical name the API returned; the address keeps the question.
            assert page.locator("#rf-framework").input_value() == body["framework"]
            assert page.locator("#rf-version").input_value() == version
    assert {200, 400, 404} <= statuses
    page.close()
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One export for the static page's tests (it takes seconds)."""
    target = tmp_path_factory.mktemp("export") / "site"
    export_site(str(target))
    return target


def test_the_exported_page_shows_exactly_what_v1_resolve_returns(
    browser: Any, server: Any, site: Path
) -> None:
    with static_server(site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = _watch(page)
        for framework, version, region in QUERIES:
            params = {"framework": framework, "version": version}
            if region is not None:
                params["region"] = region
            status, body = _api(server, **params)
            page.goto(
                _page_url(url + "/index.html", framework, version, region), wait_until="commit"
            )
            found = shown(page)
            if (framework, version, region) in (
                ("pytorch", "0.1.0", None),
                ("nosuchframework", "latest", None),
                ("pytorch", "latest", "mars-1"),
            ):
                # Names it does not know: the same status and kind, and it says it is a copy.
                assert found["status"] == status, (framework, version, region)
                assert "this static copy has no answer" in found["fields"]["detail"]
                continue
            assert found == expected(status, body), (framework, version, region)
        for framework, version, region in LIVE_ONLY:
            page.goto(_page_url(url + "/index.html", framework, version, region))
            found = shown(page)
            assert found["status"] != 200
            assert "this static copy has no answer for version" in found["fields"]["detail"]
        page.close()
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors


def test_a_region_change_re_asks_and_the_address_keeps_the_question(
    browser: Any, server: Any
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _watch(page)
    page.goto(server.url + "/?framework=torch&version=2.3&region=US-WEST-2")
    assert shown(page) == expected(
        *_api(server, framework="torch", version="2.3", region="US-WEST-2")
    )
    assert page.locator("#region").input_value() == "us-west-2"
    assert page.locator("#rf-framework").input_value() == "pytorch"
    smp_row = page.locator('table.releases tr[data-framework="pytorch"][data-version="2.3.1"]')
    assert "smdistributed-modelparallel:2.3.1" in smp_row.locator("td.smp").inner_text()
    page.locator("#region").select_option("ap-east-1")
    page.wait_for_url("**region=ap-east-1**")
    found = shown(page)
    assert found == expected(*_api(server, framework="pytorch", version="2.3", region="ap-east-1"))
    assert "framework=pytorch" in page.url
    assert "version=2.3" in page.url
    # No us-west-2 URI is left on screen, and nothing without an image has a Copy button.
    assert smp_row.locator("td.smp").inner_text() == "-"
    assert smp_row.locator("td.smp button.copy").count() == 0
    assert "not published in ap-east-1" in smp_row.locator("td.image").inner_text()
    assert ".us-west-2." not in page.locator("main").inner_text()
    page.locator("#region").select_option("")
    page.wait_for_url(lambda u: "region=" not in u)
    assert shown(page) == expected(*_api(server, framework="pytorch", version="2.3"))
    page.close()
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors


def test_filter_and_sort(browser: Any, server: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/")
    rows = page.locator("table.releases tbody tr")
    total = rows.count()
    assert total == len(compat.resolve_all())
    page.locator("#f-smddp").select_option("1.7.0")
    visible = page.locator("table.releases tbody tr:not([hidden])")
    expected_rows = [r for r in compat.resolve_all() if r.smddp_version == "1.7.0"]
    assert visible.count() == len(expected_rows)
    assert {v.get_attribute("data-smddp") for v in visible.all()} == {"1.7.0"}
    assert (
        page.locator("#filter-count").inner_text()
        == f"{len(expected_rows)} of {total} releases shown"
    )
    page.get_by_role("button", name="Clear").click()
    page.locator("#f-text").fill("cu121")
    page.wait_for_function(
        f"document.querySelectorAll('table.releases tbody tr:not([hidden])').length < {total}"
    )
    for row in visible.all():
        assert "cu121" in (row.get_attribute("data-text") or "")
    page.locator("#f-text").fill("")
    page.locator("#f-type").select_option("ml.p3.16xlarge")
    for row in visible.all():
        assert "ml.p3.16xlarge" in (row.get_attribute("data-types") or "").split()
    # A filter that matches nothing in a framework says so instead of an empty table.
    page.locator("#f-type").select_option("")
    page.locator("#f-text").fill("1.13.1")
    assert page.locator("#fw-tensorflow p.empty").is_visible()

    page.locator("#f-text").fill("")
    table = page.locator("#fw-pytorch table")
    table.locator("button.sort[data-sort='smddp']").click()
    assert table.locator("th[data-sort='smddp']").get_attribute("aria-sort") == "ascending"
    order = [r.get_attribute("data-smddp") for r in table.locator("tbody tr").all()]
    assert order == sorted(order, key=Version)
    table.locator("button.sort[data-sort='smddp']").click()
    order = [r.get_attribute("data-smddp") for r in table.locator("tbody tr").all()]
    assert order == sorted(order, key=Version, reverse=True)
    table.locator("button.sort[data-sort='version']").click()
    versions = [r.get_attribute("data-version") for r in table.locator("tbody tr").all()]
    assert versions == sorted(versions, key=Version)
    page.close()


def test_availability_grid_is_the_librarys(browser: Any, server: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/")
    regions = [r.name for r in compat.list_regions()]
    heads = page.locator("table.grid thead th.region").all_inner_texts()
    assert [h.strip() for h in heads] == regions
    for framework, version in (
        ("pytorch", "1.13.1"),
        ("pytorch", "2.3.1"),
        ("tensorflow", "2.11.0"),
    ):
        names = {f.name: f.display_name for f in compat.list_frameworks()}
        row = page.locator("table.grid tbody tr").filter(
            has=page.locator(f'th:text-is("{names[framework]} {version}")')
        )
        cells = row.first.locator("td").all_inner_texts()
        for region, cell in zip(regions, cells, strict=True):
            try:
                res = compat.resolve(framework, version, region)
            except compat.CompatError:
                assert cell == "-", (framework, version, region)
                continue
            want = "DLC" if res.image_uri else ("SMP" if res.smp_image_uri else "-")
            assert cell == want, (framework, version, region)
    page.close()


def test_compare_two_releases(browser: Any, server: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/?region=us-west-2")
    page.locator("#cmp-a").select_option("pytorch:2.5.1")
    page.locator("#cmp-b").select_option("pytorch:1.13.1")
    page.get_by_role("button", name="Compare").click()
    table = page.locator("#compare-result table.compare")
    table.wait_for()
    a = compat.resolve("pytorch", "2.5.1", "us-west-2")
    b = compat.resolve("pytorch", "1.13.1", "us-west-2")
    smddp = table.locator("tr", has=page.locator("th", has_text="smddp")).first
    assert smddp.get_attribute("class") == "differs"
    assert smddp.locator("td").all_inner_texts() == [a.smddp_version, b.smddp_version]
    image = table.locator("tbody tr").filter(has=page.locator("th", has_text="DLC image URI"))
    assert image.get_attribute("class") == "differs"
    assert [t.replace("Copy", "").strip() for t in image.locator("td").all_inner_texts()] == [
        a.image_uri,
        b.image_uri,
    ]
    same = next(label for key, label in LABELS if a.to_dict()[key] == b.to_dict()[key])
    row = table.locator("tbody tr").filter(has=page.locator(f'th:text-is("{same}")'))
    assert row.get_attribute("class") in (None, ""), same
    assert "a=pytorch%3A2.5.1" in page.url
    assert "b=pytorch%3A1.13.1" in page.url
    # The link reproduces the comparison.
    again = browser.new_page(viewport={"width": 1280, "height": 900})
    again.goto(page.url)
    again.locator("#compare-result table.compare").wait_for()
    assert (
        again.locator("#compare-result").inner_text()
        == page.locator("#compare-result").inner_text()
    )
    again.close()
    page.close()


def test_snippets_and_copy_link(browser: Any, server: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    errors = _watch(page)
    page.goto(server.url + "/?framework=pt&version=1.13&region=eu-west-1")
    shown(page)
    snippets = httpx.get(
        server.url + "/v1/snippets",
        params={"framework": "pytorch", "version": "1.13.1", "region": "eu-west-1"},
    ).json()["snippets"]
    tabs = page.get_by_role("tab")
    tabs.first.wait_for()
    assert tabs.all_inner_texts() == [s["title"] for s in snippets]
    for snippet in snippets:
        page.get_by_role("tab", name=snippet["title"]).click()
        panel = page.locator(f'[role="tabpanel"][data-snippet="{snippet["id"]}"]')
        assert panel.is_visible()
        assert panel.locator("pre").inner_text() == snippet["text"]
        panel.get_by_role("button", name="Copy the " + snippet["title"]).click()
        assert page.evaluate("navigator.clipboard.readText()") == snippet["text"]
    # Arrow keys move between tabs.
    page.get_by_role("tab", name=snippets[0]["title"]).click()
    page.keyboard.press("ArrowRight")
    assert (
        page.get_by_role("tab", name=snippets[1]["title"]).get_attribute("aria-selected") == "true"
    )
    uri = compat.resolve("pytorch", "1.13", "eu-west-1").image_uri
    page.get_by_role("button", name="Copy the DLC image URI", exact=True).click()
    assert page.evaluate("navigator.clipboard.readText()") == uri

    page.get_by_role("button", name="Copy link").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url
    assert "framework=pytorch" in link
    assert "version=1.13" in link
    assert "region=eu-west-1" in link
    before = shown(page)
    other = context.new_page()
    other.goto(link)
    assert shown(other) == before
    context.close()
    assert errors == [], errors


def test_cards_on_a_phone(browser: Any, server: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server.url + "/?region=us-west-2")
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    row = page.locator('table.releases tr[data-framework="pytorch"][data-version="1.13.1"]')
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    box = row.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    cell = row.locator("td.image")
    assert cell.evaluate("c => getComputedStyle(c, '::before').content") == '"DLC image"'
    # Only the sort buttons of the header remain, and they still sort.
    header = page.locator("#fw-pytorch thead")
    assert header.locator("th:visible").count() == 3
    header.locator("button.sort[data-sort='smddp']").click()
    order = [r.get_attribute("data-smddp") for r in page.locator("#fw-pytorch tbody tr").all()]
    assert order == sorted(order, key=Version)
    # Tokens are not split: the Python / CUDA / OS values stay on one line each.
    heights = row.locator("td.env .vals span").evaluate_all(
        "s => s.map(e => e.getClientRects().length)"
    )
    assert heights == [1, 1, 1]
    # No "0 notes" disclosure anywhere.
    assert "0 notes" not in page.locator("main").inner_text()
    page.close()


def test_eligibility_lives_in_the_address(browser: Any, server: Any) -> None:
    report = compat.preflight(
        "pytorch", "1.13.1", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True, skip_reason="x"
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _watch(page)
    page.goto(server.url + "/?framework=pytorch&version=1.13.1&region=us-west-2")
    shown(page)
    page.locator("#ef-type").select_option("ml.p4d.24xlarge")
    page.get_by_label("Count", exact=True).fill("2")
    page.get_by_role("button", name="Check eligibility").click()
    found = page.locator("#eligibility-answer")
    found.wait_for(timeout=10_000)
    eligibility = next(c for c in report.checks if c.name == "eligibility")
    assert (
        f"{eligibility.status.value.upper()} eligibility: {eligibility.message}"
        in found.inner_text()
    )
    heading = page.locator("#resolve-result h3").inner_text()
    assert heading.endswith(": partial (not checked: " + ", ".join(report.not_checked) + ")")
    # Framework and version came from the resolve form; the whole question is in the address.
    for part in (
        "framework=pytorch",
        "version=1.13.1",
        "region=us-west-2",
        "instance_type=ml.p4d.24xlarge",
        "instance_count=2",
        "check=1",
    ):
        assert part in page.url, part
    again = browser.new_page(viewport={"width": 1280, "height": 900})
    again.goto(page.url)
    again.locator("#eligibility-answer").wait_for(timeout=10_000)
    assert (
        again.locator("#resolve-result").inner_text()
        == page.locator("#resolve-result").inner_text()
    )
    assert again.get_by_label("Count", exact=True).input_value() == "2"
    again.close()
    # Without a region: the default region, said in the report.
    page.goto(server.url + "/?framework=pytorch&version=1.13.1")
    shown(page)
    page.get_by_role("button", name="Check eligibility").click()
    page.locator("#eligibility-answer").wait_for(timeout=10_000)
    assert " in us-east-1: " in page.locator("#resolve-result h3").inner_text()
    page.close()
    assert errors == [], errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_sideways_scrolling_and_no_serious_accessibility_problem(
    browser: Any, server: Any, scheme: str
) -> None:
    if not AXE.exists():
        missing_tool(f"axe-core ({AXE})", "npm ci --prefix tests/service/browser")
    # bypass_csp only so that the test can inject axe-core; the page itself never needs it.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    url = (
        server.url
        + "/?framework=pytorch&version=1.13.1&region=us-west-2&a=pytorch:2.5.1&b=pytorch:1.13.1"
    )
    background = "rgb(22, 24, 28)" if scheme == "dark" else "rgb(255, 255, 255)"
    serious: list[Any] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        shown(page)
        page.locator("#compare-result table").wait_for()
        page.get_by_role("tab").first.wait_for()
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
        shot = ARTIFACTS / f"page-{scheme}-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
        assert page.evaluate("document.documentElement.scrollWidth") == width
        page.locator("#fw-pytorch").scroll_into_view_if_needed()
        page.mouse.wheel(0, 400)
        page.screenshot(path=str(ARTIFACTS / f"page-{scheme}-{width}-table.png"), full_page=False)
        if width == 1280:
            # The sticky header: after scrolling into the table, its header is at the top.
            head = page.locator("#fw-pytorch thead th").first.bounding_box()
            assert head is not None
            assert abs(head["y"]) < 2, head
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            "async () => (await axe.run()).violations.map("
            "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)}))"
        )
        serious += [v for v in violations if v["impact"] in ("serious", "critical")]
    context.close()
    assert serious == [], serious


# -- the exported static site ----------------------------------------------------------------
def test_exported_site_resolves_and_copies_from_static_files(browser: Any, site: Path) -> None:
    expected_uri = compat.resolve("pytorch", "1.13.1", "eu-west-1").image_uri
    with static_server(site) as url:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        errors = _watch(page)
        page.goto(url + "/")
        page.locator("#rf-framework").select_option("pytorch")
        page.locator("#rf-version").fill("1.13")
        page.locator("#region").select_option("eu-west-1")
        page.wait_for_url("**/index-eu-west-1.html**")
        page.get_by_role("button", name="Resolve").click()
        found = shown(page)
        assert found["fields"]["image_uri"] == expected_uri
        page.get_by_role("button", name="Copy the DLC image URI", exact=True).click()
        assert page.evaluate("navigator.clipboard.readText()") == expected_uri
        assert page.evaluate("document.documentElement.scrollWidth") == 390
        page.get_by_role("tab", name="Dockerfile").click()
        assert (
            "FROM 763104351884.dkr.ecr.eu-west-1"
            in page.locator('[role="tabpanel"][data-snippet="dockerfile"]').inner_text()
        )
        page.screenshot(path=str(ARTIFACTS / "export-phone.png"))
        # A version with no smddp release is the library's message, not a broken page.
        page.locator("#rf-version").fill("2.6.0")
        page.get_by_role("button", name="Resolve").click()
        problem = shown(page)
        assert problem["status"] == 404
        assert "PyTorch 2.6.0 has no smddp" in problem["fields"]["detail"]
        assert problem["fields"]["alternatives"]
        context.close()
    assert errors == [], errors
