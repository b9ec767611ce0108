"""The real server's access log: one line per request at info, none (and no cost) above it."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from .support import running_server

pytestmark = pytest.mark.integration

RESOLVE = "/v1/resolve?framework=pt&version=1.13.1"


def _log_after_resolve(args: list[str], log: Path, *, wait_for: str | None = None) -> str:
    with running_server(args, log) as server:
        assert httpx.get(server.url + RESOLVE, timeout=10).status_code == 200
        deadline = time.monotonic() + (5 if wait_for else 0.5)
        while (wait_for is None or wait_for not in server.log_text()) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.1)
        return server.log_text()


def test_info_level_logs_each_request(tmp_path: Path) -> None:
    line = f'"GET {RESOLVE} HTTP/1.1" 200'
    assert line in _log_after_resolve([], tmp_path / "info.log", wait_for=line)


def test_warning_level_logs_no_request(tmp_path: Path) -> None:
    text = _log_after_resolve(["--log-level", "warning"], tmp_path / "warning.log")
    assert "HTTP/1.1" not in text
