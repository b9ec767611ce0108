"""Slow and greedy clients against the real server on loopback: every limit of ``serve``.

Each loop is bounded by a deadline; the limits are set low so that the test is short.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from .support import ServerProcess, running_server

pytestmark = pytest.mark.integration

LIMITS = [
    "--header-timeout",
    "1",
    "--max-header-bytes",
    "4096",
    "--max-headers",
    "20",
    "--timeout-keep-alive",
    "1",
    "--limit-concurrency",
    "8",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    log = tmp_path_factory.mktemp("limits") / "server.log"
    with running_server(LIMITS, log) as found:
        yield found


def _connect(server: ServerProcess) -> socket.socket:
    port = int(server.url.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def _read_until_closed(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (or the deadline passes)."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the server kept the connection open; it sent {data[:200]!r}")


def _request(*headers: str) -> bytes:
    lines = ["GET /healthz HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def test_half_sent_headers_are_closed_after_the_header_timeout(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        started = time.monotonic()
        answer = _read_until_closed(sock, started + 8)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 1 s" in answer


def test_a_client_dribbling_headers_is_cut_off_too(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        deadline = time.monotonic() + 8
        closed = False
        for i in range(40):  # one header every 0.2 s: each byte is in time, the whole is not
            try:
                sock.sendall(f"X-Drip-{i}: 1\r\n".encode())
            except OSError:
                closed = True
                break
            time.sleep(0.2)
            if time.monotonic() > deadline:
                break
        answer = b"" if closed else _read_until_closed(sock, time.monotonic() + 5)
    assert closed or answer.startswith(b"HTTP/1.1 408 ")


def test_oversized_headers_are_refused_with_431(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request("X-Big: " + "a" * 8000))
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"over 4096 bytes" in answer


def test_an_oversized_header_still_arriving_is_refused(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 6000)
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_too_many_headers_are_refused_with_431(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request(*(f"X-H{i}: 1" for i in range(25))))
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"more than 20 header fields" in answer


def test_requests_within_the_limits_are_answered(server: ServerProcess) -> None:
    headers = {f"X-H{i}": "1" for i in range(15)}
    response = httpx.get(server.url + "/healthz", headers=headers, timeout=10)
    assert response.status_code == 200


def test_idle_kept_alive_connections_are_closed(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request())
        answer = _read_until_closed(sock, time.monotonic() + 8)
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_connections_over_the_limit_are_refused(server: ServerProcess) -> None:
    # The limit is 8: open 12 at once (each held until the 1 s header timeout), then read.
    held = [_connect(server) for _ in range(12)]
    try:
        answers = [_read_until_closed(sock, time.monotonic() + 8) for sock in held]
    finally:
        for sock in held:
            sock.close()
    refused = [a for a in answers if a.startswith(b"HTTP/1.1 503 ")]
    timed_out = [a for a in answers if a.startswith(b"HTTP/1.1 408 ")]
    assert len(refused) >= 4, answers
    assert len(refused) + len(timed_out) == 12, answers
    # Once they are gone, the server answers again.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(server.url + "/healthz", timeout=5).status_code == 200:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the server did not recover after the connections closed")


def test_refusals_are_not_logged_as_malformed_requests(server: ServerProcess) -> None:
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(_request(*(f"X-H{i}: 1" for i in range(25))))
        assert _read_until_closed(sock, time.monotonic() + 8).startswith(b"HTTP/1.1 431 ")
    with contextlib.closing(_connect(server)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        assert _read_until_closed(sock, time.monotonic() + 8).startswith(b"HTTP/1.1 400 ")
    deadline = time.monotonic() + 5
    while "Invalid HTTP request" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    # One warning: the malformed request; none for the 431 refusals of the module's tests.
    assert server.log_text().count("Invalid HTTP request received.") == 1
