"""The faces a query can be asked through, each giving one normalised :class:`Outcome`.

A face takes a :class:`Case` (the values a user would type, and the environment)
and answers with the outcome: an error kind (the exit code or HTTP status mapped
to one name), the message, and the answer (JSON parsed, other formats as text).
The static export (:class:`StaticExportFace`, page.js's lookup done in Python
over an exported site) and the page in headless Chromium (live and static,
``test_page_faces.py``) take only the questions the page can be asked
(:func:`page_question`). Where the static copy says it has no answer, its
outcome is :data:`STATIC_UNANSWERABLE`, and :func:`static_gap` says whether the
README documents that gap for the query (else it is a disagreement).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: Exit codes and HTTP statuses, as one error kind.
KIND_BY_EXIT = {
    0: "ok",
    1: "unexpected",
    2: "usage",
    3: "not-found",
    4: "not-eligible",
    7: "matrix",
}
KIND_BY_STATUS = {200: "ok", 400: "usage", 404: "not-found", 422: "not-eligible", 500: "unexpected"}
#: The query fields a case may set, with their CLI options.
OPTIONS = {
    "framework": "--framework",
    "version": "--version",
    "region": "--region",
    "smddp_version": "--smddp-version",
    "instance_type": "--instance-type",
    "want": "--want",
    "format": "--format",
}


@dataclass(frozen=True)
class Case:
    """One query as typed: field -> text (absent: not given), and environment variables."""

    values: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...] = ()
    label: str = ""

    @classmethod
    def of(cls, label: str = "", env: Mapping[str, str] | None = None, **values: str) -> Case:
        # The CLI prints text by default and HTTP JSON: a case always names its format.
        values.setdefault("format", "json")
        return cls(tuple(values.items()), tuple((env or {}).items()), label)

    @property
    def given(self) -> dict[str, str]:
        return dict(self.values)

    @property
    def format(self) -> str:
        return self.given.get("format", "json").lower()

    def argv(self) -> list[str]:
        args = ["resolve"]
        for name, value in self.values:
            args += [OPTIONS[name], value]
        return args

    def __str__(self) -> str:
        env = " ".join(f"{k}={v!r}" for k, v in self.env)
        return f"{env} {' '.join(repr(a) for a in self.argv())}".strip()


@dataclass(frozen=True)
class Outcome:
    """What a face answered, normalised so that faces can be compared."""

    kind: str
    message: str = ""
    answer: Any = None
    notes: dict[str, Any] = field(default_factory=dict, compare=False)


class Face(Protocol):
    """One way of asking: the library, the CLI fast path, click, HTTP, ..."""

    name: str
    #: Whether the face reads environment variables (a server does not read its client's).
    reads_environment: bool

    def ask(self, case: Case) -> Outcome: ...


def takes(face: Face, case: Case) -> bool:
    """Whether ``face`` can be asked ``case`` (a face may narrow it with a ``takes`` method)."""
    if case.env and not face.reads_environment:
        return False
    narrow = getattr(face, "takes", None)
    return narrow is None or bool(narrow(case))


def _payload(text: str, fmt: str) -> Any:
    if fmt in ("json", "sagemaker"):
        return json.loads(text)
    return text.strip()


def _cli_message(stderr: str) -> str:
    first = stderr.split("error: ", 1)[-1]
    return first.split("\n  hint:", 1)[0].split("\n  instead:", 1)[0].strip()


def cli_outcome(code: int, stdout: str, stderr: str, fmt: str) -> Outcome:
    kind = KIND_BY_EXIT.get(code, f"exit-{code}")
    if kind != "ok":
        return Outcome(kind, _cli_message(stderr), notes={"stderr": stderr})
    return Outcome(kind, "", _payload(stdout, fmt), notes={"stderr": stderr})


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` set on top of os.environ for the block (the region variables cleared)."""
    saved = {k: os.environ.get(k) for k in (*env, "AWS_REGION", "AWS_DEFAULT_REGION")}
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        os.environ.pop(name, None)
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LibraryFace:
    """``compat.query.parse_query`` + ``compat.answers.answer`` + ``compat.render.render``."""

    name = "library"
    reads_environment = True

    def ask(self, case: Case) -> Outcome:
        from compat.answers import answer
        from compat.errors import CompatError
        from compat.query import parse_query
        from compat.render import render
        from compat.render.json import to_jsonable

        try:
            query = parse_query(case.given, environ=dict(case.env))
            value = answer(query)
            if query.format in ("json", "sagemaker"):
                return Outcome("ok", "", json.loads(json.dumps(to_jsonable(value))))
            return Outcome("ok", "", render(value, query.format).strip())
        except CompatError as exc:
            return Outcome(KIND_BY_EXIT[int(exc.exit_code)], exc.message)


class InProcessCliFace:
    """The CLI run in this process with the case's environment, its output captured.

    Its subclasses differ only in the entry point they call (:meth:`call`).
    """

    name = "cli"
    reads_environment = True

    def call(self, argv: list[str]) -> int:
        raise NotImplementedError

    def ask(self, case: Case) -> Outcome:
        out, err = io.StringIO(), io.StringIO()
        with (
            environment(dict(case.env)),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = self.call(case.argv())
        return cli_outcome(code, out.getvalue(), err.getvalue(), case.format)


class FastPathFace(InProcessCliFace):
    """``compat.entry.main``: the console script's fast path where it applies."""

    name = "cli-fast"

    def call(self, argv: list[str]) -> int:
        from compat.entry import main

        try:
            main(argv)
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0


class ClickFace(InProcessCliFace):
    """The click command, forced (a command-level --matrix is not a fast-path option)."""

    name = "cli-click"

    def call(self, argv: list[str]) -> int:
        from compat.cli.app import run
        from compat.matrix import shipped_matrix_path

        return run([*argv, "--matrix", shipped_matrix_path()])


def http_outcome(status: int, body: bytes, content_type: str, fmt: str) -> Outcome:
    kind = KIND_BY_STATUS.get(status, f"http-{status}")
    if kind != "ok":
        problem = json.loads(body)
        return Outcome(kind, problem["detail"], notes={"problem": problem})
    return Outcome(kind, "", _payload(body.decode("utf-8"), fmt))


class HttpFace:
    """GET /v1/resolve through an httpx client (in-process TestClient or a real server)."""

    reads_environment = False

    def __init__(self, client: Any, name: str = "http") -> None:
        self.client = client
        self.name = name

    def ask(self, case: Case) -> Outcome:
        response = self.client.get("/v1/resolve", params=case.given)
        return http_outcome(
            response.status_code,
            response.content,
            response.headers.get("content-type", ""),
            case.format,
        )


class SubprocessFace:
    """``python -m compat resolve ...`` as a real process (a sample: processes are slow)."""

    name = "cli-process"
    reads_environment = True

    def ask(self, case: Case) -> Outcome:
        from tests.conftest import run_process

        result = run_process(case.argv(), **dict(case.env))
        return cli_outcome(result.exit_code, result.stdout, result.stderr, case.format)


#: The outcome kind of a query the static copy says it has no answer for.
STATIC_UNANSWERABLE = "static-unanswerable"
#: How the static page's script words that (compat/service/static/page.js, ``unknown``).
STATIC_NO_ANSWER = "this static copy has no answer for "
#: Characters only a PEP 440 specifier has (the static copy answers no specifier).
_SPECIFIER = set("<>=!~,*")


def page_question(case: Case) -> tuple[str, str, str | None] | None:
    """``(framework, version, region)`` when the page can be asked ``case``, else None.

    The page asks framework, version and region (its address and its form) for
    a JSON answer, nothing else: no smddp version, artefact, instance type or
    format, no environment. An empty value is not askable either: the page's
    address reads ``version=`` as no version (``latest``) and ``region=`` as no
    region, as a form with an empty field does, where ``/v1/resolve`` says 400.
    """
    given = case.given
    if case.env or set(given) - {"framework", "version", "region", "format"}:
        return None
    if given.get("format", "json").lower() != "json" or "framework" not in given:
        return None
    if any(not value.strip() for value in given.values()):
        return None
    return given["framework"], given.get("version", "latest"), given.get("region")


def static_gap(case: Case, static: Outcome, reference: Outcome) -> str | None:
    """Why the static copy may say it has no answer for ``case`` (README: specifiers, another
    letter case of a version, names it does not know), or None when it should have answered.
    """
    asked = page_question(case)
    if asked is None or static.kind != STATIC_UNANSWERABLE:
        return None
    if not static.message.startswith(STATIC_NO_ANSWER):
        return None
    what = static.notes["what"]
    if what in ("framework", "region"):
        # A name it does not know: never one the live service answers.
        if reference.kind == "ok":
            return None
        same = reference.kind == KIND_BY_STATUS[static.notes["status"]]
        return f"unknown {what}" + ("" if same else f" ({reference.kind} live)")
    version = asked[1]
    if _SPECIFIER & set(version):
        return "specifier"
    if version.lower() in static.notes["spellings"]:
        return "letter case"
    if version != version.strip():
        return "spaces"
    if reference.kind != "ok":
        return f"not in the index ({reference.kind} live)"
    return None


class StaticExportFace:
    """The static export's answer, found as page.js's ``lookup`` finds it (in Python).

    ``v1/answers/index.json`` canonicalises the framework and region (trimmed,
    lower-cased), ``v1/answers/{framework}.json`` maps the version exactly as
    typed to ``[file, patch]`` per region, and the patch (``+key``: items before
    and after the stored list) turns the stored answer or problem into the one
    for that spelling.
    """

    name = "static-export"
    reads_environment = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, Any] = {}

    def load(self, path: str) -> Any:
        if path not in self._files:
            self._files[path] = json.loads((self.root / path).read_bytes())
        return self._files[path]

    def takes(self, case: Case) -> bool:
        return page_question(case) is not None

    def ask(self, case: Case) -> Outcome:
        asked = page_question(case)
        assert asked is not None, f"the page cannot be asked {case}"
        framework, version, region = asked
        index = self.load("v1/answers/index.json")
        fw = index["frameworks"].get(framework.strip().lower())
        if fw is None:
            return self._unknown(index, "framework", framework)
        where = "-"
        if region:
            found = index["regions"].get(region.strip().lower())
            if found is None:
                return self._unknown(index, "region", region)
            where = found
        data = self.load(f"v1/answers/{fw}.json")
        entry = data["spellings"].get(version)
        if entry is None:
            spellings = {s.lower() for s in data["spellings"]}
            return self._unknown(index, "version", version, spellings)
        at = data["regions"].index(where) * 2
        patch = data["patches"][entry[at + 1]]
        out = json.loads(json.dumps(self.load(data["files"][entry[at]])))
        for key, value in patch.items():
            if key.startswith("+"):
                out[key[1:]] = [*value[0], *out[key[1:]], *value[1]]
            else:
                out[key] = value
        if isinstance(out.get("type"), str) and isinstance(out.get("status"), int):
            return Outcome(KIND_BY_STATUS[out["status"]], out["detail"], notes={"problem": out})
        return Outcome("ok", "", out)

    def _unknown(
        self, index: Any, what: str, value: str, spellings: set[str] | None = None
    ) -> Outcome:
        known = index["unknown"][what]
        return Outcome(
            STATIC_UNANSWERABLE,
            f"{STATIC_NO_ANSWER}{what} {json.dumps(value)}",
            notes={"what": what, "status": known["status"], "spellings": spellings or set()},
        )
