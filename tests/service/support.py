"""Helpers shared by the HTTP service tests: an in-process client and a real server process."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from ..conftest import free_port, subprocess_env

with warnings.catch_warnings():
    # Starlette's TestClient warns that it will move to httpx2; the client works the same.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOKEN = "s3cret-token-for-tests-only"


def make_client(**kwargs: Any) -> TestClient:
    """An in-process client; a server error raises in the test instead of hiding as a 500."""
    from compat.service.app import create_app

    return TestClient(create_app(**kwargs), raise_server_exceptions=True)


class ServerProcess:
    """``python -m compat serve`` on a free loopback port, with its log in a file."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc = proc
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_server(args: Sequence[str], log: Path, **env: str) -> Iterator[ServerProcess]:
    port = free_port()
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "compat", "serve", "--port", str(port), *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=subprocess_env(**env),
        )
    server = ServerProcess(proc, port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited early:\n{server.log_text()}")
            try:
                if httpx.get(server.url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not get ready:\n{server.log_text()}")
            time.sleep(0.1)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def is_problem(response: httpx.Response) -> bool:
    """An RFC 9457 document whose status matches the response's."""
    if response.headers.get("content-type", "").split(";")[0] != "application/problem+json":
        return False
    body = response.json()
    return (
        isinstance(body, dict)
        and body.get("status") == response.status_code
        and isinstance(body.get("type"), str)
        and isinstance(body.get("title"), str)
        and isinstance(body.get("detail"), str)
        and body.get("message") == body.get("detail")
    )


@contextlib.contextmanager
def static_server(root: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``root`` on a free loopback port (an exported site)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(url + "/index.html", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("python -m http.server did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
