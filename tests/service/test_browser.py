"""The web page in real headless Chromium (Debian's package) driven by Playwright.

Skipped, not failed, where Chromium (a system package) is missing; Playwright
is in the test extra, so a broken install fails at import instead of skipping.
The screenshot is saved to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright import sync_api

import compat

from ..conftest import REPO
from .support import running_server

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("SMDDP_COMPAT_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_page_in_a_real_browser(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    expected = compat.resolve("pytorch", "1.13.1", "eu-west-1")
    china = compat.resolve("pytorch", "1.13.1", "cn-north-1")
    errors: list[str] = []
    with running_server([], tmp_path / "server.log") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url + "/", wait_until="load")
            row = page.locator('tr[data-framework="pytorch"][data-version="1.13.1"]')
            assert row.locator("code.image-uri").inner_text() == (
                f"{expected.repository}:{expected.image_tag}"
            )

            page.get_by_label("Region for image URIs").select_option("eu-west-1")
            assert row.locator("code.image-uri").inner_text() == expected.image_uri
            assert page.url.endswith("?region=eu-west-1")
            page.get_by_label("Region for image URIs").select_option("cn-north-1")
            assert row.locator("code.image-uri").inner_text() == china.image_uri

            page.get_by_label("Framework", exact=True).select_option("pytorch")
            page.get_by_label("Version", exact=True).fill("1.13")
            page.get_by_role("button", name="Resolve").click()
            answer = page.locator("#resolve-answer")
            answer.wait_for(timeout=10_000)
            assert china.image_uri in answer.inner_text()
            assert (
                "1.13.1 with smddp 1.7.0 in cn-north-1"
                in page.locator("#resolve-result h3").inner_text()
            )

            page.get_by_label("Version", exact=True).fill("0.1.0")
            page.get_by_role("button", name="Resolve").click()
            page.locator("#resolve-result.problem").wait_for(timeout=10_000)
            assert "0.1.0" in page.locator("#resolve-result").inner_text()

            page.get_by_label("Version", exact=True).fill("1.13.1")
            page.get_by_role("button", name="Resolve").click()
            answer.wait_for(timeout=10_000)
            page.screenshot(path=str(artifacts / "page-desktop.png"), full_page=False)
            row.scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "page-table.png"), full_page=False)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(artifacts / "page-phone.png"), full_page=False)
        finally:
            browser.close()
    # The one failed load is the deliberate 404 answer for 0.1.0; no CSP violation, no script error.
    assert [e for e in errors if "404" not in e] == [], errors
    assert len(errors) <= 1, errors
    assert (artifacts / "page-desktop.png").stat().st_size > 10_000
