"""GET /v1/resolve reads its query through one model (compat/service/query.py).

The route no longer declares its parameters to FastAPI, so these pin what
FastAPI used to provide: the parameters documented with their limits, the
same 422 problem documents, unknown names ignored and the last of a repeated
name counting.
"""

from __future__ import annotations

from typing import Any

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
    assert list(params) == ["framework", "version", "region", "smddp_version"]
    for name, param in params.items():
        assert param["in"] == "query", name
        assert param["required"] is False, name
        assert param["description"], name
        schema = param["schema"]
        text = next(s for s in schema.get("anyOf", [schema]) if s.get("type") == "string")
        assert (text["minLength"], text["maxLength"]) == (1, MAX_PARAM_LENGTH), name
    # Absent means latest, unless smddp_version asks for the reverse lookup.
    assert params["version"]["schema"].get("default") is None
    assert "latest (the default)" in params["version"]["description"]
    assert "Resolution" in str(operation["responses"]["200"]["content"]["application/json"])
    docs = client.get("/docs").text
    section = docs[docs.index("GET /v1/resolve") :].split("</section>", 1)[0]
    assert "<code>smddp_version</code>" in section
    assert f"maxLength {MAX_PARAM_LENGTH}" in section


def _without_instance(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("instance", "request_id")}


def test_limits_answer_the_same_problem_as_a_fastapi_declared_parameter(client) -> None:
    # /v1/instance-types still declares smddp_version to FastAPI: the documents must match.
    for value in ("x" * (MAX_PARAM_LENGTH + 1), ""):
        ours = client.get("/v1/resolve", params={"smddp_version": value})
        fastapis = client.get("/v1/instance-types", params={"smddp_version": value})
        assert ours.status_code == fastapis.status_code == 422
        assert is_problem(ours)
        assert _without_instance(ours.json()) == _without_instance(fastapis.json())
        assert ours.json()["errors"][0]["loc"] == ["query", "smddp_version"]


def test_every_broken_limit_is_listed(client) -> None:
    response = client.get("/v1/resolve", params={"framework": "", "region": "r" * 101})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors] == [["query", "framework"], ["query", "region"]]
    assert response.json()["detail"] == "framework: String should have at least 1 character"
    assert "r" * 101 not in response.text


def test_unknown_parameters_are_ignored(client) -> None:
    plain = client.get("/v1/resolve", params=PT_1131)
    busted = client.get("/v1/resolve", params={**PT_1131, "_": "1712345", "Framework": "tf"})
    assert plain.status_code == busted.status_code == 200
    assert busted.content == plain.content
    assert plain.json()["framework_version"] == "1.13.1"


def test_the_last_of_a_repeated_parameter_counts(client) -> None:
    query = "framework=tf&framework=pt&version=1.13.1&region=us-west-2"
    response = client.get(f"/v1/resolve?{query}")
    assert response.status_code == 200
    assert response.content == client.get("/v1/resolve", params=PT_1131).content


def test_cached_answers_are_the_first_answers(client) -> None:
    first = client.get("/v1/resolve", params={"framework": "tf"})
    again = client.get("/v1/resolve", params={"framework": "tf", "version": "latest"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert again.headers["x-content-type-options"] == "nosniff"
