"""The web page in real headless Chromium (Debian's package) driven by Playwright.

Skipped, not failed, where Chromium (a system package) is missing; Playwright
is in the test extra, so a broken install fails at import instead of skipping.
Screenshots at 390, 768 and
1280 px (light and dark) are saved to test-artifacts/ for a person to look at;
axe-core (from npm: ``npm ci --prefix tests/service/browser``) checks the
page's accessibility and fails on serious or critical violations.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api

import compat
from compat.service.export import export_site

from ..conftest import REPO
from .support import free_port, running_server

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("SMDDP_COMPAT_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (390, 768, 1280)
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        found = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield found
        finally:
            found.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_server([], tmp_path_factory.mktemp("browser") / "server.log") as found:
        yield found


def _watch(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_page_in_a_real_browser(browser: Any, server: Any) -> None:
    expected = compat.resolve("pytorch", "1.13.1", "eu-west-1")
    china = compat.resolve("pytorch", "1.13.1", "cn-north-1")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = _watch(page)
    page.goto(server.url + "/", wait_until="load")
    row = page.locator('tr[data-framework="pytorch"][data-version="1.13.1"]')
    assert row.locator("code.image-uri").inner_text() == (
        f"{expected.repository}:{expected.image_tag}"
    )

    page.get_by_label("Region for image URIs").select_option("eu-west-1")
    assert row.locator("code.image-uri").inner_text() == expected.image_uri
    assert page.url.endswith("/?region=eu-west-1")
    page.get_by_label("Region for image URIs").select_option("cn-north-1")
    assert row.locator("code.image-uri").inner_text() == china.image_uri

    page.get_by_label("Framework", exact=True).first.select_option("pytorch")
    page.locator("#rf-version").fill("1.13")
    page.get_by_role("button", name="Resolve").click()
    answer = page.locator("#resolve-answer")
    answer.wait_for(timeout=10_000)
    assert china.image_uri in answer.inner_text()
    assert (
        "1.13.1 with smddp 1.7.0 in cn-north-1" in page.locator("#resolve-result h3").inner_text()
    )
    # The address reflects the form: the link reproduces the answer.
    assert page.url.endswith("/?framework=pytorch&version=1.13&region=cn-north-1")

    page.locator("#rf-version").fill("0.1.0")
    page.get_by_role("button", name="Resolve").click()
    page.locator("#resolve-result.problem").wait_for(timeout=10_000)
    assert "0.1.0" in page.locator("#resolve-result").inner_text()

    # Notes are folded so rows stay short; they open on demand.
    notes = row.locator("td.notes details")
    assert notes.get_attribute("open") is None
    row.locator("td.notes summary").click()
    assert notes.get_attribute("open") is not None
    page.close()
    # The one failed load is the deliberate 404 answer for 0.1.0; no CSP violation, no script error.
    assert [e for e in errors if "404" not in e] == [], errors
    assert len(errors) <= 1, errors


def test_a_link_fills_the_form_and_answers_at_the_top(browser: Any, server: Any) -> None:
    expected = compat.resolve("pytorch", "1.13.1", "us-west-2")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    errors = _watch(page)
    page.goto(server.url + "/?framework=pytorch&version=1.13.1&region=us-west-2")
    answer = page.locator("#resolve-answer")
    answer.wait_for(timeout=10_000)
    assert page.locator("#rf-version").input_value() == "1.13.1"
    assert page.locator("#region").input_value() == "us-west-2"
    assert expected.image_uri in answer.inner_text()
    # The answer is above the tables, in the first screen.
    box = page.locator("#resolve-result").bounding_box()
    assert box is not None
    assert box["y"] < 900
    assert box["y"] < page.locator("section.framework").first.bounding_box()["y"]
    page.get_by_role("button", name="Copy the answer's image uri").click()
    assert page.evaluate("navigator.clipboard.readText()") == expected.image_uri
    context.close()
    assert errors == []


def test_eligibility_form_is_the_no_aws_preflight(browser: Any, server: Any) -> None:
    report = compat.preflight(
        "pytorch", "1.13.1", "us-west-2", "ml.p4d.24xlarge", 2, no_aws=True, skip_reason="x"
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/?region=us-west-2")
    page.locator("#ef-framework").select_option("pytorch")
    page.locator("#ef-version").fill("1.13.1")
    page.get_by_label("Instance type", exact=True).select_option("ml.p4d.24xlarge")
    page.get_by_label("Count", exact=True).fill("2")
    page.get_by_role("button", name="Check").click()
    found = page.locator("#eligibility-answer")
    found.wait_for(timeout=10_000)
    text = found.inner_text()
    eligibility = next(c for c in report.checks if c.name == "eligibility")
    assert f"{eligibility.status.value.upper()} eligibility: {eligibility.message}" in text
    heading = (
        page.locator("#eligibility-answer").locator("xpath=preceding-sibling::h3").inner_text()
    )
    assert heading.endswith(": partial (not checked: " + ", ".join(report.not_checked) + ")")
    page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_sideways_scrolling_and_no_serious_accessibility_problem(
    browser: Any, server: Any, scheme: str
) -> None:
    if not AXE.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, so axe-core cannot be installed")
        if os.environ.get("CI"):  # .ci/run installs it wherever npm is: missing is a broken run
            pytest.fail(f"{AXE} is missing: run npm ci --prefix tests/service/browser")
        pytest.skip(f"{AXE} is missing: run npm ci --prefix tests/service/browser")
    # bypass_csp only so that the test can inject axe-core; the page itself never needs it.
    context = browser.new_context(color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    url = server.url + "/?framework=pytorch&version=1.13.1&region=us-west-2"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.locator("#resolve-answer").wait_for(timeout=10_000)
        shot = ARTIFACTS / f"page-{scheme}-{width}.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000
        assert page.evaluate("document.documentElement.scrollWidth") == width
        if width == 1280:
            page.locator("#fw-pytorch").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"page-{scheme}-table.png"), full_page=False)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run()).violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target)}))"
    )
    context.close()
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


# -- the exported static site ----------------------------------------------------------------
@contextlib.contextmanager
def _static_server(root: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(url + "/index.html", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("python -m http.server did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_exported_site_resolves_and_copies_from_static_files(browser: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    export_site(str(site))
    expected = compat.resolve("pytorch", "1.13.1", "eu-west-1")
    with _static_server(site) as url:
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        errors = _watch(page)
        page.goto(url + "/")
        page.get_by_label("Region for image URIs").select_option("eu-west-1")
        page.locator("#rf-framework").select_option("pytorch")
        page.locator("#rf-version").fill("1.13")
        page.get_by_role("button", name="Resolve").click()
        answer = page.locator("#resolve-answer")
        answer.wait_for(timeout=10_000)
        assert expected.image_uri in answer.inner_text()
        page.get_by_role("button", name="Copy the answer's image uri").click()
        assert page.evaluate("navigator.clipboard.readText()") == expected.image_uri
        assert page.evaluate("document.documentElement.scrollWidth") == 390
        page.screenshot(path=str(ARTIFACTS / "export-phone.png"))
        # A version with no smddp release is a clear message, not a broken page.
        page.locator("#rf-version").fill("0.1")
        page.get_by_role("button", name="Resolve").click()
        page.locator("#resolve-result.problem").wait_for(timeout=10_000)
        assert "no pytorch release matches" in page.locator("#resolve-result").inner_text()
        context.close()
    assert errors == [], errors
