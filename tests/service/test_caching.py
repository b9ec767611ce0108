"""ETag, Cache-Control and 304 on every answer that depends only on the matrix; compression.

In-process for the rules, and once against the real server on loopback.
"""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import brotli
import httpx
import pytest

import compat
from compat.matrix import shipped_matrix_path
from compat.service.conditional import normalised_query
from compat.service.routes.common import MATRIX_DERIVED

from .support import TOKEN, make_client, running_server

RESOLVE = "/v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2"
#: One request per matrix-derived route (every key of MATRIX_DERIVED).
MATRIX_PATHS = [
    RESOLVE,
    "/v1/frameworks",
    "/v1/regions",
    "/v1/instance-types",
    "/v1/instance-types?smddp_version=1.7.0",
    "/v1/matrix",
    "/",
    "/?region=us-west-2",
    "/openapi.json",
    "/v1/snippets?framework=pytorch&version=1.13.1&region=us-west-2",
]
SHA = compat.load_matrix().sha256


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    with make_client() as c:
        yield c


def test_every_declared_route_is_covered_here() -> None:
    assert {p.split("?")[0] for p in MATRIX_PATHS} == set(MATRIX_DERIVED)


@pytest.mark.parametrize("path", MATRIX_PATHS)
def test_a_matrix_derived_answer_is_tagged_and_revalidated(client, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith(f'"{SHA}.')  # strong: no W/
    assert etag.endswith('"')
    assert first.headers["cache-control"] == "public, no-cache"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "public, no-cache"
    head = client.head(path, headers={"If-None-Match": f'"nope", W/{etag}'})
    assert head.status_code == 304
    stale = client.get(path, headers={"If-None-Match": f'"{"0" * 64}.0000000000000000"'})
    assert stale.status_code == 200
    assert stale.content == first.content


def test_each_route_and_query_has_its_own_tag(client) -> None:
    tags = {client.get(path).headers["etag"] for path in MATRIX_PATHS}
    assert len(tags) == len(MATRIX_PATHS)
    other = client.get("/v1/resolve?framework=pytorch&version=1.12.1&region=us-west-2")
    assert other.headers["etag"] != client.get(RESOLVE).headers["etag"]
    # A tag for one query never validates another's answer.
    assert client.get(RESOLVE, headers={"If-None-Match": other.headers["etag"]}).status_code == 200


def test_the_order_of_different_parameters_does_not_matter(client) -> None:
    swapped = "/v1/resolve?region=us-west-2&version=1.13.1&framework=pytorch"
    assert client.get(swapped).headers["etag"] == client.get(RESOLVE).headers["etag"]


def test_the_order_of_a_repeated_parameter_does(client) -> None:
    # Whatever a repeated parameter means to the route, its two orders are not assumed equal.
    assert normalised_query(b"version=1&b=2&version=3") == b"b=2&version=1&version=3"
    assert normalised_query(b"versio%6E=3&version=1") != normalised_query(b"version=1&versio%6E=3")
    assert normalised_query(b"a=1&&b=2&") == b"a=1&b=2"


def test_errors_and_unlisted_routes_carry_no_tag(client) -> None:
    missing = client.get("/v1/resolve?framework=pt&version=0.0.1")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    assert "etag" not in client.get("/healthz").headers
    assert "etag" not in client.get("/readyz").headers


def test_a_reload_changes_every_tag(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), matrix)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(matrix_path=str(matrix), token=TOKEN) as c:
        before = {path: c.get(path).headers["etag"] for path in MATRIX_PATHS}
        text = matrix.read_text(encoding="utf-8")
        matrix.write_text(text.replace("pytorch:", "pytorch:  ", 1), encoding="utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 200
        for path, etag in before.items():
            answer = c.get(path, headers={"If-None-Match": etag})
            assert answer.status_code == 200, path
            assert answer.headers["etag"] != etag


def test_v1_matrix_is_revalidated_by_the_middleware_across_a_reload(tmp_path: Path) -> None:
    """The route sets no caching header itself: the tag, 304 and a reload's 200 are the
    conditional middleware's, from the matrix that answered."""
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), matrix)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(matrix_path=str(matrix), token=TOKEN) as c:
        first = c.get("/v1/matrix")
        etag = first.headers["etag"]
        assert etag.startswith(f'"{SHA}.')
        assert first.headers["cache-control"] == "public, no-cache"
        assert c.get("/v1/matrix", headers={"If-None-Match": etag}).status_code == 304
        text = matrix.read_text(encoding="utf-8")
        assert text.count("schema_version: 1\n") == 1
        matrix.write_text(text.replace("schema_version: 1\n", "schema_version: 1\n\n"), "utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 200
        served = c.get("/readyz").json()["matrix_sha256"]
        assert served != SHA
        after = c.get("/v1/matrix", headers={"If-None-Match": etag})
        assert after.status_code == 200
        assert after.json() == first.json()  # the same document, from the new file
        assert after.headers["etag"].startswith(f'"{served}.')
        again = c.get("/v1/matrix", headers={"If-None-Match": after.headers["etag"]})
        assert again.status_code == 304


def test_the_matrix_route_declares_if_none_match_in_its_schema(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/matrix"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["If-None-Match"]
    assert "304" in operation["responses"]


# -- compression -------------------------------------------------------------------------
def test_large_answers_are_gzipped_for_clients_that_take_gzip(client) -> None:
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == plain.content  # httpx decodes it
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
    # A compressed tag validates: the same content.
    assert client.get("/", headers={"If-None-Match": zipped.headers["etag"]}).status_code == 304


def test_brotli_is_preferred_when_accepted(client) -> None:
    raw = client.get("/v1/matrix", headers={"Accept-Encoding": "gzip, br"})
    assert raw.headers["content-encoding"] == "br"
    assert raw.headers["etag"].endswith('-br"')
    with client.stream("GET", "/v1/matrix", headers={"Accept-Encoding": "br"}) as stream:
        body = b"".join(stream.iter_raw())
    plain = client.get("/v1/matrix", headers={"Accept-Encoding": "identity"}).content
    assert brotli.decompress(body) == plain


@pytest.mark.parametrize("header", ["identity", "gzip;q=0", "br;q=0, gzip;q=0", "compress"])
def test_refused_codings_are_not_used(client, header: str) -> None:
    assert "content-encoding" not in client.get("/", headers={"Accept-Encoding": header}).headers


def test_gzip_when_brotli_is_refused(client) -> None:
    got = client.get("/", headers={"Accept-Encoding": "br;q=0, *"})
    assert got.headers["content-encoding"] == "gzip"


def test_small_answers_are_sent_as_they_are(client) -> None:
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert "vary" not in small.headers


def test_an_untagged_static_body_is_compressed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from compat.service import compress

    calls: list[int] = []
    real = compress._gzip

    def counting(data: bytes) -> bytes:
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(compress, "_gzip", counting)
    with make_client() as c:
        asset = re.findall(r"/static/page\.[0-9a-f]{12}\.js", c.get("/").text)[0]
        calls.clear()
        plain = c.get(asset, headers={"Accept-Encoding": "identity"})
        assert "etag" not in plain.headers  # untagged: the content cache is what keeps it
        answers = [c.get(asset, headers={"Accept-Encoding": "gzip"}) for _ in range(3)]
        assert calls == [len(plain.content)]  # three answers, one compression
        for got in answers:
            assert got.headers["content-encoding"] == "gzip"
            assert got.content == plain.content  # httpx decodes it
        style = re.findall(r"/static/page\.[0-9a-f]{12}\.css", c.get("/").text)[0]
        c.get(style, headers={"Accept-Encoding": "gzip"})
        assert len(calls) == 2  # other content, compressed on its own


def _entry(body: bytes) -> tuple[bytes, bytes, None]:
    return body[::-1], str(len(body)).encode(), None


def test_the_content_cache_keys_by_content_and_coding() -> None:
    from compat.service.compress import ContentCache

    cache = ContentCache(entries=4, max_bytes=1000)
    made: list[bytes] = []

    def make(body: bytes) -> tuple[bytes, bytes, None]:
        made.append(body)
        return _entry(body)

    one = b"a" * 10
    assert cache.get(one, "gzip", lambda: make(one)) == _entry(one)
    same_bytes = bytes(bytearray(one))  # equal content, another object
    assert same_bytes is not one
    assert cache.get(same_bytes, "gzip", lambda: make(same_bytes)) == _entry(one)
    assert made == [one]
    cache.get(one, "br", lambda: make(one))  # another coding: another entry
    cache.get(b"b" * 10, "gzip", lambda: make(b"b" * 10))  # other content: another entry
    assert len(made) == 3
    assert len(cache) == 3


def test_the_content_cache_is_bounded_least_recently_used_first() -> None:
    from compat.service.compress import ContentCache

    cache = ContentCache(entries=3, max_bytes=25)
    bodies = [bytes([65 + i]) * 10 for i in range(4)]
    made: list[bytes] = []
    for body in bodies[:2]:
        cache.get(body, "gzip", lambda b=body: made.append(b) or _entry(b))
    cache.get(bodies[0], "gzip", lambda: made.append(b"again") or _entry(bodies[0]))  # used
    cache.get(bodies[2], "gzip", lambda: made.append(bodies[2]) or _entry(bodies[2]))
    # 30 bytes > 25: the least recently used (bodies[1]) went, bodies[0] stayed.
    assert len(cache) == 2
    assert cache.size == 20
    cache.get(bodies[0], "gzip", lambda: made.append(b"again") or _entry(bodies[0]))
    assert b"again" not in made
    cache.get(bodies[1], "gzip", lambda: made.append(b"again") or _entry(bodies[1]))
    assert made.count(b"again") == 1
    huge = b"h" * 100  # larger than the whole cache: answered, not kept
    assert cache.get(huge, "gzip", lambda: _entry(huge)) == _entry(huge)
    assert cache.size <= 25
    assert len(cache) <= 3


# -- the real server -----------------------------------------------------------------------
@pytest.mark.integration
def test_the_real_server_answers_304_and_gzip(tmp_path: Path) -> None:
    with (
        running_server([], tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        raw = http.build_request("GET", "/", headers={"Accept-Encoding": "gzip"})
        first = http.send(raw, stream=True)
        body = b"".join(first.iter_raw())
        first.close()
        assert first.headers["content-encoding"] == "gzip"
        page = gzip.decompress(body)
        assert b"<!doctype html>" in page.lower()
        assert int(first.headers["content-length"]) == len(body)
        again = http.get("/", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert again.headers["x-request-id"]
        metrics = http.get("/metrics").text
    assert 'route="/",status="304"' in metrics
