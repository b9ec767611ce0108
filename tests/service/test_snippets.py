"""GET /v1/snippets: the CLI's own texts (resolve --format sagemaker, byoc) for one release."""

from __future__ import annotations

import json

import compat
from compat.errors import CompatError
from compat.recipes.byoc import byoc
from compat.recipes.sagemaker_sdk import sagemaker_args
from compat.render import render

from ..conftest import Invoke
from .support import make_client


def _by_id(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {s["id"]: s for s in body["snippets"]}  # type: ignore[attr-defined,index]


def test_snippets_are_the_cli_texts(run_cli: Invoke) -> None:
    client = make_client()
    response = client.get(
        "/v1/snippets", params={"framework": "pt", "version": "1.13", "region": "us-west-2"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["framework"], body["framework_version"], body["region"]) == (
        "pytorch",
        "1.13.1",
        "us-west-2",
    )
    found = _by_id(body)
    assert list(found) == ["sagemaker", "pip", "dockerfile"]
    cli = run_cli(
        "resolve",
        "-f",
        "pytorch",
        "--version",
        "1.13.1",
        "-r",
        "us-west-2",
        "--format",
        "sagemaker",
    )
    assert cli.exit_code == 0
    assert found["sagemaker"]["text"] == cli.stdout.rstrip("\n")
    assert found["sagemaker"]["command"] == (
        "smddp-compat resolve --framework pytorch --version 1.13.1 --region us-west-2 "
        "--format sagemaker"
    )
    recipe = byoc("pytorch", "1.13.1", "us-west-2", base="dlc")
    assert found["pip"]["text"] == recipe.pip_install
    docker = run_cli(
        "byoc", "--framework", "pytorch", "--version", "1.13.1", "--region", "us-west-2"
    )
    assert docker.exit_code == 0
    assert found["dockerfile"]["text"] == docker.stdout.rstrip("\n")
    as_json = json.loads(
        run_cli(
            "byoc",
            "--framework",
            "pytorch",
            "--version",
            "1.13.1",
            "--region",
            "us-west-2",
            "--format",
            "json",
        ).stdout
    )
    assert as_json["pip_install"] == found["pip"]["text"]


def test_without_region_the_dockerfile_starts_from_cuda() -> None:
    body = make_client().get("/v1/snippets", params={"framework": "pytorch"}).json()
    found = _by_id(body)
    res = compat.resolve("pytorch")
    assert found["dockerfile"]["text"] == byoc("pytorch", base="cuda").dockerfile()
    want: str | None = None
    refused: tuple[str, str] | None = None
    try:
        want = render(sagemaker_args(res), "sagemaker").rstrip("\n")
    except CompatError as exc:
        refused = (exc.kind, exc.message)
    # The text the CLI prints, or (the SDK does not know the release) the CLI's refusal.
    assert found["sagemaker"]["text"] == want
    if refused is not None:
        assert (found["sagemaker"]["error"], found["sagemaker"]["message"]) == refused


def test_a_snippet_without_an_answer_says_why() -> None:
    body = make_client().get("/v1/snippets", params={"framework": "tf", "version": "latest"}).json()
    found = _by_id(body)
    assert found["pip"]["text"] is None
    assert found["pip"]["error"] == "no-wheel"
    assert "no smddp wheel for TensorFlow" in str(found["pip"]["message"])
    assert found["sagemaker"]["text"] is not None


def test_snippets_errors_are_problems() -> None:
    client = make_client()
    missing = client.get("/v1/snippets", params={"framework": "pytorch", "version": "0.1.0"})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    unknown = client.get("/v1/snippets", params={"framework": "nope"})
    assert unknown.status_code == 404
    assert "pytorch" in unknown.json()["hint"]
    long = client.get("/v1/snippets", params={"framework": "x" * 101})
    assert long.status_code == 422
    assert client.get("/v1/snippets").status_code == 422
