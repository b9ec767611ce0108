"""Every GET route that takes parameters refuses a typo as /v1/resolve does.

A mistyped parameter must not become an answer to another question: found in
review, ``/v1/preflight?...&requireaws=true`` answered exit_code 0 (the quota
gate passed unchecked), ``instance-count=8`` checked 1 instance and
``versoin=2.6.0`` answered for the latest release.
"""

from __future__ import annotations

import pytest

from .support import is_problem, make_client

PREFLIGHT = "/v1/preflight?framework=pytorch&region=us-west-2&instance_type=ml.p4d.24xlarge"


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


@pytest.mark.parametrize(
    ("url", "named", "closest"),
    [
        (f"{PREFLIGHT}&version=2.2.0&requireaws=true", "requireaws", "require_aws"),
        (f"{PREFLIGHT}&version=2.2.0&instance-count=8", "instance-count", "instance_count"),
        (f"{PREFLIGHT}&versoin=2.6.0&instance_count=8", "versoin", "version"),
        ("/v1/snippets?framework=pytorch&versoin=2.6.0&region=us-west-2", "versoin", "version"),
        ("/v1/instance-types?smddp-version=2.6.0", "smddp-version", "smddp_version"),
    ],
)
def test_unknown_parameters_are_a_400_naming_the_closest(
    client, url: str, named: str, closest: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert is_problem(response)
    assert response.json()["detail"] == f"unknown parameter {named!r}"
    assert f"did you mean {closest}=?" in response.json()["hint"]


@pytest.mark.parametrize(
    "url",
    [
        f"{PREFLIGHT}&version=2.2.0&instance_count=8&instance_count=2",
        "/v1/snippets?framework=pytorch&version=2.2.0&version=1.13.1",
        "/v1/instance-types?smddp_version=2.6.0&smddp_version=1.7.0",
    ],
)
def test_a_repeated_parameter_is_a_400(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert "is given more than once" in response.json()["detail"]


def test_known_parameters_and_the_cache_buster_still_answer(client) -> None:
    ok = client.get(f"{PREFLIGHT}&version=2.2.0&instance_count=8&spot=true&require_aws=true&_=1")
    assert ok.status_code == 200
    assert (ok.json()["instance_count"], ok.json()["exit_code"]) == (8, 5)
    assert client.get("/v1/snippets?framework=pt&version=1.13.1&region=us-west-2&_=1").is_success
    assert client.get("/v1/instance-types?smddp_version=2.6.0&_=1").is_success


@pytest.mark.parametrize(
    ("query", "spelled"),
    [
        ("framework=pt&version=1.13.1&format=uri", "pass region=us-west-2 (for example)"),
        ("version=1.13.1", "add framework=pytorch (for example)"),
        ("", "for example framework=pytorch version=1.13.1 region=us-west-2"),
        ("smddp_version=2.3.0&region=us-west-2&format=uri", "such as framework=pytorch"),
        ("framework=pt&version=1.13.1&region=us-isof-east-1", "use version=2.1.0, the nearest"),
    ],
)
def test_hints_spell_parameters_as_a_query_string(client, query: str, spelled: str) -> None:
    # Hints read "pass region= us-west-2" over HTTP; the CLI's "--region us-west-2" is right.
    response = client.get(f"/v1/resolve?{query}")
    assert response.status_code in (400, 404)
    assert spelled in response.json()["hint"]
    for value in ("pytorch", "json", "us-west-2", "1.13.1", "2.1.0"):
        assert f"= {value}" not in response.json()["hint"]
