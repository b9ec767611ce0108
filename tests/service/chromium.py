"""Headless Chromium (Debian's package) for the tests that drive the page, through Playwright.

Where Chromium is missing, a test fails in CI (``CI=true``: ``.ci/run`` installs
it, so a missing browser is a broken run, and a skip would hide the page's
bugs) and skips elsewhere with the command that installs it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright import sync_api  # in the test extra: a broken install fails here

from ..conftest import missing_tool

CHROMIUM = Path(os.environ.get("SMDDP_COMPAT_CHROMIUM", "/usr/bin/chromium"))
INSTALL = "sudo apt-get install chromium (or set SMDDP_COMPAT_CHROMIUM to its path)"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Fail in CI, skip elsewhere, when Chromium is not installed."""
    if not CHROMIUM.exists():
        missing_tool(str(CHROMIUM), INSTALL)


@contextlib.contextmanager
def launch_chromium() -> Iterator[Any]:
    """One headless Chromium for a module's tests (see :func:`require_chromium`)."""
    require_chromium()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
