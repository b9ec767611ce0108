"""GET /v1/resolve reads its query through one model (compat/service/query.py).

The route reads its query with the one parser (compat.query.parse_query),
stricter than FastAPI so that a typo never becomes an answer to another
question: unknown and repeated parameters are 400 problems naming the closest
known one, empty values are 400s naming the parameter, ``_`` is allowed.
"""

from __future__ import annotations

import pytest

from compat.service.security import MAX_PARAM_LENGTH

from .support import is_problem, make_client

PT_1131 = {"framework": "pt", "version": "1.13.1", "region": "us-west-2"}


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


def test_openapi_documents_the_resolve_parameters_and_limits(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/resolve"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert list(params) == [
        "framework",
        "version",
        "region",
        "smddp_version",
        "instance_type",
        "want",
        "format",
    ]
    for name, param in params.items():
        assert param["in"] == "query", name
        assert param["required"] is False, name
        assert param["description"], name
    for name in ("framework", "version", "region", "smddp_version", "instance_type"):
        schema = params[name]["schema"]
        text = next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "string")
        assert (text["minLength"], text["maxLength"]) == (1, MAX_PARAM_LENGTH), name
    # Absent means latest, unless smddp_version asks for the reverse lookup.
    assert params["version"]["schema"].get("default") is None
    assert "latest (the default)" in params["version"]["description"]
    assert "Resolution" in str(operation["responses"]["200"]["content"]["application/json"])
    assert "`_`" in operation["description"]  # the allowed cache-buster is documented
    docs = client.get("/docs").text
    section = docs[docs.index("GET /v1/resolve") :].split("</section>", 1)[0]
    assert "<code>smddp_version</code>" in section
    assert f"maxLength {MAX_PARAM_LENGTH}" in section


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"smddp_version": "x" * (MAX_PARAM_LENGTH + 1)}, "the smddp version is 101 characters"),
        ({"smddp_version": ""}, "the smddp version is empty"),
        ({"framework": "pt", "region": ""}, "the region is empty"),
        ({"framework": "pt", "instance_type": ""}, "the instance type is empty"),
    ],
)
def test_empty_and_overlong_values_are_the_parsers_400(
    client, params: dict[str, str], message: str
) -> None:
    response = client.get("/v1/resolve", params=params)
    assert response.status_code == 400
    assert is_problem(response)
    assert response.json()["error"] == "usage"
    assert response.json()["detail"].startswith(message)
    assert "x" * 101 not in response.text


@pytest.mark.parametrize(
    ("query", "named", "closest"),
    [
        (
            "framework=pytorch&smddp-version=1.7.0&region=us-west-2",
            "smddp-version",
            "smddp_version",
        ),
        ("framework=pytorch&versoin=1.13.1", "versoin", "version"),
        ("framework=pytorch&instance_typ=ml.p4d.24xlarge", "instance_typ", "instance_type"),
        ("Framework=tf", "Framework", "framework"),
    ],
)
def test_unknown_parameters_are_a_400_naming_the_closest(
    client, query: str, named: str, closest: str
) -> None:
    response = client.get(f"/v1/resolve?{query}")
    assert response.status_code == 400
    assert is_problem(response)
    assert response.json()["detail"] == f"unknown parameter {named!r}"
    assert f"did you mean {closest}=?" in response.json()["hint"]


def test_the_cache_buster_is_allowed_and_ignored(client) -> None:
    plain = client.get("/v1/resolve", params=PT_1131)
    busted = client.get("/v1/resolve", params={**PT_1131, "_": "1712345"})
    assert plain.status_code == busted.status_code == 200
    assert busted.content == plain.content
    assert plain.json()["framework_version"] == "1.13.1"


def test_a_repeated_parameter_is_a_400_naming_it(client) -> None:
    query = "framework=tf&framework=pt&version=1.13.1&region=us-west-2"
    response = client.get(f"/v1/resolve?{query}")
    assert response.status_code == 400
    assert response.json()["detail"] == "parameter 'framework' is given more than once"
    assert "'tf'" in response.json()["hint"]
    assert "'pt'" in response.json()["hint"]


def test_a_plus_that_arrived_as_a_space_gets_a_hint_to_encode_it(client) -> None:
    response = client.get("/v1/resolve?framework=pt&version=2.2.0+cu121&region=us-west-2")
    assert response.status_code == 400
    assert "encode it as %2B" in response.json()["hint"]
    assert "version=2.2.0%2Bcu121" in response.json()["hint"]
    encoded = client.get("/v1/resolve?framework=pt&version=2.2.0%2Bcu121&region=us-west-2")
    assert encoded.status_code == 200
    assert encoded.json()["framework_version"] == "2.2.0"


def test_cached_answers_are_the_first_answers(client) -> None:
    first = client.get("/v1/resolve", params={"framework": "tf"})
    again = client.get("/v1/resolve", params={"framework": "tf", "version": "latest"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert again.headers["x-content-type-options"] == "nosniff"
