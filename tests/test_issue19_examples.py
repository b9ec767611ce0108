"""Issue 19's examples, each through the faces that showed it (they failed before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import compat
from compat.matrix import shipped_matrix_path

from .conftest import Invoke, run_process
from .differential.faces import Case, ClickFace, FastPathFace, LibraryFace

FACES = [LibraryFace(), FastPathFace(), ClickFace()]


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    from .service.support import make_client

    with make_client() as c:
        yield c


def test_an_explicit_matrix_option_beats_the_environment_variable(tmp_path: Path) -> None:
    bogus = tmp_path / "mine.yaml"
    bogus.write_text("not: a matrix\n")
    args = ["--matrix", shipped_matrix_path(), "resolve", "-f", "pt", "--version", "1.13.1"]
    result = run_process(args, SMDDP_COMPAT_MATRIX=str(bogus))
    assert result.exit_code == 0, result.stderr
    assert "1.13.1" in result.stdout
    from_env = run_process(args[2:], SMDDP_COMPAT_MATRIX=str(bogus))
    assert from_env.exit_code == 7  # the variable applies when no option is typed


def test_an_empty_matrix_variable_is_a_usage_error_naming_it() -> None:
    result = run_process(["resolve", "-f", "pt"], SMDDP_COMPAT_MATRIX="")
    assert result.exit_code == 2
    assert "SMDDP_COMPAT_MATRIX" in result.stderr


@pytest.mark.parametrize("face", FACES, ids=lambda f: f.name)
def test_an_empty_region_is_exit_2_on_every_face_even_with_aws_region_set(face: object) -> None:
    for env in ({}, {"AWS_REGION": "eu-west-1"}):
        got = face.ask(Case.of(env=env, framework="pt", region="", format="uri"))  # type: ignore[attr-defined]
        assert (got.kind, got.message) == ("usage", "the region is empty")


def test_an_empty_aws_region_is_a_usage_error_naming_the_variable() -> None:
    got = FastPathFace().ask(Case.of(env={"AWS_REGION": ""}, framework="pt"))
    assert got.kind == "usage"
    assert "AWS_REGION" in got.message


@pytest.mark.parametrize(
    ("version", "region"),
    [("2.3", "cn-north-1"), ("latest", "us-isof-east-1"), (">=2.3,<2.4", "cn-north-1")],
)
def test_a_prefix_latest_or_specifier_picks_the_newest_release_published_there(
    client, version: str, region: str
) -> None:
    res = compat.resolve("pytorch", version, region)
    assert res.framework_version == "2.3.0"
    assert res.image_uri is not None
    assert region in res.image_uri
    assert any("2.3.1 also matches" in n and f"not published in {region}" in n for n in res.notes)
    for face in FACES:
        got = face.ask(Case.of(framework="pt", version=version, region=region, format="uri"))
        assert (got.kind, got.answer) == ("ok", res.image_uri), face.name
    http = client.get(
        "/v1/resolve", params={"framework": "pt", "version": version, "region": region}
    )
    assert http.status_code == 200
    assert http.json()["framework_version"] == "2.3.0"


def test_an_exact_version_keeps_its_meaning_with_the_nearest_alternative() -> None:
    with pytest.raises(compat.RegionNotAvailableError) as info:
        compat.resolve("pytorch", "2.3.1", "cn-north-1")
    assert info.value.alternatives[0].version == "2.3.0"
    assert "cn-north-1" in (info.value.alternatives[0].image_uri or "")


def test_a_reverse_lookup_for_a_uri_names_both_what_is_missing(run_cli: Invoke) -> None:
    """The issue's ``resolve --smddp-version 2.3.0 --format uri`` (no region): four lines before."""
    result = run_cli("resolve", "--smddp-version", "2.3.0", "--format", "uri")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "releases ship smddp 2.3.0" in result.stderr
    assert "add --framework and --region" in result.stderr


@pytest.mark.parametrize("fmt", ["uri", "env", "sagemaker"])
def test_a_one_value_format_with_several_answers_is_exit_2_naming_framework(
    run_cli: Invoke, fmt: str
) -> None:
    result = run_cli("resolve", "--smddp-version", "2.3.0", "-r", "us-west-2", "--format", fmt)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "add --framework" in result.stderr


@pytest.mark.parametrize("fmt", ["uri", "env", "sagemaker"])
def test_a_missing_value_is_exit_3_with_the_nearest_release_never_empty(
    run_cli: Invoke, fmt: str
) -> None:
    for region in ("us-west-2", "cn-north-1"):
        result = run_cli("resolve", "-f", "pt", "--version", "2.4.1", "-r", region, "--format", fmt)
        if fmt == "sagemaker" and region == "us-west-2":
            continue  # the SMP image carries 2.4.1 there (the SDK side is issue 19 item 4, i20)
        assert result.exit_code == 3, (region, result.stdout)
        assert result.stdout == ""
        assert "use --version 2.4.0, the nearest release that has it" in result.stderr


def test_env_of_a_prefix_gives_the_release_that_has_the_image(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "2.4", "-r", "us-west-2", "--format", "env"
    )
    assert result.exit_code == 0
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert lines["SMDDP_FRAMEWORK_VERSION"] == "2.4.0"
    assert lines["SMDDP_IMAGE_URI"].startswith("763104351884.dkr.ecr.us-west-2")
    no_region = run_cli("resolve", "-f", "pt", "--version", "2.4", "--format", "env")
    assert no_region.exit_code == 2  # an image URI needs a region: never SMDDP_IMAGE_URI=


def test_instance_types_are_matched_case_insensitively(run_cli: Invoke) -> None:
    args = ["resolve", "-f", "pt", "--version", "1.13.1", "-r", "us-west-2", "--format"]
    upper = run_cli(*args, "sagemaker", "--instance-type", "ML.P4D.24XLARGE")
    lower = run_cli(*args, "sagemaker", "--instance-type", "ml.p4d.24xlarge")
    assert upper.exit_code == lower.exit_code == 0, upper.stderr
    assert json.loads(upper.stdout) == json.loads(lower.stdout)


@pytest.mark.parametrize(
    "query",
    [
        "framework=pytorch&smddp-version=1.7.0&region=us-west-2",
        "framework=pytorch&versoin=1.13.1",
        "framework=pytorch&version=1.13.1&version=2.3.1",
    ],
)
def test_http_typos_and_repeats_are_400s_not_the_newest_release(client, query: str) -> None:
    response = client.get(f"/v1/resolve?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "usage"


def test_an_empty_http_parameter_is_a_400_naming_it(client) -> None:
    response = client.get("/v1/resolve?framework=pt&instance_type=&format=sagemaker")
    assert response.status_code == 400
    assert response.json()["detail"] == "the instance type is empty"
    assert "instance_type=" in response.json()["hint"]


@pytest.mark.parametrize("face", [FastPathFace(), ClickFace()], ids=lambda f: f.name)
def test_a_one_value_format_says_on_stderr_which_release_was_chosen(face: object) -> None:
    case = Case.of(framework="pt", version="2.4", region="us-west-2", format="env")
    got = face.ask(case)  # type: ignore[attr-defined]
    assert got.kind == "ok"
    assert "SMDDP_FRAMEWORK_VERSION=2.4.0" in got.answer
    assert "SMDDP_IMAGE_URI=763104351884" in got.answer
    assert "note: PyTorch 2.4.1 also matches '2.4'" in got.notes["stderr"]


def test_the_chosen_release_note_is_on_stderr_not_stdout(run_cli: Invoke) -> None:
    result = run_cli(
        "resolve", "-f", "pt", "--version", "2.4", "-r", "us-west-2", "--format", "uri"
    )
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1
    assert "note: Version 2.4.0 chosen as the newest match for '2.4'." in result.stderr
    assert "note: PyTorch 2.4.1 also matches '2.4' and is newer, but no DLC image carries it." in (
        result.stderr
    )
    fast = FastPathFace().ask(
        Case.of(framework="pt", version="2.4", region="us-west-2", format="uri")
    )
    assert fast.answer == result.stdout.strip()
