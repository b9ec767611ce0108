"""Request ids, Prometheus metrics and JSON logs: in-process, and in the real server."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import compat
from compat.matrix import shipped_matrix_path

from .support import TOKEN, is_problem, make_client, running_server

RESOLVE = "/v1/resolve?framework=pytorch&version=1.13.1&region=us-west-2"


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def _value(text: str, name: str, **labels: str) -> float:
    return sum(v for found, v in _samples(text, name) if labels.items() <= found.items())


# -- request ids ---------------------------------------------------------------------------
def test_a_sane_request_id_is_echoed_and_put_in_problems() -> None:
    with make_client() as c:
        ok = c.get(RESOLVE, headers={"X-Request-ID": "lb-1234.abc_DEF"})
        missing = c.get("/v1/resolve?framework=pt&version=0.0.1", headers={"X-Request-ID": "r-9"})
    assert ok.headers["x-request-id"] == "lb-1234.abc_DEF"
    assert missing.headers["x-request-id"] == "r-9"
    assert is_problem(missing)
    assert missing.json()["request_id"] == "r-9"


@pytest.mark.parametrize("given", [None, "", "x" * 129, "bad id", "a\u00e9b", "<script>"])
def test_a_missing_or_odd_request_id_is_replaced(given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given.encode("utf-8")}
    with make_client() as c:
        first = c.get("/nope", headers=headers)
        second = c.get("/nope", headers=headers)
    generated = first.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert generated != second.headers["x-request-id"]
    assert first.json()["request_id"] == generated


# -- metrics -------------------------------------------------------------------------------
def test_metrics_count_requests_by_route_template_never_the_raw_path() -> None:
    with make_client() as c:
        for _ in range(3):
            assert c.get(RESOLVE).status_code == 200
        assert c.get("/v1/resolve?framework=pt&version=0.0.1").status_code == 404
        assert c.get("/static/page.js").status_code == 200
        assert c.head("/healthz").status_code == 200
        assert c.options("/v1/explain").status_code == 204
        for i in range(5):
            assert c.get(f"/scanner/{i}/wp-login.php").status_code == 404
        response = c.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    total = "smddp_compat_http_requests_total"
    assert _value(text, total, route="/v1/resolve", method="GET", status="200") == 3
    assert _value(text, total, route="/v1/resolve", method="GET", status="404") == 1
    assert _value(text, total, route="/static/{name}", method="GET", status="200") == 1
    assert _value(text, total, route="/healthz", method="HEAD", status="200") == 1
    assert _value(text, total, route="/v1/explain", method="OPTIONS", status="204") == 1
    assert _value(text, total, route="unmatched", method="GET", status="404") == 5
    assert "wp-login" not in text
    assert "page.js" not in text
    count = "smddp_compat_http_request_duration_seconds_count"
    assert _value(text, count, route="/v1/resolve", method="GET") == 4
    sha = compat.load_matrix().sha256
    assert _samples(text, "smddp_compat_matrix_info") == [
        ({"sha256": sha, "schema_version": "1"}, 1.0)
    ]


def test_metrics_follow_reloads(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), matrix)
    original = matrix.read_text(encoding="utf-8")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(matrix_path=str(matrix), token=TOKEN) as c:
        matrix.write_text(original + "\nbogus_key: 1\n", encoding="utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 422
        matrix.write_text(original.replace("pytorch:", "pytorch:  ", 1), encoding="utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 200
        text = c.get("/metrics").text
    reloads = "smddp_compat_matrix_reloads_total"
    assert _value(text, reloads, result="failure") == 1
    assert _value(text, reloads, result="success") == 1
    new_sha = compat.load_matrix(matrix).sha256
    assert [labels["sha256"] for labels, _ in _samples(text, "smddp_compat_matrix_info")] == [
        new_sha
    ]


def test_metrics_token_guards_the_scrape() -> None:
    with make_client(metrics_token="scrape-secret") as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer no"}).status_code == 403
        ok = c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200
    assert "smddp_compat_matrix_info" in ok.text


# -- the real server -----------------------------------------------------------------------
@pytest.mark.integration
def test_json_logs_carry_request_id_route_status_and_duration(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with running_server(["--log-format", "json"], log) as server:
        response = httpx.get(server.url + RESOLVE, headers={"X-Request-ID": "trace-42"}, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 5
        while "trace-42" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        lines = [line for line in server.log_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = next(e for e in entries if e.get("request_id") == "trace-42")
    assert access["route"] == "/v1/resolve"
    assert access["status"] == 200
    assert access["method"] == "GET"
    assert access["level"] == "info"
    assert isinstance(access["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["time"])
    assert any("Uvicorn running" in e["message"] for e in entries)


@pytest.mark.integration
def test_metrics_add_up_every_worker(tmp_path: Path) -> None:
    with running_server(["--workers", "2"], tmp_path / "server.log") as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            before = _value(
                http.get("/metrics").text, "smddp_compat_http_requests_total", route="/healthz"
            )
            for _ in range(20):
                # A new connection each time, so that both workers answer some.
                assert httpx.get(server.url + "/healthz", timeout=10).status_code == 200
            text = http.get("/metrics").text
        pids = {labels["pid"] for labels, _ in _samples(text, "smddp_compat_matrix_info")}
    assert _value(text, "smddp_compat_http_requests_total", route="/healthz") == before + 20
    assert len(pids) == 2


def test_every_route_is_labelled_by_its_template() -> None:
    with make_client() as c:
        assert c.get("/openapi.json").status_code == 200
        assert c.head("/openapi.json").status_code == 200
        assert c.post("/v1/resolve").status_code == 405
        assert c.delete("/static/page.js").status_code == 405
        text = c.get("/metrics").text
    total = "smddp_compat_http_requests_total"
    assert _value(text, total, route="/openapi.json", method="GET", status="200") == 1
    assert _value(text, total, route="/openapi.json", method="HEAD", status="200") == 1
    assert _value(text, total, route="/v1/resolve", method="POST", status="405") == 1
    assert _value(text, total, route="/static/{name}", method="DELETE", status="405") == 1
    assert _value(text, total, route="unmatched") == 0


def test_readyz_reports_the_last_reload(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), matrix)
    original = matrix.read_text(encoding="utf-8")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with make_client(matrix_path=str(matrix), token=TOKEN) as c:
        assert c.get("/readyz").json()["last_reload"] is None
        matrix.write_text(original + "\nbogus_key: 1\n", encoding="utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 422
        failed = c.get("/readyz")
        matrix.write_text(original.replace("pytorch:", "pytorch:  ", 1), encoding="utf-8")
        assert c.post("/v1/admin/reload", headers=auth).status_code == 200
        ok = c.get("/readyz").json()
    old_sha = compat.load_matrix().sha256
    assert failed.status_code == 200  # the old matrix serves on
    last = failed.json()["last_reload"]
    assert last["result"] == "failure"
    assert last["sha256"] == old_sha
    assert "bogus_key" in last["error"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", last["at"])
    assert ok["last_reload"]["result"] == "success"
    assert ok["last_reload"]["sha256"] == ok["matrix_sha256"] != old_sha
    assert "error" not in ok["last_reload"]
    assert ok["last_reload"]["at"] >= last["at"]


@pytest.mark.integration
def test_each_worker_logs_its_matrix_and_pid_in_json(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    args = ["--workers", "2", "--log-format", "json"]
    with running_server(args, log) as server:
        for i in range(10):  # a new connection each time, so that both workers may answer
            httpx.get(server.url + "/healthz", headers={"X-Request-ID": f"w-{i}"}, timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            entries = [json.loads(line) for line in server.log_text().splitlines() if line.strip()]
            started = [e for e in entries if e["message"].startswith("serving matrix ")]
            if len(started) >= 2 and sum(1 for e in entries if e.get("request_id")) >= 10:
                break
            time.sleep(0.2)
    sha = compat.load_matrix().sha256
    assert len({e["pid"] for e in started}) == 2
    assert all(
        re.search(rf"serving matrix \S+matrix\.yaml sha256 {sha} ", e["message"]) for e in started
    )
    access = [e for e in entries if str(e.get("request_id", "")).startswith("w-")]
    assert len(access) == 10
    assert {e["pid"] for e in access} <= {e["pid"] for e in started}
    assert all(isinstance(e["pid"], int) for e in entries)
