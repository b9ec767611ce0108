"""Property tests: version matching, and no input ever ends in a traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import compat
from compat.errors import CompatError
from compat.exit_codes import ExitCode
from compat.matrix import load_matrix

from ..conftest import Invoke

MATRIX = load_matrix()
FRAMEWORKS = sorted(MATRIX.compiled["releases"])
RELEASES = [(fw, rel["version"]) for fw in FRAMEWORKS for rel in MATRIX.compiled["releases"][fw]]
VALID_CODES = {int(code) for code in ExitCode}


def newest(framework: str, keep: object) -> str | None:
    """The newest release of ``framework`` whose Version satisfies ``keep``, by brute force."""
    versions = [Version(r["version"]) for r in MATRIX.compiled["releases"][framework]]
    matching = [v for v in versions if keep(v)]  # type: ignore[operator]
    return str(max(matching)) if matching else None


@given(st.sampled_from(RELEASES), st.sampled_from(["", "v", "V", " "]))
def test_every_release_resolves_exactly(release: tuple[str, str], prefix: str) -> None:
    framework, version = release
    res = compat.resolve(framework, prefix + version, "us-east-1")
    assert Version(res.framework_version) == Version(version)


@given(st.sampled_from(RELEASES), st.integers(min_value=1, max_value=2))
def test_prefixes_choose_the_newest_release_with_that_prefix(
    release: tuple[str, str], parts: int
) -> None:
    framework, version = release
    prefix = Version(version).release[:parts]
    text = ".".join(map(str, prefix))
    expected = newest(framework, lambda v: v.release[:parts] == prefix)
    assert compat.resolve(framework, text).framework_version == expected


@given(
    st.sampled_from(FRAMEWORKS),
    st.sampled_from([">=", "<=", ">", "<", "==", "!=", "~="]),
    st.sampled_from(sorted({v for _, v in RELEASES}, key=Version)),
)
def test_specifiers_choose_the_newest_match(framework: str, op: str, version: str) -> None:
    if op == "~=" and len(Version(version).release) < 2:
        return
    spec = SpecifierSet(f"{op}{version}")
    expected = newest(framework, lambda v: v in spec)
    if expected is None:
        with pytest.raises(CompatError):
            compat.resolve(framework, str(spec))
    else:
        assert compat.resolve(framework, str(spec)).framework_version == expected


TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=120,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    framework=TEXT,
    version=TEXT,
    region=TEXT,
    fmt=st.sampled_from(["text", "json", "yaml", "env", "uri", "bogus"]),
)
def test_arbitrary_resolve_options_never_traceback(
    run_cli: Invoke, framework: str, version: str, region: str, fmt: str
) -> None:
    result = run_cli(
        "resolve",
        "--framework",
        framework,
        "--version",
        version,
        "--region",
        region,
        "--format",
        fmt,
    )
    assert result.exit_code in VALID_CODES
    assert result.exit_code != ExitCode.UNEXPECTED, result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code:
        assert result.stderr.strip(), "an error must say something"


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(
        [
            ["list", "--framework"],
            ["list", "--region"],
            ["instance-types", "--smddp-version"],
            ["resolve", "--smddp-version"],
            ["resolve", "-f", "pt", "--version"],
        ]
    ),
    value=TEXT,
)
def test_arbitrary_values_in_other_options_never_traceback(
    run_cli: Invoke, command: list[str], value: str
) -> None:
    result = run_cli(*command, value)
    assert result.exit_code in VALID_CODES - {int(ExitCode.UNEXPECTED)}, result.stderr
    assert "Traceback" not in result.stderr


@given(st.sampled_from(RELEASES))
def test_resolution_json_is_consistent_with_its_parts(release: tuple[str, str]) -> None:
    framework, version = release
    res = compat.resolve(framework, version, "eu-west-1")
    if res.image_uri is not None:
        assert res.image_uri.endswith(f"/{res.repository}:{res.image_tag}")
        assert res.py_version is not None
        assert f"-{res.py_version}-" in res.image_uri
    if res.binary_url is not None:
        assert f"smdistributed_dataparallel-{res.smddp_version}-" in res.binary_url or any(
            c.field == "wheel" for c in res.corrections
        )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=TEXT.filter(lambda p: p.strip() != ""))
def test_arbitrary_matrix_paths_never_traceback(
    run_cli: Invoke,
    path: str,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("empty"))  # no relative path names a real file
    for args in (["resolve", "-f", "pt", "--matrix", path], ["validate", path]):
        result = run_cli(*args)
        assert result.exit_code in {int(ExitCode.USAGE), int(ExitCode.INVALID_MATRIX)}, (
            args,
            result.stderr,
        )
        assert "Traceback" not in result.stderr
