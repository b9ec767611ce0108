"""The README's exit-code table is the ExitCode enum, and errors map to it."""

from __future__ import annotations

import re

from compat import errors
from compat.exit_codes import ExitCode

from .conftest import REPO


def test_readme_table_matches_the_enum() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1]
    codes = {int(m.group(1)) for m in re.finditer(r"^\|\s*(\d+)\s*\|", section, re.MULTILINE)}
    assert codes == {int(code) for code in ExitCode}


def test_every_error_class_has_a_code_from_the_table() -> None:
    classes = [
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, errors.CompatError)
    ]
    assert len(classes) > 5
    for cls in classes:
        assert isinstance(cls.exit_code, ExitCode)
        assert cls.kind
        assert 400 <= cls.http_status < 600


def test_the_service_answers_each_library_error_with_its_http_status() -> None:
    from compat.service.problems import status_for

    classes = [
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, errors.CompatError)
    ]
    for cls in classes:
        if cls is errors.CompatError:
            continue  # the base: a fault of the server, answered 503 (see service/problems)
        assert status_for(cls("x")) == cls.http_status, cls
    assert errors.MatrixError.http_status == 422


def test_errors_subclass_builtins_for_callers_that_catch_those() -> None:
    assert issubclass(errors.NotFoundError, LookupError)
    assert issubclass(errors.UsageError, ValueError)
    err = errors.UnknownRegionError("unknown region 'x'", hint="did you mean y?", choices=["y"])
    assert err.to_dict() == {
        "error": "unknown-region",
        "message": "unknown region 'x'",
        "hint": "did you mean y?",
        "choices": ["y"],
    }
