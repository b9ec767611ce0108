"""The faces a query can be asked through, each giving one normalised :class:`Outcome`.

A face takes a :class:`Case` (the values a user would type, and the environment)
and answers with the outcome: an error kind (the exit code or HTTP status mapped
to one name), the message, and the answer (JSON parsed, other formats as text).
More faces (the static export, the page in Chromium) implement :class:`Face` and
join the runner in ``test_differential.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
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


class FastPathFace:
    """``compat.entry.main`` in-process: the console script's fast path where it applies."""

    name = "cli-fast"
    reads_environment = True

    def ask(self, case: Case) -> Outcome:
        from compat.entry import main

        out, err = io.StringIO(), io.StringIO()
        with (
            environment(dict(case.env)),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            try:
                main(case.argv())
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
        return cli_outcome(code, out.getvalue(), err.getvalue(), case.format)


class ClickFace:
    """The click command, forced (a command-level --matrix is not a fast-path option)."""

    name = "cli-click"
    reads_environment = True

    def ask(self, case: Case) -> Outcome:
        from compat.cli.app import run
        from compat.matrix import shipped_matrix_path

        out, err = io.StringIO(), io.StringIO()
        with (
            environment(dict(case.env)),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = run([*case.argv(), "--matrix", shipped_matrix_path()])
        return cli_outcome(code, out.getvalue(), err.getvalue(), case.format)


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
