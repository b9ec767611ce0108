"""The real server process on a loopback port: HTTP, and reloads that keep a good matrix."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

import compat
from compat.matrix import shipped_matrix_path

from ..conftest import run_process
from .support import TOKEN, is_problem, running_server

pytestmark = pytest.mark.integration


def _wait_for(condition, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_real_server_answers_and_survives_bad_reloads(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    shutil.copyfile(shipped_matrix_path(), matrix)
    original = matrix.read_text(encoding="utf-8")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    log = tmp_path / "server.log"
    with (
        contextlib.ExitStack() as stack,
        running_server(["--matrix", str(matrix)], log, SMDDP_COMPAT_TOKEN=TOKEN) as server,
    ):
        http = httpx.Client(base_url=server.url, timeout=10)
        stack.callback(http.close)
        params = {"framework": "pytorch", "version": "1.13.1", "region": "us-west-2"}
        answer = http.get("/v1/resolve", params=params)
        cli = run_process(
            [
                "resolve",
                "-f",
                "pytorch",
                "--version",
                "1.13.1",
                "-r",
                "us-west-2",
                "--format",
                "json",
            ]
        )
        assert answer.status_code == 200
        assert answer.json() == json.loads(cli.stdout)
        assert "content-security-policy" in answer.headers
        assert "server" not in answer.headers
        page = http.get("/")
        assert page.status_code == 200
        assert '<table class="releases">' in page.text
        first_sha = http.get("/readyz").json()["matrix_sha256"]

        # A bad file: SIGHUP logs every problem and keeps the old matrix serving.
        matrix.write_text(original.replace("pytorch:", "pytorch: [", 1), encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: "matrix reload failed" in server.log_text()), server.log_text()
        assert http.get("/readyz").json()["matrix_sha256"] == first_sha
        assert http.get("/v1/resolve", params=params).json() == answer.json()

        # The admin endpoint says why, with the token, and also keeps the old matrix.
        matrix.write_text(original + "\nbogus_key: 1\n", encoding="utf-8")
        refused = http.post("/v1/admin/reload")
        assert refused.status_code == 401
        bad = http.post("/v1/admin/reload", headers=auth)
        assert bad.status_code == 422
        assert is_problem(bad)
        assert any("bogus_key" in p for p in bad.json()["problems"])
        assert http.get("/v1/resolve", params=params).json() == answer.json()

        # A good file: SIGHUP swaps it in.
        changed = original.replace(
            'version: "1.13.1"', 'version: "1.13.1"\n    released: "2022-12-16"', 1
        )
        matrix.write_text(changed, encoding="utf-8")
        server.proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: http.get("/readyz").json()["matrix_sha256"] != first_sha), (
            server.log_text()
        )
        assert http.get("/v1/resolve", params=params).json()["released"] == "2022-12-16"
        new_sha = http.get("/readyz").json()["matrix_sha256"]
        assert _wait_for(lambda: "matrix reloaded from" in server.log_text()), server.log_text()
        reloaded = next(
            line for line in server.log_text().splitlines() if "matrix reloaded from" in line
        )
        assert f"sha256 {first_sha} -> {new_sha}" in reloaded
        releases = sum(len(v) for v in compat.load_matrix(matrix).compiled["releases"].values())
        assert f"releases {releases} -> {releases}" in reloaded
        again = http.post("/v1/admin/reload", headers=auth)
        assert again.status_code == 200
        assert again.json()["changed"] is False
    text = log.read_text(encoding="utf-8")
    assert TOKEN not in text
    assert "Traceback" not in text
    assert server.proc.returncode is not None
