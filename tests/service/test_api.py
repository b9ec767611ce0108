"""The HTTP service in-process (TestClient): every endpoint, every error, the page's HTML."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

import compat
from compat.matrix import shipped_matrix_path

from ..conftest import Invoke
from .support import TOKEN, is_problem, make_client

RESOLVE_CASES = [
    ("pytorch", "1.13.1", "us-west-2"),
    ("torch", "v1.13.1", "us-west-2"),
    ("pt", "1.13", "eu-west-1"),
    ("pt", ">=1.12,<2", "us-east-1"),
    ("tf", "latest", "cn-north-1"),
    ("hf", "4.26.0", "us-east-1"),
    ("pytorch", "1.13.1", None),
]


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


@pytest.fixture
def matrix_copy(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), path)
    return path


# -- resolve ------------------------------------------------------------------------
@pytest.mark.parametrize(("framework", "version", "region"), RESOLVE_CASES)
def test_resolve_is_the_cli_json(
    client, run_cli: Invoke, framework: str, version: str, region: str | None
) -> None:
    params = {"framework": framework, "version": version}
    args = ["resolve", "-f", framework, "--version", version, "--format", "json"]
    if region is not None:
        params["region"] = region
        args += ["--region", region]
    response = client.get("/v1/resolve", params=params)
    cli = run_cli(*args)
    assert cli.exit_code == 0
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(cli.stdout)


def test_resolve_reverse_lookup_is_the_cli_json(client, run_cli: Invoke) -> None:
    response = client.get("/v1/resolve", params={"smddp_version": "1.7.0", "region": "us-east-1"})
    cli = run_cli("resolve", "--smddp-version", "1.7.0", "-r", "us-east-1", "--format", "json")
    assert response.status_code == 200
    assert response.json() == json.loads(cli.stdout)
    assert {r["smddp_version"] for r in response.json()} == {"1.7.0"}


@pytest.mark.parametrize(
    ("params", "status", "kind"),
    [
        ({"framework": "pytroch"}, 404, "unknown-framework"),
        ({"framework": "pt", "version": "1.5.0"}, 404, "no-smddp"),
        ({"framework": "pt", "version": "1.13.7"}, 404, "unknown-version"),
        ({"framework": "pt", "region": "us-west-9"}, 404, "unknown-region"),
        ({"framework": "pt", "version": "not a version"}, 400, "usage"),
        ({"framework": "pt", "version": ">=banana"}, 400, "usage"),
        ({"framework": "   "}, 400, "usage"),
        ({"smddp_version": "1.0.99"}, 404, "unknown-version"),
    ],
)
def test_resolve_errors_are_the_cli_errors(
    client, run_cli: Invoke, params: dict[str, str], status: int, kind: str
) -> None:
    response = client.get("/v1/resolve", params=params)
    assert response.status_code == status
    assert is_problem(response)
    body = response.json()
    assert body["type"] == f"urn:smddp-compat:problem:{kind}"
    assert body["error"] == kind
    args = ["resolve", "--format", "json"]
    if "framework" in params:
        args += ["-f", params["framework"]]
    if "version" in params:
        args += ["--version", params["version"]]
    if "region" in params:
        args += ["--region", params["region"]]
    if "smddp_version" in params:
        args += ["--smddp-version", params["smddp_version"]]
    cli = run_cli(*args)
    assert cli.exit_code in (2, 3)
    expected = json.loads(cli.stdout)
    # The same error and message on both faces; a hint spells the face's own parameters.
    same = {k: v for k, v in expected.items() if k != "hint"}
    assert {k: body.get(k) for k in same} == same
    assert f"error: {expected['message']}" in cli.stderr
    assert "--" not in body.get("hint", "")


def test_resolve_without_framework_is_a_usage_problem(client) -> None:
    response = client.get("/v1/resolve")
    assert response.status_code == 400
    assert is_problem(response)
    assert "resolve needs a framework" in response.json()["detail"]
    assert "framework=" in response.json()["hint"]


def test_region_not_published_lists_the_regions(client) -> None:
    missing = None
    for res in compat.resolve_all():
        for region in compat.list_regions():
            try:
                compat.resolve(res.framework, res.framework_version, region.name)
            except compat.RegionNotAvailableError as exc:
                missing = (res, region.name, exc)
                break
        if missing:
            break
    # The shipped matrix has such a release (cn-* and us-gov-* lag behind); if a
    # change ever publishes everything everywhere, this test needs a matrix of its own.
    assert missing is not None, "every release of the shipped matrix is in every region"
    res, region, exc = missing
    response = client.get(
        "/v1/resolve",
        params={"framework": res.framework, "version": res.framework_version, "region": region},
    )
    assert response.status_code == 404
    assert response.json()["error"] == "region-not-available"
    assert response.json()["choices"] == list(exc.choices)
    assert response.json()["detail"] == exc.message


@pytest.mark.parametrize("name", ["framework", "version", "region", "smddp_version"])
def test_too_long_parameters_are_refused_as_problems(client, name: str) -> None:
    params = {"framework": "pt", name: "x" * 101}
    response = client.get("/v1/resolve", params=params)
    assert response.status_code == 400  # a usage error, as the CLI's exit 2
    assert is_problem(response)
    body = response.json()
    assert body["error"] == "usage"
    assert name.replace("_", " ") in body["detail"]
    assert "x" * 101 not in response.text  # the input is not echoed back


# -- the matrix and the catalog --------------------------------------------------------
def test_matrix_is_the_validated_document_with_etag(client) -> None:
    from compat.matrix import read_matrix_bytes
    from compat.matrix.validate import parse_document

    path = shipped_matrix_path()
    document = parse_document(read_matrix_bytes(path), path).model_dump(mode="json")
    response = client.get("/v1/matrix")
    assert response.status_code == 200
    assert response.json() == document
    etag = response.headers["etag"]
    # The matrix's SHA-256, then the route's part and the coding (see compat.service.conditional).
    assert etag.startswith(f'"{compat.load_matrix().sha256}.')
    assert response.headers["cache-control"] == "public, no-cache"
    again = client.get("/v1/matrix", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = client.get("/v1/matrix", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = client.get("/v1/matrix", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200
    assert stale.json() == document


def test_catalog_endpoints_are_the_library_results(client) -> None:
    assert client.get("/v1/frameworks").json() == [f.to_dict() for f in compat.list_frameworks()]
    assert client.get("/v1/regions").json() == [r.to_dict() for r in compat.list_regions()]
    assert client.get("/v1/instance-types").json() == [
        i.to_dict() for i in compat.list_instance_types()
    ]
    for_170 = client.get("/v1/instance-types", params={"smddp_version": "1.7.0"}).json()
    assert for_170 == [i.to_dict() for i in compat.list_instance_types("1.7.0")]
    assert {i["name"]: i["status"] for i in for_170}["ml.p4d.24xlarge"] == "supported"
    bad = client.get("/v1/instance-types", params={"smddp_version": "one"})
    assert bad.status_code == 400
    assert is_problem(bad)


def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["matrix_sha256"] == compat.load_matrix().sha256


def test_openapi_declares_every_route_and_model(client) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in [
        "/v1/resolve",
        "/v1/matrix",
        "/v1/frameworks",
        "/v1/regions",
        "/v1/instance-types",
        "/v1/preflight",
        "/v1/explain",
        "/v1/admin/reload",
        "/healthz",
        "/readyz",
    ]:
        operation = next(iter(paths[path].values()))
        ok = operation["responses"]["200"]["content"]["application/json"]
        assert "schema" in ok, path
    names = set(schema["components"]["schemas"])
    assert {
        "Resolution",
        "ProblemDocument",
        "FrameworkInfo",
        "RegionInfo",
        "InstanceTypeInfo",
    } <= names
    assert {"PreflightReportModel", "ExplanationModel", "MatrixDocument"} <= names
    resolution = schema["components"]["schemas"]["Resolution"]["properties"]
    assert set(resolution) == set(compat.resolve("pt", "1.13.1").to_dict())
    explain_body = paths["/v1/explain"]["post"]["requestBody"]["content"]
    assert set(explain_body) == {"application/json", "text/plain"}
    problem = paths["/v1/resolve"]["get"]["responses"]["404"]["content"]
    assert "application/problem+json" in problem


def test_docs_page_works_offline(client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.text
    assert "GET /v1/resolve" in html
    assert "POST /v1/admin/reload" in html
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", html)


def test_unknown_path_and_method_are_problems(client) -> None:
    missing = client.get("/v2/resolve")
    assert missing.status_code == 404
    assert is_problem(missing)
    wrong = client.delete("/v1/resolve")
    assert wrong.status_code == 405
    assert is_problem(wrong)
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404


# -- security --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/v1/resolve?framework=pt", "/v1/resolve", "/nope"])
def test_security_headers_on_every_kind_of_response(client, path: str) -> None:
    headers = client.get(path).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "access-control-allow-origin" not in headers


def test_cors_only_for_the_configured_origin() -> None:
    origin = "https://dash.example.com"
    with make_client(cors_origin=origin) as c:
        ok = c.get("/v1/regions", headers={"Origin": origin})
        assert ok.headers["access-control-allow-origin"] == origin
        other = c.get("/v1/regions", headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers
        pre = c.options(
            "/v1/resolve",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == origin


# -- the page --------------------------------------------------------------------------
def test_page_lists_every_release_with_notes_and_sources(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "no-cache" in response.headers["cache-control"].split(", ")
    html = response.text.replace("<wbr>", "")  # line-break hints inside long URIs
    rows = re.findall(r'<tr data-framework="([^"]+)" data-version="([^"]+)"', html)
    assert rows == [(r.framework, r.framework_version) for r in compat.resolve_all()]
    first = compat.resolve_all()[0]
    assert f"{first.repository}:{first.image_tag}" in html
    assert re.search(r'<script src="/static/page\.[0-9a-f]{12}\.js" defer></script>', html)
    assert '<label for="region">' in html
    assert '<label for="rf-version">' in html
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", html)
    assert "<script>" not in html
    assert "style=" not in html


def test_page_for_a_region_shows_the_library_uris(client) -> None:
    html = client.get("/", params={"region": "US-WEST-2"}).text.replace("<wbr>", "")
    res = compat.resolve("pytorch", "1.13.1", "us-west-2")
    assert res.image_uri is not None
    assert res.image_uri in html
    assert '<option value="us-west-2" selected>US West (Oregon) (us-west-2)</option>' in html
    # PyTorch 2.3.1 has only the SMP image: in us-west-2 it is there, in ap-east-1 it is not.
    smp = compat.resolve("pytorch", "2.3.1", "us-west-2").smp_image_uri
    assert smp is not None
    assert smp in html
    far = client.get("/", params={"region": "ap-east-1"}).text.replace("<wbr>", "")
    with pytest.raises(compat.CompatError, match="not published in ap-east-1"):
        compat.resolve("pytorch", "2.3.1", "ap-east-1")
    row = re.search(r'<tr data-framework="pytorch" data-version="2\.3\.1".*?</tr>', far)
    assert row is not None
    assert "not published in ap-east-1" in row.group(0)
    assert '<td class="smp" data-label="SMP image"><span class="none">-</span></td>' in row.group(0)
    assert "Copy the SMP image URI" not in row.group(0)
    assert ".dkr.ecr.us-west-2." not in far


def test_page_without_javascript_answers_in_html(client) -> None:
    """The form submits to / (region= may be empty); bad values get the page, not JSON."""
    empty = client.get("/", params={"framework": "pt", "version": "1.13", "region": ""})
    assert empty.status_code == 200
    assert empty.headers["content-type"] == "text/html; charset=utf-8"
    res = compat.resolve("pt", "1.13")
    html = empty.text.replace("<wbr>", "")
    assert 'data-field="image_uri"><span class="none">-</span>' in html
    assert f"pytorch {res.framework_version} with smddp {res.smddp_version}</h3>" in html
    long = client.get("/", params={"region": "x" * 101})
    assert long.status_code == 400
    assert long.headers["content-type"] == "text/html; charset=utf-8"
    assert "region is longer than 100 characters" in long.text
    missing = client.get("/", params={"framework": "pytorch", "version": "0.1.0"})
    assert 'class="problem" data-status="404"' in missing.text
    # Eligibility without a region: the default region, named on the page.
    check = client.get(
        "/",
        params={
            "framework": "pytorch",
            "version": "1.13.1",
            "region": "",
            "instance_type": "ml.p4d.24xlarge",
            "instance_count": "2",
            "check": "1",
        },
    )
    assert check.status_code == 200
    assert "2 x ml.p4d.24xlarge in us-east-1: partial</h3>" in check.text
    assert 'id="eligibility-answer"' in check.text


def test_static_files_have_versioned_names_cached_for_a_year(client) -> None:
    html = client.get("/").text
    for name in re.findall(r"/static/(page\.[0-9a-f]{12}\.(?:js|css))", html):
        response = client.get("/static/" + name)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/page.js")
    assert "no-cache" in plain.headers["cache-control"].split(", ")
    assert client.get("/static/page.0123456789ab.js").status_code == 404


def test_page_escapes_what_it_echoes(client) -> None:
    response = client.get("/", params={"region": "<script>alert(1)</script>"})
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert 'role="alert"' in response.text


def test_static_files_are_served_with_their_types(client) -> None:
    js = client.get("/static/page.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "addEventListener" in js.text
    css = client.get("/static/page.css")
    assert css.headers["content-type"].startswith("text/css")


# -- preflight -------------------------------------------------------------------------
PREFLIGHT = {
    "framework": "pytorch",
    "version": "1.13.1",
    "region": "us-west-2",
    "instance_type": "ml.p4d.24xlarge",
    "instance_count": "2",
}


def _library_report(**overrides: object) -> dict[str, object]:
    from compat import preflight

    args = {**PREFLIGHT, **overrides}
    report: dict[str, object] = preflight(
        str(args["framework"]),
        str(args["version"]),
        str(args["region"]),
        str(args["instance_type"]),
        int(str(args["instance_count"])),
        no_aws=True,
    ).to_dict()
    return report


def _skip_messages(body: dict[str, object]) -> set[str]:
    checks = body["checks"]
    assert isinstance(checks, list)
    return {c["message"] for c in checks if c["status"] == "skipped"}


def test_preflight_without_aws_is_the_library_report_with_the_reason(client) -> None:
    response = client.get("/v1/preflight", params=PREFLIGHT)
    assert response.status_code == 200
    body = response.json()
    expected = _library_report()
    assert body["aws"] is False
    assert [c["name"] for c in body["checks"]] == [c["name"] for c in expected["checks"]]  # type: ignore[attr-defined]
    assert body["checks"][:2] == expected["checks"][:2]  # type: ignore[index]
    assert body["checks"][1]["status"] == "pass"
    assert _skip_messages(body) == {"skipped: this server runs without --enable-aws"}


def test_preflight_not_eligible_and_not_found_are_reports(client) -> None:
    p5 = client.get("/v1/preflight", params={**PREFLIGHT, "instance_type": "ml.p5.48xlarge"})
    assert p5.status_code == 200
    assert p5.json()["status"] == "fail"
    assert p5.json()["exit_code"] == 4
    expected = _library_report(instance_type="ml.p5.48xlarge")
    assert p5.json()["checks"][:2] == expected["checks"][:2]  # type: ignore[index]
    unknown = client.get("/v1/preflight", params={**PREFLIGHT, "framework": "nope"})
    assert unknown.json()["exit_code"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {**PREFLIGHT, "instance_count": "0"},
        {**PREFLIGHT, "instance_count": "100001"},
        {**PREFLIGHT, "instance_count": "two"},
        {**PREFLIGHT, "spot": "perhaps"},
        {k: v for k, v in PREFLIGHT.items() if k != "instance_type"},
    ],
)
def test_preflight_bad_parameters_are_422_problems(client, params: dict[str, str]) -> None:
    response = client.get("/v1/preflight", params=params)
    assert response.status_code == 422
    assert is_problem(response)


def test_preflight_token_rules() -> None:
    with make_client(enable_aws=True, token=TOKEN) as c:
        no_header = c.get("/v1/preflight", params=PREFLIGHT)
        assert no_header.status_code == 200
        assert _skip_messages(no_header.json()) == {
            "skipped: the AWS checks need 'Authorization: Bearer <token>'"
        }
        wrong = c.get("/v1/preflight", params=PREFLIGHT, headers={"Authorization": "Bearer no"})
        assert wrong.status_code == 403
        assert is_problem(wrong)
        assert TOKEN not in wrong.text
        basic = c.get("/v1/preflight", params=PREFLIGHT, headers={"Authorization": "Basic eA=="})
        assert basic.status_code == 401
        assert basic.headers["www-authenticate"] == "Bearer"
    with make_client(enable_aws=True) as c:
        no_token = c.get("/v1/preflight", params=PREFLIGHT)
        assert _skip_messages(no_token.json()) == {
            "skipped: the server has no SMDDP_COMPAT_TOKEN, so the AWS checks are off"
        }


def test_preflight_aws_problems_are_502_problems_with_the_cli_hint(
    monkeypatch: pytest.MonkeyPatch, run_cli: Invoke
) -> None:
    """With the right token the AWS checks run; here against a closed loopback port.

    The CLI exits 6 (AWS problem) with the failing check's remedy; the service
    answers 502 with the same message and hint, and the report in ``report``.
    """
    from .support import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with make_client(enable_aws=True, token=TOKEN) as c:
        response = c.get(
            "/v1/preflight", params=PREFLIGHT, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    cli = run_cli(
        "preflight",
        "-f",
        "pytorch",
        "--version",
        "1.13.1",
        "-r",
        "us-west-2",
        "-t",
        "ml.p4d.24xlarge",
        "-n",
        "2",
        "--format",
        "json",
    )
    assert cli.exit_code == 6
    failed = next(c for c in json.loads(cli.stdout)["checks"] if c["status"] == "error")
    assert response.status_code == 502
    assert is_problem(response)
    body = response.json()
    assert body["error"] == "aws"
    assert body["detail"] == f"{failed['name']}: {failed['message']}"
    assert body["hint"] == failed["remedy"]
    assert body["hint"]
    assert body["report"]["aws"] is True
    assert body["report"]["exit_code"] == 6
    assert "testing" not in response.text  # the dummy credentials never leak


# -- explain ---------------------------------------------------------------------------
LIMIT_TEXT = (
    "An error occurred (ResourceLimitExceeded) when calling the CreateTrainingJob operation: "
    "The account-level service limit 'ml.p4d.24xlarge for training job usage' is 2 Instances, "
    "with current utilization of 1 Instances and a request delta of 2 Instances. Please use "
    "AWS Service Quotas to request an increase for this quota."
)


def test_explain_json_and_text_are_the_library_reading(client) -> None:
    from compat import explain

    expected = explain(LIMIT_TEXT).to_dict()
    as_json = client.post("/v1/explain", json={"message": LIMIT_TEXT})
    assert as_json.status_code == 200
    assert as_json.json() == expected
    as_text = client.post(
        "/v1/explain", content=LIMIT_TEXT.encode(), headers={"Content-Type": "text/plain"}
    )
    assert as_text.json() == expected
    assert expected["shortfall"] == 1
    with_region = client.post("/v1/explain", json={"message": LIMIT_TEXT, "region": "eu-west-1"})
    assert with_region.json()["region"] == "eu-west-1"


@pytest.mark.parametrize(
    ("content", "content_type", "status", "kind"),
    [
        (b'{"message": "hello there"}', "application/json", 404, "not-found"),
        (b"", "text/plain", 400, "usage"),
        (b'{"message": ""}', "application/json", 400, "usage"),
        (b'{"msg": "x"}', "application/json", 400, "usage"),
        (b"{not json", "application/json", 400, "usage"),
        (b"\xff\xfe", "text/plain", 400, "usage"),
        (b"<x/>", "application/xml", 415, "unsupported-media-type"),
        (b"a" * (64 * 1024 + 1), "text/plain", 413, "too-large"),
    ],
)
def test_explain_errors_are_problems(
    client, content: bytes, content_type: str, status: int, kind: str
) -> None:
    response = client.post("/v1/explain", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert is_problem(response)
    assert response.json()["error"] == kind


# -- reload ----------------------------------------------------------------------------
def test_reload_needs_the_token(matrix_copy: Path) -> None:
    with make_client(matrix_path=str(matrix_copy)) as c:
        off = c.post("/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert off.status_code == 403
        assert "turned off" in off.json()["detail"]
    with make_client(matrix_path=str(matrix_copy), token=TOKEN) as c:
        missing = c.post("/v1/admin/reload")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        wrong = c.post("/v1/admin/reload", headers={"Authorization": "Bearer " + TOKEN[:-1]})
        assert wrong.status_code == 403
        assert TOKEN not in wrong.text
        long = c.post("/v1/admin/reload", headers={"Authorization": "Bearer " + "x" * 5000})
        assert long.status_code == 401
        assert is_problem(long)


def test_reload_swaps_only_a_valid_file(matrix_copy: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    original = matrix_copy.read_text(encoding="utf-8")
    with make_client(matrix_path=str(matrix_copy), token=TOKEN) as c:
        same = c.post("/v1/admin/reload", headers=auth)
        assert same.status_code == 200
        assert same.json()["changed"] is False
        before = c.get("/v1/resolve", params={"framework": "pt", "version": "1.13.1"}).json()

        matrix_copy.write_text(original + "\nbogus_key: 1\n", encoding="utf-8")
        bad = c.post("/v1/admin/reload", headers=auth)
        assert bad.status_code == 422
        assert is_problem(bad)
        assert bad.json()["error"] == "invalid-matrix"
        assert any("bogus_key" in p for p in bad.json()["problems"])
        assert c.get("/readyz").json()["matrix_sha256"] == same.json()["sha256"]
        still = c.get("/v1/resolve", params={"framework": "pt", "version": "1.13.1"}).json()
        assert still == before

        changed = original.replace(
            'version: "1.13.1"', 'version: "1.13.1"\n    released: "2022-12-16"', 1
        )
        assert changed != original
        matrix_copy.write_text(changed, encoding="utf-8")
        good = c.post("/v1/admin/reload", headers=auth)
        assert good.status_code == 200, good.text
        assert good.json()["changed"] is True
        after = c.get("/v1/resolve", params={"framework": "pt", "version": "1.13.1"}).json()
        assert after["released"] == "2022-12-16"
        assert c.get("/v1/matrix").headers["etag"].startswith(f'"{good.json()["sha256"]}.')


# -- the command -----------------------------------------------------------------------
def test_serve_help(run_cli: Invoke) -> None:
    result = run_cli("serve", "--help")
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers", "--matrix", "--enable-aws", "--cors-origin"):
        assert option in result.stdout


def test_serve_without_the_extra_says_what_to_install(
    run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = run_cli("serve", "--port", "0")
    assert result.exit_code == 2
    assert "pip install 'smddp-compat[serve]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_bad_matrix_before_starting(run_cli: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: [\n", encoding="utf-8")
    result = run_cli("serve", "--matrix", str(bad), "--port", "0")
    assert result.exit_code == 7
    assert str(bad) in result.stderr


def test_serve_refuses_a_malformed_cors_origin(run_cli: Invoke) -> None:
    result = run_cli("serve", "--cors-origin", "not a url", "--port", "0")
    assert result.exit_code == 2
    assert "is not an origin" in result.stderr


def test_reload_refuses_a_pathological_file_by_its_parse_budget(matrix_copy: Path) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(matrix_path=str(matrix_copy), token=TOKEN) as c:
        before = c.get("/readyz").json()["matrix_sha256"]
        matrix_copy.write_bytes(b"".join(b"k%d: v\n" % i for i in range(150_000)))
        bad = c.post("/v1/admin/reload", headers=auth)
        assert bad.status_code == 422
        assert is_problem(bad)
        assert "more than 100,000 YAML values" in json.dumps(bad.json())
        assert c.get("/readyz").json()["matrix_sha256"] == before
