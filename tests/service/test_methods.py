"""HEAD answers like GET without a body on every GET route; OPTIONS lists the allowed methods."""

from __future__ import annotations

import pytest

from .support import is_problem, make_client

GET_PATHS = [
    "/healthz",
    "/readyz",
    "/",
    "/?region=us-west-2",
    "/v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2",
    "/v1/matrix",
    "/v1/frameworks",
    "/v1/regions",
    "/v1/instance-types",
    "/v1/preflight?framework=pt&version=1.13.1&region=us-west-2&instance_type=ml.p4d.24xlarge",
    "/openapi.json",
    "/docs",
    "/static/page.js",
]


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


@pytest.mark.parametrize("path", GET_PATHS)
def test_head_is_get_without_a_body(client, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    # The same representation (compressed alike: the client sends the same Accept-Encoding).
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers.get("content-encoding") == got.headers.get("content-encoding")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]


def test_head_of_an_error_keeps_the_status_and_drops_the_body(client) -> None:
    missing = client.head("/v1/resolve?framework=pt&version=0.0.1")
    assert missing.status_code == 404
    assert missing.content == b""
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.head("/nope").status_code == 404
    assert client.head("/v1/admin/reload").status_code == 405


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/resolve", "GET, HEAD, OPTIONS"),
        ("/", "GET, HEAD, OPTIONS"),
        ("/v1/explain", "OPTIONS, POST"),
        ("/v1/admin/reload", "OPTIONS, POST"),
        ("/static/page.css", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_answers_allow(client, path: str, allow: str) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""
    assert response.headers["x-content-type-options"] == "nosniff"


def test_options_on_an_unknown_path_is_a_404_problem(client) -> None:
    response = client.options("/v2/nothing")
    assert response.status_code == 404
    assert is_problem(response)


def test_a_cors_preflight_is_answered_by_cors_not_by_allow() -> None:
    origin = "https://dash.example.com"
    with make_client(cors_origin=origin) as c:
        response = c.options(
            "/v1/resolve",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert "allow" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/v1/resolve", "GET, HEAD, OPTIONS"),
        ("DELETE", "/healthz", "GET, HEAD, OPTIONS"),
        ("PUT", "/static/page.js", "GET, HEAD, OPTIONS"),
        ("GET", "/v1/explain", "OPTIONS, POST"),
        ("HEAD", "/v1/admin/reload", "OPTIONS, POST"),
        ("POST", "/openapi.json", "GET, HEAD, OPTIONS"),
    ],
)
def test_a_405_allows_what_options_allows(client, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert client.options(path).headers["allow"] == allow
