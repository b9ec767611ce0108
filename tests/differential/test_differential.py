"""Every face gives the same answer, or the same error kind and message, for every query.

The corpus (tests/differential/corpus.py) is generated from the shipped matrix
plus hostile variants; the faces (tests/differential/faces.py) are the library,
the CLI fast path and the click command in-process, HTTP through the FastAPI app,
and samples through real processes and a real uvicorn on 127.0.0.1. A face that
does not read the environment (HTTP) is asked only the cases without one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.support import make_client, running_server

from .corpus import FORMATS, REGIONS, WANTS, corpus, hostile
from .faces import (
    STATIC_UNANSWERABLE,
    Case,
    ClickFace,
    Face,
    FastPathFace,
    HttpFace,
    LibraryFace,
    Outcome,
    StaticExportFace,
    SubprocessFace,
    page_question,
    static_gap,
    takes,
)

CORPUS = corpus()


@pytest.fixture(scope="module")
def http_client() -> Iterator[object]:
    with make_client() as client:
        yield client


@pytest.fixture(scope="module")
def faces(http_client: object, exported_site: Path) -> list[Face]:
    return [
        LibraryFace(),
        FastPathFace(),
        ClickFace(),
        HttpFace(http_client),
        StaticExportFace(exported_site),
    ]


def disagreements(
    cases: Sequence[Case], faces: Sequence[Face], gaps: dict[str, int] | None = None
) -> list[str]:
    """One line per case where a face's outcome differs from the first face's.

    The static copy may instead say it has no answer where the README documents
    that it cannot (:func:`static_gap`); ``gaps`` counts those by reason.
    """
    out: list[str] = []
    for case in cases:
        reference: Outcome | None = None
        ref_name = ""
        for face in faces:
            if not takes(face, case):
                continue
            got = face.ask(case)
            if got.kind == "unexpected":
                out.append(
                    f"{case} [{case.label}]: {face.name} crashed: {got.notes or got.message}"
                )
            if reference is None:
                reference, ref_name = got, face.name
            elif got.kind == STATIC_UNANSWERABLE:
                reason = static_gap(case, got, reference)
                if reason is None:
                    out.append(
                        f"{case} [{case.label}]: {face.name} says {got.message!r} but "
                        f"{ref_name}={reference.kind}:{reference.message!r} and the static "
                        "copy documents no such gap"
                    )
                elif gaps is not None:
                    gaps[reason] = gaps.get(reason, 0) + 1
            elif got != reference:
                out.append(
                    f"{case} [{case.label}]: {ref_name}={reference.kind}:{reference.message!r}"
                    f"{'' if reference.kind != 'ok' else ' ' + str(reference.answer)[:200]} "
                    f"but {face.name}={got.kind}:{got.message!r}"
                    f"{'' if got.kind != 'ok' else ' ' + str(got.answer)[:200]}"
                )
    return out


def test_the_corpus_is_large_and_covers_every_face_of_a_query() -> None:
    assert len(CORPUS) >= 2000
    kinds = {LibraryFace().ask(c).kind for c in hostile()}
    assert {"ok", "usage", "not-found", "not-eligible"} <= kinds
    formats = {c.format for c in CORPUS}
    assert {"json", "text", "uri", "env", "yaml", "sagemaker"} <= formats


def test_every_face_agrees_on_the_whole_corpus(faces: list[Face]) -> None:
    problems = disagreements(CORPUS, faces)
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems[:25])


def test_the_static_export_answers_what_the_page_can_ask(exported_site: Path) -> None:
    """The static face must answer most of its questions itself (else it proves nothing),
    and its documented gaps must be real: specifiers and other cases of a version."""
    library, static = LibraryFace(), StaticExportFace(exported_site)
    asked = [c for c in CORPUS if static.takes(c)]
    answered = [c for c in asked if static.ask(c).kind != STATIC_UNANSWERABLE]
    assert len(asked) >= 400
    assert len(answered) >= 0.6 * len(asked)  # the rest: specifiers, which it documents
    gaps: dict[str, int] = {}
    assert not disagreements(asked, [library, static], gaps)
    assert "specifier" in gaps, gaps
    for version, reason in ((">=2.3,<2.4", "specifier"), ("V1.13.1", "letter case")):
        case = Case.of(reason, framework="pt", version=version, region="us-west-2")
        got = static.ask(case)
        assert got.kind == STATIC_UNANSWERABLE
        assert library.ask(case).kind == "ok"
        assert static_gap(case, got, library.ask(case)) == reason
    # An unknown spelling of a known kind is no gap: it must answer like the library.
    local = Case.of("local", framework="pt", version="2.1.0+cu117", region="us-west-2")
    assert static.ask(local) == library.ask(local)
    assert page_question(Case.of("env", env={"AWS_REGION": "us-west-2"}, framework="pt")) is None


def test_the_fast_path_really_answers_the_plain_cases() -> None:
    """The fast face must not fall back to click for everything (else it proves nothing)."""
    from compat.entry import parse_fast

    fast = [c for c in CORPUS if parse_fast(c.argv()) is not None]
    assert len(fast) > len(CORPUS) // 2


def test_a_sample_agrees_through_real_processes_and_a_real_server(
    faces: list[Face], tmp_path: Path
) -> None:
    sample = [*hostile()[:12], *random.Random(7).sample(CORPUS, 12)]
    with (
        running_server([], tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        live = HttpFace(client, name="uvicorn")
        problems = disagreements(sample, [faces[0], SubprocessFace(), live])
    assert not problems, "\n".join(problems)


_framework = st.sampled_from(["pytorch", "PT", "torch", "tf", "TensorFlow", "pl", "hf", "jax"])
_version = st.sampled_from(
    ["1.13.1", "v2.3.1", "2.3", "2.4", "latest", ">=2.0,<2.4", "2.2.0+cu121", "1.5.0", "9", ""]
)
_optional = {
    "framework": _framework,
    "version": _version,
    "region": st.sampled_from([*REGIONS, "mars-1", ""]),
    "smddp_version": st.sampled_from(["1.7.0", "2.3.0", "2.5.0", "3.0.0", ""]),
    "want": st.sampled_from(WANTS),
    "format": st.sampled_from(FORMATS),
}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    values = {name: draw(strategy) for name, strategy in _optional.items() if draw(st.booleans())}
    return Case.of("hypothesis", **values)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=cases())
def test_drawn_queries_get_the_same_outcome_on_every_face(faces: list[Face], case: Case) -> None:
    assert not disagreements([case], faces)


def test_the_export_index_and_snippets_ask_the_one_answer_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``export-site``'s answers and ``/v1/snippets`` build a Query and ask compat.answers."""
    import compat.answers
    from compat.matrix import matrix_or_default
    from compat.query import Query
    from compat.recipes.snippets import snippets
    from compat.service.page_answers import answer as page_answer

    asked: list[Query] = []
    real = compat.answers.answer

    def recording(query: Query, **kwargs: object) -> object:
        asked.append(query)
        return real(query, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compat.answers, "answer", recording)
    m = matrix_or_default(None)
    page_answer(m, "PT", "2.3", "US-WEST-2")
    assert [(q.framework, q.version, q.region) for q in asked] == [("PT", "2.3", "US-WEST-2")]
    asked.clear()
    snippets("torch", "1.13", "eu-west-1", matrix=m)
    # Its release first; the byoc recipes then ask for that exact release again.
    assert (asked[0].framework, asked[0].version, asked[0].region) == ("torch", "1.13", "eu-west-1")
