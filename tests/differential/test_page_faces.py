"""The page in headless Chromium, live and static, as two more faces of the differential test.

A deterministic sample of the corpus (every question the page can be asked
among the hostile cases, plus generated ones drawn with a fixed seed: aliases,
cases, spellings, regions, errors) is asked through the page's address, as a
link would, on the live server (``smddp-compat serve`` on 127.0.0.1) and on the
static export (``python -m http.server`` on 127.0.0.1). The panel the real
page.js rendered (tests/service/page_reader.py) must be exactly what
``/v1/resolve`` returned for the same parameters; on the static copy, where
the Python mirror of its lookup (:class:`StaticExportFace`) says it has no
answer, the page must say that same thing, and only for a gap the README
documents. One browser and one tab serve every query.

An empty value in the address is asked as it is: ``?framework=pt&version=``
gets ``/v1/resolve``'s 400 naming ``version`` on the live page, and on the
static copy that answer or that it has no answer for that version (``""``),
never an answer for another question (``latest``, no region).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.service.chromium import launch_chromium
from tests.service.page_reader import expected, shown
from tests.service.support import running_server, static_server

from .corpus import corpus, hostile
from .faces import (
    KIND_BY_STATUS,
    STATIC_NO_ANSWER,
    STATIC_UNANSWERABLE,
    Case,
    LibraryFace,
    StaticExportFace,
    page_question,
    static_gap,
)

pytestmark = pytest.mark.browser

#: How many generated cases join the hostile ones (the sample is at least 150).
GENERATED = 150


def page_sample() -> list[Case]:
    """The corpus cases the page can be asked: every hostile one, and a seeded draw."""
    askable_hostile = [c for c in hostile() if page_question(c) is not None]
    generated = [c for c in corpus()[len(hostile()) :] if page_question(c) is not None]
    return [*askable_hostile, *random.Random(19).sample(generated, GENERATED)]


SAMPLE = page_sample()

#: The page's own parameters (its address and its form ask nothing else for an answer).
PAGE_FIELDS = frozenset({"framework", "version", "region"})


def empty_cases() -> list[Case]:
    """The hostile cases that put an empty or blank framework, version or region in the address.

    ``faces.page_question`` leaves them out (the other faces ask them); here they are
    asked of the page as a link would carry them.
    """
    found = []
    for case in hostile():
        given = {k: v for k, v in case.given.items() if k != "format"}
        if case.env or case.format != "json" or set(given) - PAGE_FIELDS:
            continue
        if "framework" in given and any(not v.strip() for v in given.values()):
            found.append(case)
    return found


EMPTY = empty_cases()


def _params(case: Case) -> dict[str, str]:
    asked = page_question(case)
    if asked is None:  # an empty value: the address carries exactly what was typed
        return {k: v for k, v in case.given.items() if k in PAGE_FIELDS}
    framework, version, region = asked
    params = {"framework": framework, "version": version}
    if region is not None:
        params["region"] = region
    return params


def test_the_sample_covers_what_a_person_types() -> None:
    assert len(SAMPLE) >= 150
    questions = [page_question(c) for c in SAMPLE]
    frameworks = {q[0] for q in questions if q}
    versions = [q[1] for q in questions if q]
    regions = {q[2] for q in questions if q}
    assert {"pt", "tf", "PyTorch"} & frameworks
    assert any(f.isupper() for f in frameworks)
    assert any(f.lower() not in ("pytorch", "tensorflow") for f in frameworks)  # aliases
    assert "latest" in versions
    assert any(v.startswith("v") for v in versions)
    assert any("+" in v for v in versions)
    assert any(v.count(".") == 1 for v in versions)  # prefixes
    assert any(v.startswith((">=", "==")) for v in versions)  # specifiers
    assert {None, "US-WEST-2", "cn-north-1"} <= regions
    statuses = {LibraryFace().ask(c).kind for c in SAMPLE}
    assert {"ok", "usage", "not-found"} <= statuses


@dataclass
class Tab:
    """The one tab every query is asked in, and the script errors it logged."""

    page: Any
    errors: list[str] = field(default_factory=list)

    def script_errors(self) -> list[str]:
        # A 4xx answer is logged by Chromium as a failed resource: that is the answer, no bug.
        return [e for e in self.errors if "Failed to load resource" not in e]


@pytest.fixture(scope="module")
def tab() -> Iterator[Tab]:
    with launch_chromium() as browser:
        found = Tab(browser.new_page(viewport={"width": 1280, "height": 900}))
        found.page.on(
            "console", lambda m: found.errors.append(m.text) if m.type == "error" else None
        )
        found.page.on("pageerror", lambda e: found.errors.append(str(e)))
        yield found
        found.page.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with running_server([], tmp_path_factory.mktemp("page-faces") / "server.log") as server:
        yield server


def _live_answer(server: Any, case: Case) -> tuple[int, dict[str, Any]]:
    response = httpx.get(server.url + "/v1/resolve", params=_params(case), timeout=10)
    return response.status_code, response.json()


def test_the_live_page_shows_what_v1_resolve_returns(tab: Tab, live_server: Any) -> None:
    page = tab.page
    tab.errors.clear()
    problems, kinds = [], set()
    started = time.monotonic()
    for case in SAMPLE:
        status, body = _live_answer(live_server, case)
        kinds.add(KIND_BY_STATUS.get(status, status))
        page.goto(live_server.url + "/?" + urlencode(_params(case)), wait_until="commit")
        found = shown(page)
        if found != expected(status, body):
            problems.append(f"{case} [{case.label}]: live page {found} but API {status} {body}")
    took = time.monotonic() - started
    print(f"live page: {len(SAMPLE)} queries in {took:.1f} s")
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:10])
    assert {"ok", "usage", "not-found"} <= kinds
    assert tab.script_errors() == []


def test_the_static_page_shows_what_v1_resolve_returns_or_says_it_cannot(
    tab: Tab, live_server: Any, exported_site: Path
) -> None:
    page = tab.page
    tab.errors.clear()
    mirror, library = StaticExportFace(exported_site), LibraryFace()
    problems: list[str] = []
    gaps: dict[str, int] = {}
    started = time.monotonic()
    with static_server(exported_site) as url:
        for case in SAMPLE:
            page.goto(url + "/index.html?" + urlencode(_params(case)), wait_until="commit")
            found = shown(page)
            looked_up = mirror.ask(case)
            if looked_up.kind == STATIC_UNANSWERABLE:
                # The page says what the mirror of its lookup says, for a documented gap only.
                reason = static_gap(case, looked_up, library.ask(case))
                says = (found["status"], found["fields"]["detail"])
                if reason is None or says != (looked_up.notes["status"], looked_up.message):
                    problems.append(f"{case} [{case.label}]: static page {found}, gap {reason}")
                else:
                    gaps[reason] = gaps.get(reason, 0) + 1
                continue
            status, body = _live_answer(live_server, case)
            if found != expected(status, body):
                problems.append(f"{case} [{case.label}]: static page {found} but API {body}")
    took = time.monotonic() - started
    print(f"static page: {len(SAMPLE)} queries in {took:.1f} s, documented gaps {gaps}")
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:10])
    assert sum(gaps.values()) < len(SAMPLE) // 2  # it answers most questions itself
    assert tab.script_errors() == []


def test_the_empty_cases_are_the_ones_a_link_can_carry() -> None:
    labels = {c.label for c in EMPTY}
    assert {"empty framework", "blank framework", "empty version", "empty region"} <= labels
    assert all(page_question(c) is None for c in EMPTY)


def test_the_live_page_shows_v1_resolves_400_for_an_empty_value(tab: Tab, live_server: Any) -> None:
    page = tab.page
    tab.errors.clear()
    problems = []
    for case in EMPTY:
        params = _params(case)
        status, body = _live_answer(live_server, case)
        assert status == 400, f"{case.label}: the API answered {status} {body}"
        page.goto(live_server.url + "/?" + urlencode(params), wait_until="commit")
        found = shown(page)
        if found != expected(status, body):
            problems.append(f"[{case.label}] live page {found} but API {status} {body}")
        # The address still holds the question, empty value and all: a link reproduces it.
        kept = page.evaluate("() => Object.fromEntries(new URLSearchParams(location.search))")
        if {k: kept.get(k) for k in params} != params:
            problems.append(f"[{case.label}] the address became {kept}, asked {params}")
    assert not problems, "\n".join(problems)
    assert tab.script_errors() == []


def test_the_static_page_never_answers_another_question_for_an_empty_value(
    tab: Tab, live_server: Any, exported_site: Path
) -> None:
    page = tab.page
    tab.errors.clear()
    index = json.loads((exported_site / "v1/answers/index.json").read_bytes())
    problems = []
    with static_server(exported_site) as url:
        for case in EMPTY:
            params = _params(case)
            status, body = _live_answer(live_server, case)
            page.goto(url + "/index.html?" + urlencode(params), wait_until="commit")
            found = shown(page)
            if found == expected(status, body):
                continue
            # Else it says it has no answer for the (first) empty value, with its status.
            # (looked up in page.js's order: framework, region, version).
            what = next(
                k for k in ("framework", "region", "version") if not params.get(k, "x").strip()
            )
            says = (found["status"], found["fields"].get("detail"))
            wanted = (
                index["unknown"][what]["status"],
                " ".join(f"{STATIC_NO_ANSWER}{what} {json.dumps(params[what])}".split()),
            )
            if says != wanted or found["title"] is not None:
                problems.append(f"[{case.label}] static page {found}; API {status} {body}")
    assert not problems, "\n".join(problems)
    assert tab.script_errors() == []
