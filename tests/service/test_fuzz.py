"""Property-based fuzzing of every query parameter: never a 5xx, and every 4xx a problem."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import is_problem, make_client

# Plausible values next to hostile ones: long, empty, control characters, markup, unicode.
_text = st.one_of(
    st.sampled_from(
        [
            "pytorch",
            "pt",
            "tf",
            "hf",
            "1.13.1",
            "v1.13.1",
            "1.13",
            ">=1.12,<2",
            "latest",
            "us-west-2",
            "cn-north-1",
            "ml.p4d.24xlarge",
            "1.7.0",
            "",
            " ",
            "~=",
            "==1.*",
            "<script>",
            "%00",
        ]
    ),
    st.text(max_size=120),
    st.text(alphabet="0123456789.<>=!~,*v+-abc ", max_size=30),
)
_maybe = st.one_of(st.none(), _text)

_client: list[Any] = []


def _app_client() -> Any:
    if not _client:
        _client.append(make_client().__enter__())
    return _client[0]


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert is_problem(response), response.text


def _params(**values: object) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(framework=_maybe, version=_maybe, region=_maybe, smddp_version=st.one_of(st.none(), _text))
def test_resolve_never_fails_on_input(
    framework: str | None, version: str | None, region: str | None, smddp_version: str | None
) -> None:
    response = _app_client().get(
        "/v1/resolve",
        params=_params(
            framework=framework, version=version, region=region, smddp_version=smddp_version
        ),
    )
    _check(response)


@_settings
@given(
    framework=_maybe,
    version=_maybe,
    region=_maybe,
    instance_type=_maybe,
    instance_count=st.one_of(st.none(), st.integers(-5, 20_000).map(str), _text),
    spot=st.one_of(st.none(), st.sampled_from(["true", "false", "1", "0", "yes"]), _text),
)
def test_preflight_never_fails_on_input(
    framework: str | None,
    version: str | None,
    region: str | None,
    instance_type: str | None,
    instance_count: str | None,
    spot: str | None,
) -> None:
    response = _app_client().get(
        "/v1/preflight",
        params=_params(
            framework=framework,
            version=version,
            region=region,
            instance_type=instance_type,
            instance_count=instance_count,
            spot=spot,
        ),
    )
    _check(response)


@_settings
@given(smddp_version=_maybe, region=_maybe)
def test_instance_types_and_page_never_fail_on_input(
    smddp_version: str | None, region: str | None
) -> None:
    client = _app_client()
    _check(client.get("/v1/instance-types", params=_params(smddp_version=smddp_version)))
    page = client.get("/", params=_params(region=region))
    assert page.status_code in (200, 404, 422), page.text[:500]
    if page.status_code == 422:
        assert is_problem(page)


@_settings
@given(message=st.text(max_size=400), as_json=st.booleans())
def test_explain_never_fails_on_input(message: str, as_json: bool) -> None:
    client = _app_client()
    if as_json:
        response = client.post("/v1/explain", json={"message": message})
    else:
        response = client.post(
            "/v1/explain",
            content=message.encode("utf-8"),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
    _check(response)


@pytest.fixture(scope="module", autouse=True)
def _close_client() -> Any:
    yield
    while _client:
        _client.pop().__exit__(None, None, None)
